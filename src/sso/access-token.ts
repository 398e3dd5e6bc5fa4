import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {EXPIRY_WINDOW_MS} from '../timing.js'
import {debug, registerSecret} from '../ui/debug.js'
import {oidcClient} from './clients.js'
import {SessionExpiredError, explainSdkError, networkCause} from './errors.js'
import {hasStoredSignIn} from './signed-in.js'
import type {SessionStore} from './session-store.js'
import {checkTokenReply} from './token-reply.js'
import type {SessionToken, SsoSession} from './types.js'

/**
 * "A valid access token for session N": the one place that decides it, used by login, accounts, profiles and
 * credential-process alike. In order: a stored token with more than 15 minutes left; else a silent refresh with
 * the refresh token (under the session lock, so concurrent processes refresh once); else SessionExpiredError.
 */
export interface AccessTokenDeps {
  store: SessionStore
  now?: () => number
  /** Runs fn while holding the session's cross-process lock. Absent: no locking (single process). */
  withSessionLock?: <T>(session: string, fn: () => Promise<T>) => Promise<T>
  oidc?: (region: string) => Promise<SSOOIDCClient>
}

export type TokenState = 'valid' | 'refreshable' | 'expired'

/** What can be done with a stored token right now, without any network call. */
export function tokenState(token: SessionToken | undefined, session: SsoSession, now: number): TokenState {
  if (!token || token.startUrl !== session.startUrl || token.region !== session.region) return 'expired'
  if (Date.parse(token.expiresAt) - now > EXPIRY_WINDOW_MS) return 'valid'
  return token.refreshToken ? 'refreshable' : 'expired'
}

export async function getValidAccessToken(session: SsoSession, deps: AccessTokenDeps): Promise<string> {
  const now = deps.now ?? Date.now
  const token = await deps.store.readToken(session.name)
  const state = tokenState(token, session, now())
  if (state === 'valid') return token!.accessToken
  if (state === 'expired') throw await goneError(session.name, token, deps.store)
  const refresh = async () => {
    // Another process may have refreshed while this one waited for the lock: read again before calling AWS.
    const current = await deps.store.readToken(session.name)
    const currentState = tokenState(current, session, now())
    if (currentState === 'valid') return current!.accessToken
    if (currentState === 'expired') throw await goneError(session.name, current, deps.store)
    return (await refreshAccessToken(session, current!, deps)).accessToken
  }
  return deps.withSessionLock ? deps.withSessionLock(session.name, refresh) : refresh()
}

/** "Has expired" when something of the session is stored; "is not signed in" when nothing is (never, or after logout). */
async function goneError(session: string, token: SessionToken | undefined, store: SessionStore): Promise<SessionExpiredError> {
  if (token) return new SessionExpiredError(session)
  return new SessionExpiredError(session, {signedIn: await hasStoredSignIn(store, session)})
}

/**
 * CreateToken with the refresh_token grant. Stores the new token (and the new refresh token when Identity
 * Center rotates it). A refresh token the server no longer accepts ends the session: the stale token is
 * deleted so nothing keeps retrying it.
 */
export async function refreshAccessToken(session: SsoSession, token: SessionToken, deps: AccessTokenDeps): Promise<SessionToken> {
  const now = deps.now ?? Date.now
  // The refresh token belongs to the client that signed in: each flow has its own registration.
  const registration = await deps.store.readRegistration(session.name, token.flow ?? 'device-code')
  if (!registration || Date.parse(registration.expiresAt) <= now()) throw new SessionExpiredError(session.name)
  const client = await (deps.oidc ?? oidcClient)(session.region)
  const {CreateTokenCommand} = await import('@aws-sdk/client-sso-oidc')
  debug('token', `refreshing the access token of session ${session.name}`)
  try {
    const out = await client.send(
      new CreateTokenCommand({
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        grantType: 'refresh_token',
        refreshToken: token.refreshToken,
      }),
    )
    registerSecret(out.accessToken)
    registerSecret(out.refreshToken)
    const reply = checkTokenReply(out)
    const refreshed: SessionToken = {
      ...token,
      accessToken: reply.accessToken,
      expiresAt: new Date(now() + reply.expiresIn * 1000).toISOString(),
      refreshToken: reply.refreshToken ?? token.refreshToken,
    }
    await deps.store.writeToken(session.name, refreshed)
    return refreshed
  } catch (error) {
    const name = (error as {name?: string}).name
    if (name === 'InvalidGrantException' || name === 'InvalidClientException' || name === 'UnauthorizedClientException') {
      await deps.store.deleteToken(session.name)
      throw new SessionExpiredError(session.name)
    }
    // Refresh ahead of expiry is a courtesy: if the network fails but the token still works, use it.
    if (networkCause(error) && Date.parse(token.expiresAt) - now() > 60_000) {
      debug('token', 'refresh failed on the network; the current token still has time, using it')
      return token
    }
    throw explainSdkError(error, {service: 'oidc', region: session.region, session: session.name})
  } finally {
    client.destroy()
  }
}

/**
 * Identity Center refused this access token (HTTP 401): it is dead whatever its stored expiry says (the server
 * restarted, an administrator ended the session). Marks it expired, unless another process has replaced it
 * meanwhile, so that the refresh token is tried next and `keyless login` signs in again instead of answering
 * "already signed in" to a session every other command calls expired.
 */
export async function expireRejectedToken(
  store: SessionStore,
  session: string,
  accessToken: string,
  withSessionLock?: <T>(session: string, fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const run = async () => {
    const current = await store.readToken(session)
    if (current?.accessToken !== accessToken) return
    debug('token', `Identity Center rejected the access token of session ${session}; marking it expired`)
    await store.writeToken(session, {...current, expiresAt: new Date(0).toISOString()})
  }
  await (withSessionLock ? withSessionLock(session, run) : run())
}
