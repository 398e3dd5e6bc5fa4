import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {sessionFlag} from '../flags.js'
import type {LoginResult} from '../sso/login.js'
import {chooseLoginFlow} from '../sso/login-flow.js'
import {loadSession} from '../sso/session-config.js'
import {loginAtTerminal} from '../sso/terminal-login.js'

export default class Login extends KeylessCommand {
  static override summary = 'Sign in to an SSO session (authorization code with PKCE, or device code); tokens go to the OS keychain.'
  static override description = `A valid token: nothing to do. A refresh token: refreshed silently. Otherwise a browser sign-in: authorization code with PKCE when a browser opens on this machine; the device-authorization flow with --device-code, --no-browser, over SSH, without a display, on WSL, in a container, or when the session says keyless_login_flow = device-code. One line on stderr says which flow runs and why.`
  static override examples = [
    '<%= config.bin %> login',
    '<%= config.bin %> login --session acme --device-code',
    '<%= config.bin %> login --session acme --no-browser',
    '<%= config.bin %> login --force',
  ]
  static override enableJsonFlag = true
  static override flags = {
    session: sessionFlag,
    'no-browser': Flags.boolean({
      description: 'do not open a browser: use the device code flow, print the URL and a QR code to scan with a phone',
    }),
    'device-code': Flags.boolean({
      description: 'use the device code flow (approve from any device) instead of authorization code with PKCE',
    }),
    force: Flags.boolean({description: 'always run a browser sign-in, even with a valid token'}),
  }

  async run(): Promise<LoginResult> {
    const {flags} = await this.parse(Login)
    const session = await loadSession(flags.session, process.env, this.id)
    const choice = chooseLoginFlow({deviceCode: flags['device-code'], noBrowser: flags['no-browser'], session})
    const result = await loginAtTerminal(session, {choice, force: flags.force})
    const until = new Date(result.accessTokenExpiresAt).toISOString()
    const said = {
      'already-valid': `Already signed in to ${session.name}; the access token is valid until ${until}.`,
      refreshed: `Refreshed the session ${session.name}; the access token is valid until ${until}.`,
      'authorization-code': `Signed in to ${session.name}; the access token is valid until ${until}.`,
      'device-authorization': `Signed in to ${session.name}; the access token is valid until ${until}.`,
    }[result.action]
    this.log(said)
    return result
  }
}
