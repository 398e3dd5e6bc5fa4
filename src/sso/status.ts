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
}

export async function sessionStatus(session: SsoSession, store: SessionStore): Promise<SessionStatus> {
  // One keychain call at a time: a hung keyring then holds one worker thread, not three (see keychain.ts).
  const token = await store.readToken(session.name)
  const registration = await store.readRegistration(session.name)
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
  }
}
