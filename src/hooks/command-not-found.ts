import type {Hook} from '@oclif/core'

import {printable} from '../errors.js'

/**
 * `keyless nope` or `keyless status extra`: one line saying what was not understood and what to run,
 * exit 2 (a usage error), like every other keyless failure.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const words = options.id.split(':')
  const known = words.findLastIndex((_, i) => options.config.findCommand(words.slice(0, i + 1).join(':')) !== undefined)
  const line =
    known >= 0
      ? `keyless: unexpected argument "${printable(words.slice(known + 1).join(' '))}"; run: keyless ${words.slice(0, known + 1).join(' ')} --help`
      : `keyless: unknown command "${printable(words.join(' '))}"; run: keyless --help`
  process.stderr.write(line + '\n')
  this.exit(2)
}

export default hook
