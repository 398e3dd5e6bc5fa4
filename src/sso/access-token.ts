import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {KeylessError} from '../errors.js'
import {AWS_CALL_DEADLINE_MS, EXPIRY_WINDOW_MS, REFRESH_ANSWER_GRACE_MS} from '../timing.js'
import {debug} from '../ui/debug.js'
import {oidcClient, type OidcClientOptions} from './clients.js'
import {SessionExpiredError, endpointFor, explainSdkError, networkCause} from './errors.js'
import {hasStoredSignIn} from './signed-in.js'
import type {SessionStore} from './session-store.js'
import {checkTokenReply} from './token-reply.js'
import type {SessionToken, SsoSession} from './types.js'
import {clientSsoOidc} from '../sdk-modules.js'

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
  oidc?: (region: string, options?: OidcClientOptions) => Promise<SSOOIDCClient>
  /** Where the lines about a slow refresh go (default stderr: stdout may be credential-process's JSON). */
  warn?: (line: string) => void
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
  // No token may be a locked keychain, which answers reads with nothing (issue 28): then the unlock line.
  await store.assertUnlocked()
  return new SessionExpiredError(session, {signedIn: await hasStoredSignIn(store, session)})
}

/**
 * CreateToken with the refresh_token grant. Stores the new token (and the new refresh token when Identity
 * Center rotates it). A refresh token the server no longer accepts ends the session: the stale token is
 * deleted so nothing keeps retrying it.
 *
 * Identity Center may rotate refresh tokens: once it has taken a refresh, the old refresh token is dead and the new
 * one exists only in the answer. So the request is sent once (the SDK's retry would replay a used refresh token), and
 * an answer late past AWS_CALL_DEADLINE_MS is still waited for, REFRESH_ANSWER_GRACE_MS longer, with a line on
 * stderr. A refresh given up without an answer is recorded on the token, so that a later refusal of its refresh
 * token says what happened instead of a bare "expired".
 */
export async function refreshAccessToken(session: SsoSession, token: SessionToken, deps: AccessTokenDeps): Promise<SessionToken> {
  const now = deps.now ?? Date.now
  const warn = deps.warn ?? ((line: string) => void process.stderr.write(`${line}\n`))
  // The refresh token belongs to the client that signed in: each flow has its own registration.
  const registration = await deps.store.readRegistration(session.name, token.flow ?? 'device-code')
  if (!registration || Date.parse(registration.expiresAt) <= now()) throw new SessionExpiredError(session.name)
  const patienceMs = AWS_CALL_DEADLINE_MS + REFRESH_ANSWER_GRACE_MS
  const client = await (deps.oidc ?? oidcClient)(session.region, {deadlineMs: patienceMs, maxAttempts: 1})
  const {CreateTokenCommand} = clientSsoOidc()
  debug('token', `refreshing the access token of session ${session.name}`)
  const late = setTimeout(
    () =>
      warn(
        `keyless: AWS Identity Center has not answered the token refresh of session ${session.name} in ${seconds(AWS_CALL_DEADLINE_MS)}; ` +
          `waiting up to ${seconds(REFRESH_ANSWER_GRACE_MS)} more (its answer carries the session's new refresh token)`,
      ),
    AWS_CALL_DEADLINE_MS,
  )
  try {
    const out = await client.send(
      new CreateTokenCommand({
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        grantType: 'refresh_token',
        refreshToken: token.refreshToken,
      }),
    )
    const reply = checkTokenReply(out)
    const {refreshAbandonedAt: _abandoned, ...rest} = token
    const refreshed: SessionToken = {
      ...rest,
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
      throw new SessionExpiredError(session.name, {reason: refusedAfterAbandon(name, token)})
    }
    const cause = networkCause(error)
    if (cause === 'timed out' || cause === 'connection reset') {
      // Sent, maybe, and no answer: Identity Center may or may not have taken the refresh. Keep the refresh token (it
      // still works if the request never arrived) and remember that it may be dead.
      const abandoned = {...token, refreshAbandonedAt: new Date(now()).toISOString()}
      await deps.store.writeToken(session.name, abandoned).catch(() => {})
      // Refresh ahead of expiry is a courtesy: if the token still works, use it.
      if (Date.parse(token.expiresAt) - now() > 60_000) {
        warn(
          `keyless: AWS Identity Center did not answer the token refresh of session ${session.name} in ${seconds(patienceMs)}; ` +
            `using the current access token (valid until ${token.expiresAt}); if the next refresh is refused, run: keyless login --session ${session.name}`,
        )
        return abandoned
      }
      throw new KeylessError(
        `AWS Identity Center at ${endpointFor('oidc', session.region)} did not answer the token refresh of session ${session.name} in ${seconds(patienceMs)} (${cause})`,
        `check your network or VPN and try again; if the session is then refused, run: keyless login --session ${session.name}`,
      )
    }
    // Never sent (refused, no DNS, no route): the refresh token is untouched; use the token while it works.
    if (cause && Date.parse(token.expiresAt) - now() > 60_000) {
      debug('token', 'refresh failed on the network; the current token still has time, using it')
      return token
    }
    throw explainSdkError(error, {service: 'oidc', region: session.region, session: session.name})
  } finally {
    clearTimeout(late)
    client.destroy()
  }
}

/** Why a refresh token was refused, when keyless knows more than the server says: an earlier refresh was given up. */
function refusedAfterAbandon(errorName: string, token: SessionToken): string | undefined {
  if (errorName !== 'InvalidGrantException' || !token.refreshAbandonedAt) return undefined
  return (
    `Identity Center refused its refresh token: a refresh at ${token.refreshAbandonedAt} got no answer in time, ` +
    'and Identity Center, which replaces the refresh token at each refresh, had most likely done so in that lost answer'
  )
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
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
