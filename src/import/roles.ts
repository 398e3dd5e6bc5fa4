import {isFresh, readAccountsCache} from '../accounts/cache.js'
import type {SsoSession} from '../aws-config/sso-sessions.js'
import {ACCOUNTS_CACHE_MAX_AGE_MS} from '../timing.js'

/**
 * The `ACCOUNT/ROLE` pairs a session's user has: the cached listing while fresh (no keychain, no SDK loaded: import
 * of thousands of profiles stays within its second), else Identity Center through `getAccounts`.
 */
export async function rolesOfSession(session: SsoSession, env: NodeJS.ProcessEnv): Promise<Set<string>> {
  const pairs = (accounts: ReadonlyArray<{accountId: string; roles: string[]}>) =>
    new Set(accounts.flatMap((a) => a.roles.map((r) => `${a.accountId}/${r}`)))
  const cached = await readAccountsCache(session, env)
  if (cached && isFresh(cached, Date.now(), ACCOUNTS_CACHE_MAX_AGE_MS)) return pairs(cached.accounts)
  const [{getAccounts}, {accountsRuntime}] = await Promise.all([import('../accounts/accounts.js'), import('../accounts/runtime.js')])
  return pairs((await getAccounts(session, accountsRuntime(session, env), {refresh: false})).result.accounts)
}
