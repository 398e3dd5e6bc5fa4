import {tokenState, refreshAccessToken, type AccessTokenDeps} from './access-token.js'
import {authorizationCodeLogin, type AuthCodeFlowDeps} from './auth-code-flow.js'
import {deviceAuthorizationLogin, type DeviceFlowDeps} from './device-flow.js'
import {SessionExpiredError} from './errors.js'
import type {LoginFlow, SsoSession} from './types.js'
import {debug} from '../ui/debug.js'

export interface LoginResult {
  session: string
  /** What login had to do: nothing, a silent refresh, or a browser sign-in (authorization code or device code). */
  action: 'already-valid' | 'refreshed' | 'authorization-code' | 'device-authorization'
  accessTokenExpiresAt: string
  hasRefreshToken: boolean
}

export type LoginDeps = AccessTokenDeps &
  Omit<DeviceFlowDeps, 'store'> &
  Partial<Omit<AuthCodeFlowDeps, 'store'>> & {
    /** Called once a browser sign-in is needed, before it starts: throws when nobody could complete it. */
    beforeSignIn?: () => void
  }

/**
 * `keyless login`, in order: a token with more than 15 minutes left needs nothing (no network call);
 * a refresh token is used silently; otherwise (or with force) a browser sign-in with the chosen flow
 * (authorization code with PKCE, or the device-authorization flow: PRODUCT.md section 10).
 */
export async function login(session: SsoSession, deps: LoginDeps, options: {force: boolean; flow?: LoginFlow}): Promise<LoginResult> {
  const now = deps.now ?? Date.now
  const result = (action: LoginResult['action'], token: {expiresAt: string; refreshToken?: string}): LoginResult => ({
    session: session.name,
    action,
    accessTokenExpiresAt: token.expiresAt,
    hasRefreshToken: Boolean(token.refreshToken),
  })
  const run = async (): Promise<LoginResult> => {
    if (!options.force) {
      const token = await deps.store.readToken(session.name)
      const state = tokenState(token, session, now())
      if (state === 'valid') return result('already-valid', token!)
      if (state === 'refreshable') {
        try {
          return result('refreshed', await refreshAccessToken(session, token!, deps))
        } catch (error) {
          // The refresh token is no longer accepted: fall through to a fresh login.
          if (!(error instanceof SessionExpiredError)) throw error
        }
      }
    }
    deps.beforeSignIn?.()
    let token
    let action: LoginResult['action']
    if (options.flow === 'auth-code') {
      if (!deps.presentAuthorization) throw new Error('login: the authorization-code flow needs presentAuthorization')
      token = await authorizationCodeLogin(session, {...deps, presentAuthorization: deps.presentAuthorization})
      action = 'authorization-code'
    } else {
      token = await deviceAuthorizationLogin(session, deps)
      action = 'device-authorization'
    }
    // A new sign-in, perhaps as someone else: no role credentials of the previous one may be served to it.
    const cleared = await deps.store.deleteAllRoleCredentials(session.name)
    if (cleared) debug('login', `new sign-in: cleared ${cleared} cached role credential(s) of session ${session.name}`)
    return result(action, token)
  }
  return deps.withSessionLock ? deps.withSessionLock(session.name, run) : run()
}
