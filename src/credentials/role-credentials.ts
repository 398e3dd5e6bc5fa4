import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {KeylessError} from '../errors.js'
import {expireRejectedToken, getValidAccessToken} from '../sso/access-token.js'
import {SessionExpiredError} from '../sso/errors.js'
import type {SessionStore} from '../sso/session-store.js'
import type {RoleCredentials, SsoSession} from '../sso/types.js'
import {AUTO_LOGIN_LOCK_WAIT_MS, EXPIRY_WINDOW_MS, LOCK_WAIT_MS} from '../timing.js'
import {debug} from '../ui/debug.js'
import {bindingOf, currentBinding, isServableFor} from './process-credentials.js'

export interface RoleRequest {
  session: SsoSession
  accountId: string
  roleName: string
  /** Run one device-authorization flow (shared by all concurrent callers) when the session has expired. */
  autoLogin: boolean
  /**
   * When waiting for other processes' locks ends at the latest (epoch ms): credential-process's one budget for all its
   * waits (the role's fetch on the cached path, then the role and session locks here). Absent: LOCK_WAIT_MS from now.
   */
  deadline?: number
}

export type WithLock = <T>(name: string, fn: () => Promise<T>, waitMs: number) => Promise<T>

export interface RoleCredentialsDeps {
  store: SessionStore
  /** Holds the session's cross-process lock (the same one login and token refresh take). */
  withSessionLock: <T>(session: string, fn: () => Promise<T>, waitMs: number) => Promise<T>
  /**
   * Holds a cross-process lock for one account and role of a session. afterRelease, when given, is tried each time
   * another holder releases the lock, before taking it (see withLockFile).
   */
  withRoleLock: <T>(request: RoleRequest, fn: () => Promise<T>, waitMs: number, afterRelease?: () => Promise<T | undefined>) => Promise<T>
  /** GetRoleCredentials. */
  fetch: (session: SsoSession, accessToken: string, accountId: string, roleName: string) => Promise<RoleCredentials>
  /** `keyless login` without its own locking (the caller holds the session lock). Needed for autoLogin. */
  login?: (session: SsoSession, options: {force: boolean}) => Promise<unknown>
  oidc?: (region: string) => Promise<SSOOIDCClient>
  now?: () => number
  /** A warning for the user (stderr). */
  warn?: (line: string) => void
}

/**
 * Role credentials for credential-process when the keychain holds none worth serving. Single flight across
 * processes: under the role's lock the cache is read again (whoever held the lock before has most likely just
 * stored fresh ones); the access token comes from the shared token logic (refresh under the session lock);
 * only then GetRoleCredentials. With autoLogin an expired session is logged in once, under the session lock,
 * by whichever caller gets there first; the others find the new token when they get the lock.
 */
