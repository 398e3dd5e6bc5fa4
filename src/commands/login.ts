import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {sessionFlag} from '../flags.js'
import {login, type LoginResult} from '../sso/login.js'
import {sessionRuntime} from '../sso/runtime.js'
import {loadSession} from '../sso/session-config.js'
import {presentDevicePrompt} from '../ui/login-prompt.js'
import {pollingSpinner} from '../ui/spinner.js'

export default class Login extends KeylessCommand {
  static override summary = 'Sign in to an SSO session (device authorization); tokens go to the OS keychain.'
  static override description = `A valid token: nothing to do. A refresh token: refreshed silently. Otherwise the device-authorization flow: the code and URL are printed on stderr and the browser opens (unless --no-browser, an SSH session or no display).`
  static override examples = ['<%= config.bin %> login', '<%= config.bin %> login --session acme --no-browser', '<%= config.bin %> login --force']
  static override enableJsonFlag = true
  static override flags = {
    session: sessionFlag,
    'no-browser': Flags.boolean({description: 'do not open a browser; print the URL and a QR code to scan with a phone'}),
    force: Flags.boolean({description: 'always run the device-authorization flow, even with a valid token'}),
  }

  async run(): Promise<LoginResult> {
    const {flags} = await this.parse(Login)
    const session = await loadSession(flags.session, process.env, this.id)
    const runtime = sessionRuntime()
    const controller = new AbortController()
    // Ctrl-C while waiting for approval: stop polling, store nothing, exit 130.
    const onSigint = () => controller.abort()
    // `on`, not `once`: proper-lockfile's signal-exit re-raises SIGINT when no other listener remains.
    process.on('SIGINT', onSigint)
    const spinner = pollingSpinner('Waiting for approval in the browser')
    try {
      const result = await login(
        session,
        {
          ...runtime,
          signal: controller.signal,
          present: async (prompt) => {
            await presentDevicePrompt(prompt, {noBrowser: flags['no-browser'], region: session.region})
            spinner.start()
          },
        },
        {force: flags.force},
      )
      spinner.stop()
      const until = new Date(result.accessTokenExpiresAt).toISOString()
      const said = {
        'already-valid': `Already signed in to ${session.name}; the access token is valid until ${until}.`,
        refreshed: `Refreshed the session ${session.name}; the access token is valid until ${until}.`,
        'device-authorization': `Signed in to ${session.name}; the access token is valid until ${until}.`,
      }[result.action]
      this.log(said)
      return result
    } finally {
      spinner.stop()
      process.removeListener('SIGINT', onSigint)
    }
  }
}
