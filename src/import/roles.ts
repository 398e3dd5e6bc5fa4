import {getAccounts} from '../accounts/accounts.js'
import {accountsRuntime} from '../accounts/runtime.js'
import type {SsoSession} from '../aws-config/sso-sessions.js'

/** The `ACCOUNT/ROLE` pairs a session's user has: the cached listing while fresh, else Identity Center. */
export async function rolesOfSession(session: SsoSession, env: NodeJS.ProcessEnv): Promise<Set<string>> {
  const listing = await getAccounts(session, accountsRuntime(session, env), {refresh: false})
  return new Set(listing.result.accounts.flatMap((a) => a.roles.map((r) => `${a.accountId}/${r}`)))
}
