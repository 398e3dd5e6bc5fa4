import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {validateRegion} from '../aws-config/sso-sessions.js'
import {openConsole} from '../console/console.js'
import {consoleDestination} from '../console/signin.js'
import {EXIT, KeylessError} from '../errors.js'
import {roleArg, roleFlags} from '../flags.js'

export default class Console extends KeylessCommand {
  static override summary = 'Open the AWS Management Console signed in as a role.'
  static override description = `Exchanges the role's credentials for a sign-in token at the federation endpoint of the role's partition (a POST, so the credentials are in no URL), then opens the console through a one-time link on 127.0.0.1: the sign-in URL, a bearer credential for 15 minutes, is on no command line.
--destination takes a service name (s3, ec2) or a console path (/ec2/home#Instances). --print writes the sign-in URL to stdout instead (refused on a terminal without --reveal).
--browser opens a browser of your choice; --isolate opens each account and role in a browser profile of its own (Chromium family) or a Firefox container, so several roles stay open side by side and your personal profile is untouched (both remembered per session with keyless configure). Without isolation the previous console session is signed out first. --forget-profiles deletes the isolated profiles.`
  static override examples = [
    '<%= config.bin %> console --profile production.ReadOnlyAccess',
    '<%= config.bin %> console --account production --role ReadOnlyAccess --destination s3',
    '<%= config.bin %> console production.ReadOnlyAccess --region eu-west-1 --destination /ec2/home#Instances',
    '<%= config.bin %> console --profile production.ReadOnlyAccess --print | xclip',
    '<%= config.bin %> console production.AdministratorAccess --browser chrome --isolate',
    '<%= config.bin %> console --forget-profiles',
  ]
  static override args = roleArg
  static override flags = {
    ...roleFlags,
    destination: Flags.string({description: 'a service name (s3, ec2) or a console path (/ec2/home#Instances)', helpValue: 'SERVICE|PATH'}),
    print: Flags.boolean({description: 'print the sign-in URL to stdout instead of opening a browser'}),
    reveal: Flags.boolean({description: 'with --print: print even when stdout is a terminal'}),
    browser: Flags.string({
      description: "the browser to open (else the session's keyless_browser, else the default browser)",
      helpValue: 'chrome|chromium|edge|brave|firefox|safari|default|PATH',
    }),
    isolate: Flags.boolean({
      description: 'open the role in a browser profile (Chromium family) or Firefox container of its own',
      allowNo: true,
    }),
    'forget-profiles': Flags.boolean({description: 'delete the browser profiles of --isolate, and open nothing'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Console)
    if (flags['forget-profiles']) {
      const {forgetProfiles} = await import('../console/browser-profiles.js')
      const {root, removed} = forgetProfiles()
      this.log(`Deleted ${removed} browser profile${removed === 1 ? '' : 's'} of keyless console --isolate (${root}).`)
      return
    }
    if (flags.print && process.stdout.isTTY && !flags.reveal) {
      throw new KeylessError(
        'not printing a sign-in URL to a terminal (it signs anyone in for 15 minutes)',
        'add --reveal, or pipe it: keyless console --print ... | xclip',
        EXIT.usage,
      )
    }
    if (flags.region !== undefined) validateRegion(flags.region, 'pass the region to open the console in, e.g. --region eu-west-1')
    consoleDestination('us-east-1', flags.destination) // a bad --destination is a usage error before any network call
    const result = await openConsole(
      {role: args.role, profile: flags.profile, account: flags.account, roleName: flags.role, session: flags.session},
      {
        destination: flags.destination,
        region: flags.region,
        print: flags.print,
        debug: flags.debug,
        browser: flags.browser,
        isolate: flags.isolate,
      },
    )
    if (result.url) process.stdout.write(result.url + '\n')
  }
}
