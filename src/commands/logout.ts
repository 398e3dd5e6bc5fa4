import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {KeylessError, printable, toUserLine} from '../errors.js'
import {sessionFlag} from '../flags.js'
import {logout, sweepSessionLeftovers, type LogoutResult} from '../sso/logout.js'
import type {StoreKind} from '../keychain/stores.js'
import {sessionRuntime, storesInUse} from '../sso/runtime.js'
import type {SessionStore} from '../sso/session-store.js'
import {retireOldStore} from '../sso/store-switch.js'
import {loadSession, loadSessions} from '../sso/session-config.js'

export default class Logout extends KeylessCommand {
  static override summary = 'Sign out of an SSO session and delete its tokens and cached credentials from the keychain.'
  static override examples = ['<%= config.bin %> logout', '<%= config.bin %> logout --session acme', '<%= config.bin %> logout --all']
  static override enableJsonFlag = true
  static override flags = {
    session: {...sessionFlag, exclusive: ['all']},
    all: Flags.boolean({description: 'every session, including ones no longer in the AWS config file', exclusive: ['session']}),
  }

  async run(): Promise<{sessions: LogoutResult[]}> {
    const {flags} = await this.parse(Logout)
    const configured = await loadSessions().catch(() => [])
    // Every store there is, with the sessions each holds (a store nobody uses that cannot be reached is left out).
    const stores = await storesInUse(configured)
    const found = new Map<StoreKind, string[]>()
    for (const [kind, store] of stores) found.set(kind, await store.sessionNames())
    const storeHolding = (name: string) => [...found].find(([, names]) => names.includes(name))?.[0]
    let targets: Array<{name: string; region: string; store?: string}>
    if (flags.all) {
      const names = new Set([...configured.map((s) => s.name), ...[...found.values()].flat()])
      targets = [...names].map((name) => configured.find((s) => s.name === name) ?? {name, region: 'us-east-1', store: storeHolding(name)})
    } else {
      // A session only a store still knows (its section was removed: status shows it as orphaned).
      const orphanStore = flags.session && !configured.some((s) => s.name === flags.session) ? storeHolding(flags.session) : undefined
      targets = [
        orphanStore
          ? {
              name: flags.session!,
              region: (await stores.get(orphanStore)!.readToken(flags.session!))?.region || 'us-east-1',
              store: orphanStore,
            }
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
        const {store, storeKind, withSessionLock} = sessionRuntime(process.env, session)
        result = await withSessionLock(session.name, async () => {
          const done = await logout(session, store)
          // What a switch of stores left behind (no login since): deleted too, so nothing of the session remains.
          done.deletedEntries += await retireOldStore(session.name, storeKind, process.env, () => {})
          for (const [kind, other] of stores) {
            if (kind !== storeKind && found.get(kind)?.includes(session.name)) {
              done.deletedEntries += (await other.wipeSession(session.name, {keepRegistration: false})).length
            }
          }
          return done
        })
      } catch (error) {
        // --all signs out of every session it can; one that fails is reported at the end, not the end of it.
        if (!flags.all) throw error
        failures.push(`${printable(session.name)} (${toUserLine(error).replace(/^keyless: /, '')})`)
        continue
      }
      if (result.remoteError) {
        process.stderr.write(
          `keyless: could not reach Identity Center to end session ${session.name} (${result.remoteError}); its local tokens were deleted anyway` +
            '\n',
        )
      }
      this.log(`Signed out of ${session.name}${result.deletedEntries ? '' : ' (nothing was stored)'}.`)
      results.push(result)
    }
    if (flags.all) {
      for (const store of stores.values() as Iterable<SessionStore>) {
        const swept = await sweepSessionLeftovers(store)
        if (swept.deleted) this.log(`Deleted ${swept.deleted} other keychain entr${swept.deleted === 1 ? 'y' : 'ies'} of sessions.`)
        failures.push(...swept.failed.map((key) => printable(key)))
      }
    }
    if (targets.length === 0 && failures.length === 0) this.log('No sessions to sign out of.')
    if (failures.length > 0) {
      throw new KeylessError(
        `could not sign out of everything; left: ${failures.join(', ')}`,
        'run: keyless logout --all --debug to see why, then again',
      )
    }
    return {sessions: results}
  }
}
