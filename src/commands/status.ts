import {KeylessCommand} from '../base-command.js'
import {printable} from '../errors.js'
import type {StoreKind} from '../keychain/stores.js'
import {sessionRuntime, storesInUse} from '../sso/runtime.js'
import {loadSessions} from '../sso/session-config.js'
import {orphanedSessionStatuses, sessionStatus, type SessionStatus} from '../sso/status.js'

type StatusWithStore = SessionStatus & {store: StoreKind}

export default class Status extends KeylessCommand {
  static override summary = 'Show each SSO session: its store, token and registration expiry, refresh token, cached role credentials.'
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json']
  static override enableJsonFlag = true

  async run(): Promise<{sessions: StatusWithStore[]}> {
    await this.parse(Status)
    const sessions: StatusWithStore[] = []
    const configured = await loadSessions()
    for (const session of configured) {
      const {store, storeKind} = sessionRuntime(process.env, session)
      sessions.push({...(await sessionStatus(session, store)), store: storeKind})
    }
    // Orphans in every store there is (one nobody uses and that cannot be reached, e.g. no keychain on a headless
    // machine, holds none keyless could show).
    for (const [kind, store] of await storesInUse(configured)) {
      for (const orphan of await orphanedSessionStatuses(configured, store)) sessions.push({...orphan, store: kind})
    }
    if (sessions.length === 0) this.log('No [sso-session] in the AWS config file; run: keyless configure')
    for (const s of sessions) this.log(formatStatus(s, Date.now()))
    // macOS and Windows: a profile line that names a Node.js that moved (brew upgrade, nvm) no longer starts.
    if (process.platform !== 'linux') {
      const {brokenLauncherLines} = await import('../profiles/launcher-check.js')
      for (const line of await brokenLauncherLines()) process.stderr.write(printable(line) + '\n')
    }
    return {sessions}
  }
}

function formatStatus(s: StatusWithStore, now: number): string {
  const left = (iso: string | null) => {
    if (!iso) return 'none'
    const ms = Date.parse(iso) - now
    if (ms <= 0) return `expired ${iso}`
    const minutes = Math.floor(ms / 60_000)
    const span =
      minutes >= 48 * 60 ? `${Math.floor(minutes / 1440)} days` : minutes >= 120 ? `${Math.floor(minutes / 60)} h` : `${minutes} min`
    return `${iso} (${span} left)`
  }
  const lines = [
    s.orphaned
      ? `${printable(s.name)}  orphaned: not in the AWS config file, but its tokens are still in the ${s.store === 'keychain' ? 'keychain' : 'kernel keyring'}; run: keyless logout --session ${printable(s.name)}`
      : `${printable(s.name)}  ${printable(s.startUrl)} (${s.region})`,
    `  store:           ${s.store}`,
    `  access token:    ${left(s.accessTokenExpiresAt)}`,
    `  refresh token:   ${s.hasRefreshToken ? 'yes' : 'no'}`,
    `  registration:    ${left(s.registrationExpiresAt)}`,
  ]
  if (s.roleCredentials.length === 0) lines.push('  role credentials: none cached')
  for (const r of s.roleCredentials) lines.push(`  role credentials: ${r.accountId} ${printable(r.roleName)}  ${left(r.expiresAt)}`)
  return lines.join('\n')
}
