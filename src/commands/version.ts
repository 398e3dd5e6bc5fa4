import {Command} from '@oclif/core'

/** `keyless version`: what `keyless --version` and `-v` print, as in other oclif CLIs. */
export default class Version extends Command {
  static override summary = 'Print the version of keyless (same as --version).'
  static override examples = ['<%= config.bin %> version']

  async run(): Promise<void> {
    this.log(this.config.userAgent)
  }
}
