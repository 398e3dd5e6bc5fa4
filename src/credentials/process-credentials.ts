import type {RoleBinding, RoleCredentials, SessionToken} from '../sso/types.js'
import {EXPIRY_WINDOW_MS} from '../timing.js'

/**
 * The cached-path logic of credential-process, kept free of any import that costs start-up time: it runs
 * before every AWS CLI/SDK call.
 */

/** True when cached role credentials can be handed out: more than EXPIRY_WINDOW_MS (15 min) left. */
export function isServable(creds: RoleCredentials | undefined, now: number): creds is RoleCredentials {
  if (!creds?.accessKeyId || !creds.secretAccessKey || !creds.sessionToken) return false
  const expiresAt = Date.parse(creds.expiresAt)
  return Number.isFinite(expiresAt) && expiresAt - now > EXPIRY_WINDOW_MS
}

/**
 * The binding of the session as it is configured now (undefined when it lacks a start URL or region). `signIn`
 * is that of the stored token; without a token (the session expired and its token was dropped) it is undefined:
 * no other sign-in is there to tell apart, and credentials already issued stay valid at AWS until they expire.
 */
export function currentBinding(
  session: {startUrl: string; region: string},
  token: SessionToken | undefined,
): (Omit<RoleBinding, 'signIn'> & {signIn?: string}) | undefined {
  if (!session.startUrl || !session.region) return undefined
  // loggedInAt for tokens stored before signInId existed: it too is new at every login and kept by refreshes.
  return {startUrl: session.startUrl, region: session.region, signIn: token ? (token.signInId ?? token.loggedInAt ?? '') : undefined}
}

/** Servable (see isServable) and fetched for this very session configuration and (when signed in) sign-in. */
export function isServableFor(
  creds: (RoleCredentials & Partial<RoleBinding>) | undefined,
  binding: (Omit<RoleBinding, 'signIn'> & {signIn?: string}) | undefined,
  now: number,
): creds is RoleCredentials & RoleBinding {
  if (!binding || !isServable(creds, now)) return false
  if (creds.startUrl !== binding.startUrl || creds.region !== binding.region || typeof creds.signIn !== 'string') return false
  return binding.signIn === undefined || creds.signIn === binding.signIn
}

/**
 * The process-credentials document the AWS SDKs and CLI read from credential_process (Version 1), in the
 * documented key order. The only place a secret key or session token is ever written out.
 */
export function processCredentialsJson(creds: RoleCredentials): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    SessionToken: creds.sessionToken,
    Expiration: new Date(Date.parse(creds.expiresAt)).toISOString(),
  })
}
