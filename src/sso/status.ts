import type {SessionStore} from './session-store.js'
import type {SsoSession} from './types.js'

/** PRODUCT.md section 4's `status --json` shape: expiry times and presence, never a token value. */
export interface SessionStatus {
  name: string
  startUrl: string
  region: string
  accessTokenExpiresAt: string | null
  hasRefreshToken: boolean
  registrationExpiresAt: string | null
  roleCredentials: Array<{accountId: string; roleName: string; expiresAt: string}>
  /** Its entries are in the keychain but its `[sso-session]` is no longer in the config file. */
  orphaned: boolean
}

export async function sessionStatus(session: SsoSession, store: SessionStore): Promise<SessionStatus> {
  // One keychain call at a time: a hung keyring then holds one worker thread, not three (see keychain.ts).
  const token = await store.readToken(session.name)
  // The registration that refreshes the token (each login flow has its own), else whichever there is.
  const flow = token?.flow ?? 'device-code'
  const registration =
    (await store.readRegistration(session.name, flow)) ??
    (await store.readRegistration(session.name, flow === 'auth-code' ? 'device-code' : 'auth-code'))
  const roleCredentials = await store.listRoleCredentials(session.name)
  // A token from before the session was pointed elsewhere does not belong to it any more.
  const current = token && token.startUrl === session.startUrl && token.region === session.region ? token : undefined
  return {
    name: session.name,
    startUrl: session.startUrl,
    region: session.region,
    accessTokenExpiresAt: current?.expiresAt ?? null,
    hasRefreshToken: Boolean(current?.refreshToken),
    registrationExpiresAt: registration?.expiresAt ?? null,
    roleCredentials: roleCredentials.sort((a, b) => (a.accountId + a.roleName).localeCompare(b.accountId + b.roleName)),
    orphaned: false,
  }
}

/**
 * Sessions whose keychain entries outlive their `[sso-session]` section (renamed or deleted by hand): their
 * secrets stay on the machine until `keyless logout --session NAME`, so status shows them.
 */
export async function orphanedSessionStatuses(configured: SsoSession[], store: SessionStore): Promise<SessionStatus[]> {
  const known = new Set(configured.map((s) => s.name))
  const statuses = []
  for (const name of await store.sessionNames()) {
    if (known.has(name)) continue
    const token = await store.readToken(name)
    const status = await sessionStatus({name, startUrl: token?.startUrl ?? '', region: token?.region ?? '', scopes: []}, store)
    statuses.push({...status, orphaned: true})
  }
  return statuses
}
