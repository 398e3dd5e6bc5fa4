import {expireRejectedToken, getValidAccessToken} from '../sso/access-token.js'
import {portalClient} from '../sso/clients.js'
import {sessionRuntime} from '../sso/runtime.js'
import type {SsoSession} from '../sso/types.js'
import type {AccountsDeps} from './accounts.js'

/** The real side effects of `keyless accounts`: the keychain (through the shared valid-token logic, under the
 * session's cross-process lock) and an SSO portal client whose own retries are off (the limiter retries). */
export function accountsRuntime(
  session: SsoSession,
  env: NodeJS.ProcessEnv = process.env,
): Pick<AccountsDeps, 'accessToken' | 'portal' | 'env' | 'onTokenRejected'> {
  return {
    env,
    accessToken: () => {
      const {store, withSessionLock} = sessionRuntime(env, session)
      return getValidAccessToken(session, {store, withSessionLock})
    },
    onTokenRejected: (accessToken) => {
      const {store, withSessionLock} = sessionRuntime(env, session)
      return expireRejectedToken(store, session.name, accessToken, withSessionLock)
    },
    portal: () => portalClient(session.region, {maxAttempts: 1}),
  }
}
