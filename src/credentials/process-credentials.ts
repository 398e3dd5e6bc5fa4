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
  return bindingOf(session, token ? signInOf(token) : undefined)
}

/** The same from the sign-in alone (credential-process's cache hit reads only that, not the whole token). */
export function bindingOf(
  session: {startUrl: string; region: string},
  signIn: string | undefined,
): (Omit<RoleBinding, 'signIn'> & {signIn?: string}) | undefined {
  if (!session.startUrl || !session.region) return undefined
  return {startUrl: session.startUrl, region: session.region, signIn}
}

/** What a stored token's sign-in is known by: loggedInAt for tokens stored before signInId existed (it too is new
 * at every login and kept by refreshes), '' for a token with neither. */
export function signInOf(token: SessionToken): string {
  return token.signInId ?? token.loggedInAt ?? ''
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
    Expiration: isoUtc(creds.expiresAt),
  })
}

/** ISO 8601 in UTC. What keyless stores already is (then as is: the first toISOString costs ~0.7 ms of time-zone
 * set-up on every AWS call); anything else goes through Date. */
function isoUtc(time: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(time) ? time : new Date(Date.parse(time)).toISOString()
}