export async function obtainRoleCredentials(request: RoleRequest, deps: RoleCredentialsDeps): Promise<RoleCredentials> {
  const now = deps.now ?? Date.now
  const {session, accountId, roleName} = request
  // Without auto-login nobody holds a lock for long; with it, a caller may wait for someone's device flow.
  const limitMs = request.autoLogin ? AUTO_LOGIN_LOCK_WAIT_MS : LOCK_WAIT_MS
  // One budget for every lock this caller waits on, not a full wait per lock: a hung holder of the session lock
  // behind a slow role lock must not double the time an AWS command hangs.
  const deadline = request.deadline ?? Date.now() + limitMs
  const left = () => Math.max(0, deadline - Date.now())
  const withSessionLock = <T>(name: string, fn: () => Promise<T>) => deps.withSessionLock(name, fn, left())

  return deps.withRoleLock(
    request,
    async () => {
      const [cached, token] = await Promise.all([
        deps.store.readRoleCredentials(session.name, accountId, roleName),
        deps.store.readToken(session.name),
      ])
      if (isServableFor(cached, currentBinding(session, token), now())) {
        debug('role', `${accountId}/${roleName}: another process fetched them while this one waited`)
        return cached
      }
      let rejectedToken: string | undefined
      for (let attempt = 0; ; attempt++) {
        try {
          const accessToken = await getValidAccessToken(session, {store: deps.store, now, withSessionLock, oidc: deps.oidc})
          const usedToken = await deps.store.readToken(session.name)
          let creds: RoleCredentials
          try {
            creds = await deps.fetch(session, accessToken, accountId, roleName)
          } catch (error) {
            if (error instanceof SessionExpiredError) rejectedToken = accessToken
            throw error
          }
          const left = Date.parse(creds.expiresAt) - now()
          if (!(left > 0)) {
            // Served, they would make every AWS tool call credential-process again at once, for ever.
            throw new KeylessError(
              `AWS issued role credentials for ${accountId}/${roleName} that expire at ${creds.expiresAt}, ` +
                `${Math.round(-left / 60_000)} min before this computer's clock (${new Date(now()).toISOString()}): the clock is wrong; nothing was stored`,
              'set the clock right (e.g. sudo timedatectl set-ntp true, or enable automatic time), then try again',
            )
          }
          if (left <= EXPIRY_WINDOW_MS) {
            deps.warn?.(
              `keyless: warning: AWS issued role credentials for ${accountId}/${roleName} that expire in ${Math.round(left / 60_000)} min ` +
                `(${creds.expiresAt}); check this machine's clock or the permission set's session duration`,
            )
          }
          // Bound to the sign-in whose token fetched them; a login that replaced it meanwhile gets no cache entry.
          const binding = currentBinding(session, usedToken)
          const after = await deps.store.readToken(session.name)
          if (
            binding?.signIn !== undefined &&
            usedToken?.accessToken === accessToken &&
            currentBinding(session, after)?.signIn === binding.signIn
          ) {
            await deps.store.writeRoleCredentials(session.name, accountId, roleName, creds, {...binding, signIn: binding.signIn})
          }
          return creds
        } catch (error) {
          if (error instanceof SessionExpiredError && rejectedToken !== undefined) {
            await expireRejectedToken(deps.store, session.name, rejectedToken, withSessionLock)
          }
          if (!(error instanceof SessionExpiredError) || !request.autoLogin || !deps.login || attempt > 0) throw error
          await loginOnce(session, rejectedToken, deps, left())
        }
      }
    },
    left(),
    // A caller queued behind another's fetch: what that fetch stored, read once, checked against the sign-in as the
    // cache hit checks it (the marker; the token only without one). No second read of anything the holder must redo.
    async () => {
      const cached = await deps.store.readRoleCredentials(session.name, accountId, roleName)
      if (!cached) return undefined
      const signIn = deps.store.readSignIn(session.name)
      const binding = signIn !== undefined ? bindingOf(session, signIn) : currentBinding(session, await deps.store.readToken(session.name))
      if (!isServableFor(cached, binding, now())) return undefined
      debug('role', `${accountId}/${roleName}: served what another process fetched while this one waited`)
      return cached
    },
  )
}

/**
 * The device-authorization flow for every concurrent caller at once: only the holder of the session lock runs
 * it, and each later holder finds a valid token instead (login() checks before it starts a flow), so one
 * browser tab opens however many AWS commands asked at the same moment.
 */
async function loginOnce(session: SsoSession, rejectedToken: string | undefined, deps: RoleCredentialsDeps, waitMs: number): Promise<void> {
  await deps.withSessionLock(
    session.name,
    async () => {
      // A token Identity Center just refused (401) must not count as valid, unless someone replaced it meanwhile.
      const stored = await deps.store.readToken(session.name)
      const force = rejectedToken !== undefined && stored?.accessToken === rejectedToken
      debug('role', `session ${session.name} has expired: --auto-login${force ? ' (forced)' : ''}`)
      await deps.login!(session, {force})
    },
    waitMs,
  )
}
