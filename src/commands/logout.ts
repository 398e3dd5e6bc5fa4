import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {sessionFlag} from '../flags.js'
import {logout, type LogoutResult} from '../sso/logout.js'
import {sessionRuntime} from '../sso/runtime.js'
import {loadSession, loadSessions} from '../sso/session-config.js'

export default class Logout extends KeylessCommand {
  static override summary = "Sign out of an SSO session and delete its tokens and cached credentials from the keychain."
  static override examples = ['<%= config.bin %> logout', '<%= config.bin %> logout --session acme', '<%= config.bin %> logout --all']
  static override enableJsonFlag = true
  static override flags = {
    session: {...sessionFlag, exclusive: ['all']},
    all: Flags.boolean({description: 'every session, including ones no longer in the AWS config file', exclusive: ['session']}),
  }

  async run(): Promise<{sessions: LogoutResult[]}> {
    const {flags} = await this.parse(Logout)
    const {store, withSessionLock} = sessionRuntime()
    let targets: Array<{name: string; region: string}>
    if (flags.all) {
      const configured = await loadSessions().catch(() => [])
      const names = new Set([...configured.map((s) => s.name), ...(await store.sessionNames())])
      targets = [...names].map((name) => configured.find((s) => s.name === name) ?? {name, region: 'us-east-1'})
    } else {
      // A session only the keychain still knows (its section was removed: status shows it as orphaned).
      const orphan = flags.session && (await store.sessionNames()).includes(flags.session)
      const configured = orphan ? await loadSessions().catch(() => []) : []
      targets = [
        orphan && !configured.some((s) => s.name === flags.session)
          ? {name: flags.session!, region: (await store.readToken(flags.session!))?.region || 'us-east-1'}
          : await loadSession(flags.session, process.env, this.id),
      ]
    }
    const results = []
    for (const session of targets) {
      // Under the session lock: a token refresh in flight (credential-process, accounts) finishes first, so it
      // cannot write a fresh token back into the keychain after the wipe.
      const result = await withSessionLock(session.name, () => logout(session, store))
      if (result.remoteError) {
        process.stderr.write(`keyless: could not reach Identity Center to end session ${session.name} (${result.remoteError}); its local tokens were deleted anyway` + '\n')
      }
      this.log(`Signed out of ${session.name}${result.deletedEntries ? '' : ' (nothing was stored)'}.`)
      results.push(result)
    }
    if (targets.length === 0) this.log('No sessions to sign out of.')
    return {sessions: results}
  }
}
