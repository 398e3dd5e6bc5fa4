import {ACCOUNTS_CACHE_MAX_AGE_MS} from '../timing.js'
import {SessionExpiredError} from '../sso/errors.js'
import type {SsoSession} from '../sso/types.js'
import {debug} from '../ui/debug.js'
import {type CachedAccounts, isFresh, readAccountsCache, writeAccountsCache} from './cache.js'
import {type AccountsChanges, diffAccounts} from './diff.js'
// Types only: the listing (and the AWS SDK under it) loads when a listing is fetched, not when the cache serves.
import type {AccountWithRoles, ListOptions, ListProgress, listAccountsWithRoles} from './list.js'
import type {LimiterStats} from './limiter.js'

/** `keyless accounts --json`: exactly this shape (PRODUCT.md section 4). */
export interface AccountsResult {
  session: string
  accounts: AccountWithRoles[]
}

export interface AccountsOutcome {
  result: AccountsResult
  /** Served from the cache file, or fetched from Identity Center just now. */
  source: 'cache' | 'network'
  /** ISO 8601 UTC: when the listing shown was fetched. */
  fetchedAt: string
  /** With `refresh` and an earlier cached listing: what changed since it. */
  changes?: AccountsChanges
  previousFetchedAt?: string
  /** The limiter's counters after a fetch (for --debug and the benchmark). */
  stats?: LimiterStats
}

export interface AccountsDeps {
  /** A valid access token for the session (getValidAccessToken): refreshes silently, else SessionExpiredError. */
  accessToken: () => Promise<string>
  /** Told when Identity Center refused the access token (401), so that the stored token stops counting as valid. */
  onTokenRejected?: (accessToken: string) => Promise<void>
  /** An SSO portal client with the SDK's retries off; destroyed after the listing. */
  portal: () => Promise<Parameters<typeof listAccountsWithRoles>[0] & {destroy?: () => void}>
  env?: NodeJS.ProcessEnv
  now?: () => number
  onProgress?: (progress: ListProgress) => void
  signal?: AbortSignal
  /** Listing tuning (deadline, limiter) for tests. */
  list?: Pick<ListOptions, 'deadlineMs' | 'limiter'>
}

/**
 * The accounts and roles of a session: the cached listing while it is younger than ACCOUNTS_CACHE_MAX_AGE_MS
 * (no keychain, no network), else (or with `refresh`) a full listing from Identity Center, cached for next time.
 * With `refresh`, also what changed since the cached listing.
 */
export async function getAccounts(session: SsoSession, deps: AccountsDeps, options: {refresh: boolean}): Promise<AccountsOutcome> {
  const now = deps.now ?? Date.now
  const cached = await readAccountsCache(session, deps.env)
  if (cached && !options.refresh && isFresh(cached, now(), ACCOUNTS_CACHE_MAX_AGE_MS)) {
    debug('accounts', `serving the listing cached at ${cached.fetchedAt}`)
    return {result: {session: session.name, accounts: cached.accounts}, source: 'cache', fetchedAt: cached.fetchedAt}
  }
  const fetched = await fetchAccounts(session, deps)
  const outcome: AccountsOutcome = {
    result: {session: session.name, accounts: fetched.cached.accounts},
    source: 'network',
    fetchedAt: fetched.cached.fetchedAt,
    stats: fetched.stats,
  }
  if (options.refresh && cached) {
    outcome.changes = diffAccounts(cached.accounts, fetched.cached.accounts)
    outcome.previousFetchedAt = cached.fetchedAt
  }
  return outcome
}

/** A full listing from Identity Center, written to the cache. */
export async function fetchAccounts(session: SsoSession, deps: AccountsDeps): Promise<{cached: CachedAccounts; stats?: LimiterStats}> {
  const now = deps.now ?? Date.now
  const accessToken = await deps.accessToken()
  const [client, {listAccountsWithRoles}] = await Promise.all([deps.portal(), import('./list.js')])
  let stats: LimiterStats | undefined
  try {
    const accounts = await listAccountsWithRoles(client, accessToken, {
      ...deps.list,
      session,
      onProgress: deps.onProgress,
      signal: deps.signal,
      onStats: (s) => {
        stats = s
        debug('accounts', 'listing finished', s)
      },
    })
    const cached = await writeAccountsCache(session, accounts, new Date(now()), deps.env)
    return {cached, stats}
  } catch (error) {
    if (error instanceof SessionExpiredError) await deps.onTokenRejected?.(accessToken)
    throw error
  } finally {
    client.destroy?.()
  }
}
