import type {SsoSession} from '../sso/types.js'
import type {AccountsDeps} from './accounts.js'

/** The real side effects of `keyless accounts`: the keychain (through the shared valid-token logic, under the
 * session's cross-process lock) and an SSO portal client whose own retries are off (the limiter retries). Each
 * loads its modules when first called: a listing served from the cache needs none of them. */
export function accountsRuntime(
  session: SsoSession,
  env: NodeJS.ProcessEnv = process.env,
): Pick<AccountsDeps, 'accessToken' | 'portal' | 'env' | 'onTokenRejected'> {
  return {
    env,
    accessToken: async () => {
      const [{getValidAccessToken}, {sessionRuntime}] = await Promise.all([import('../sso/access-token.js'), import('../sso/runtime.js')])
      const {store, withSessionLock} = sessionRuntime(env, session)
      return getValidAccessToken(session, {store, withSessionLock})
    },
    onTokenRejected: async (accessToken) => {
      const [{expireRejectedToken}, {sessionRuntime}] = await Promise.all([import('../sso/access-token.js'), import('../sso/runtime.js')])
      const {store, withSessionLock} = sessionRuntime(env, session)
      return expireRejectedToken(store, session.name, accessToken, withSessionLock)
    },
    portal: async () => (await import('../sso/clients.js')).portalClient(session.region, {maxAttempts: 1}),
  }
}
