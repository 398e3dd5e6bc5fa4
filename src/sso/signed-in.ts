import type {SessionStore} from './session-store.js'

/**
 * Whether anything of a sign-in to the session is stored (its token, or the client registration of either login
 * flow): the line between "has expired" (there was a sign-in, it ended) and "is not signed in" (never signed in,
 * or signed out: logout deletes all of it). A store that cannot be read counts as holding nothing.
 */
export async function hasStoredSignIn(store: SessionStore, session: string): Promise<boolean> {
  if ((await store.readToken(session).catch(() => undefined)) !== undefined) return true
  for (const flow of ['device-code', 'auth-code'] as const) {
    if ((await store.readRegistration(session, flow).catch(() => undefined)) !== undefined) return true
  }
  return false
}
