import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {KeylessError, printable, toUserLine} from '../errors.js'
import {sessionFlag} from '../flags.js'
import {logout, sweepSessionLeftovers, type LogoutResult} from '../sso/logout.js'
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
    const failures: string[] = []
    for (const session of targets) {
      // Under the session lock: a token refresh in flight (credential-process, accounts) finishes first, so it
      // cannot write a fresh token back into the keychain after the wipe.
      let result
      try {
        result = await withSessionLock(session.name, () => logout(session, store))
      } catch (error) {
        // --all signs out of every session it can; one that fails is reported at the end, not the end of it.
        if (!flags.all) throw error
        failures.push(`${printable(session.name)} (${toUserLine(error).replace(/^keyless: /, '')})`)
        continue
      }
      if (result.remoteError) {
        process.stderr.write(`keyless: could not reach Identity Center to end session ${session.name} (${result.remoteError}); its local tokens were deleted anyway` + '\n')
      }
      this.log(`Signed out of ${session.name}${result.deletedEntries ? '' : ' (nothing was stored)'}.`)
      results.push(result)
    }
    if (flags.all) {
      const swept = await sweepSessionLeftovers(store)
      if (swept.deleted) this.log(`Deleted ${swept.deleted} other keychain entr${swept.deleted === 1 ? 'y' : 'ies'} of sessions.`)
      failures.push(...swept.failed.map((key) => printable(key)))
    }
    if (targets.length === 0 && failures.length === 0) this.log('No sessions to sign out of.')
    if (failures.length > 0) {
      throw new KeylessError(`could not sign out of everything; left: ${failures.join(', ')}`, 'run: keyless logout --all --debug to see why, then again')
    }
    return {sessions: results}
  }
}
