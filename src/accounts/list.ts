import type {ListAccountRolesCommand, ListAccountsCommand, SSOClient} from '@aws-sdk/client-sso'

import {KeylessError} from '../errors.js'
import {clientSso} from '../sdk-modules.js'
import {SessionExpiredError, endpointFor, explainSdkError, networkCause} from '../sso/errors.js'
import {ACCOUNTS_DEADLINE_MS, AWS_CALL_DEADLINE_MS} from '../timing.js'
import {debug} from '../ui/debug.js'
import {AdaptiveLimiter, type FailureKind, type LimiterOptions, type LimiterStats} from './limiter.js'

/** One account the user can reach, with the permission sets (roles) they hold in it, roles sorted. */
export interface AccountWithRoles {
  accountId: string
  accountName: string
  emailAddress: string
  roles: string[]
}

export interface ListProgress {
  /** Accounts found so far (ListAccounts pages read). */
  accountsFound: number
  /** Accounts whose roles are all listed. */
  accountsDone: number
  /** Whether every ListAccounts page has been read (accountsFound is the total). */
  allAccountsFound: boolean
}

export interface ListOptions {
  /** The session (for error messages: `run: keyless login --session N`). */
  session: {name: string; region: string}
  onProgress?: (progress: ListProgress) => void
  /** Give up after this long with a clear error (default ACCOUNTS_DEADLINE_MS). */
  deadlineMs?: number
  signal?: AbortSignal
  /** Abandon (and retry) a request with no answer after this long (default AWS_CALL_DEADLINE_MS). */
  requestTimeoutMs?: number
  /** Tuning and injection for tests. */
  limiter?: Partial<Omit<LimiterOptions, 'classify' | 'signal'>>
  /** Told the limiter's counters when the listing ends (either way). */
  onStats?: (stats: LimiterStats) => void
}

/** The model allows pages of 1..100: the largest page means the fewest calls. */
const PAGE_SIZE = 100
/** ListAccounts pages (each one feeds the queue) go before role listings. */
const ACCOUNTS_PAGE_PRIORITY = 1

type Portal = Pick<SSOClient, 'send'>

/**
 * Every account of the access token (ListAccounts, every page) and every account's roles (ListAccountRoles,
 * every page), fetched concurrently through an AdaptiveLimiter: retries 429s and 5xx until done or the
 * deadline, never surfaces a retried failure, and stops everything on the first error that retrying cannot fix.
 * `client` must have the SDK's own retries off (`maxAttempts: 1`): the limiter owns retrying.
 * The result is sorted by account name (then id); role names are sorted too.
 */
export async function listAccountsWithRoles(client: Portal, accessToken: string, options: ListOptions): Promise<AccountWithRoles[]> {
  const controller = new AbortController()
  let failure: unknown
  const fail = (error: unknown) => {
    if (failure !== undefined) return
    failure = error
    controller.abort(error)
  }
  const onOuterAbort = () => fail(options.signal?.reason ?? new Error('aborted'))
  if (options.signal?.aborted) onOuterAbort()
  options.signal?.addEventListener('abort', onOuterAbort, {once: true})

  const accounts = new Map<string, AccountWithRoles>()
  const progress: ListProgress = {accountsFound: 0, accountsDone: 0, allAccountsFound: false}
  const report = () => options.onProgress?.({...progress})
  const deadlineMs = options.deadlineMs ?? ACCOUNTS_DEADLINE_MS
  const requestTimeoutMs = options.requestTimeoutMs ?? AWS_CALL_DEADLINE_MS
  const deadline = setTimeout(() => fail(deadlineError(deadlineMs, progress, options.session.name)), deadlineMs)

  const limiter = new AdaptiveLimiter({
    ...options.limiter,
    classify: classifyPortalError,
    signal: controller.signal,
    onRetry: (r) =>
      debug(
        'accounts',
        `retrying after ${r.kind} (attempt ${r.attempt}, in ${Math.round(r.delayMs)} ms; concurrency ${r.concurrency}, rate ${r.rate?.toFixed(1) ?? 'unpaced'}/s)`,
      ),
  })
  const {ListAccountRolesCommand, ListAccountsCommand} = clientSso()
  const send = <T>(command: ListAccountsCommand | ListAccountRolesCommand, priority: number): Promise<T> =>
    limiter.run(
      (signal) => withTimeout(signal, requestTimeoutMs, (s) => client.send(command as ListAccountsCommand, {abortSignal: s}) as Promise<T>),
      priority,
    )

  const listRoles = async (account: AccountWithRoles): Promise<void> => {
    const roles = new Set<string>()
    let nextToken: string | undefined
    do {
      let page
      try {
        page = await send<{roleList?: Array<{roleName?: string}>; nextToken?: string}>(
          new ListAccountRolesCommand({accessToken, accountId: account.accountId, maxResults: PAGE_SIZE, nextToken}),
          0,
        )
      } catch (error) {
        // Unassigned between the two listings (or no role left in it): the account has no role for us.
        if ((error as Error).name === 'ResourceNotFoundException') break
        throw error
      }
      for (const role of page.roleList ?? []) if (role.roleName) roles.add(role.roleName)
      nextToken = page.nextToken || undefined
    } while (nextToken)
    account.roles = [...roles].sort(compareText)
    progress.accountsDone++
    report()
  }

  const roleListings: Promise<void>[] = []
  try {
    let nextToken: string | undefined
    do {
      const page = await send<{accountList?: Array<{accountId?: string; accountName?: string; emailAddress?: string}>; nextToken?: string}>(
        new ListAccountsCommand({accessToken, maxResults: PAGE_SIZE, nextToken}),
        ACCOUNTS_PAGE_PRIORITY,
      )
      for (const a of page.accountList ?? []) {
        if (!a.accountId || accounts.has(a.accountId)) continue
        const account = {accountId: a.accountId, accountName: a.accountName ?? '', emailAddress: a.emailAddress ?? '', roles: []}
        accounts.set(a.accountId, account)
        progress.accountsFound++
        roleListings.push(listRoles(account).catch(fail))
      }
      report()
      nextToken = page.nextToken || undefined
    } while (nextToken)
    progress.allAccountsFound = true
    report()
    await Promise.all(roleListings)
  } catch (error) {
    fail(error)
  } finally {
    clearTimeout(deadline)
    options.signal?.removeEventListener('abort', onOuterAbort)
    options.onStats?.(limiter.stats())
  }
  if (failure !== undefined) throw explainPortalError(failure, options.session, requestTimeoutMs)
  return [...accounts.values()].sort(compareAccounts)
}

/**
 * Runs fn with a signal that aborts when `outer` does or after timeoutMs. (A plain timer rather than
 * AbortSignal.any + AbortSignal.timeout: Node 20 may garbage-collect a timeout signal only `any` refers to,
 * and then it never fires.)
 */
async function withTimeout<T>(outer: AbortSignal, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const onAbort = () => controller.abort(outer.reason)
  outer.addEventListener('abort', onAbort, {once: true})
  const timer = setTimeout(() => controller.abort(Object.assign(new Error('request timed out'), {name: 'TimeoutError'})), timeoutMs)
  try {
    return await fn(controller.signal)
  } finally {
    clearTimeout(timer)
    outer.removeEventListener('abort', onAbort)
  }
}

/** How the limiter treats a portal failure. */
export function classifyPortalError(error: unknown): FailureKind {
  const e = error as {name?: string; $metadata?: {httpStatusCode?: number}; $retryable?: {throttling?: boolean}}
  const status = e?.$metadata?.httpStatusCode
  if (e?.name === 'TooManyRequestsException' || e?.name === 'ThrottlingException' || status === 429 || e?.$retryable?.throttling) {
    return 'throttled'
  }
  if (status !== undefined && status >= 500) return 'fault'
  if (e?.name === 'AbortError' || networkCause(error)) return 'network'
  return 'fatal'
}

function explainPortalError(error: unknown, session: {name: string; region: string}, requestTimeoutMs: number): KeylessError {
  const e = error as {name?: string; $metadata?: {httpStatusCode?: number}}
  if (e?.name === 'UnauthorizedException' || e?.$metadata?.httpStatusCode === 401) return new SessionExpiredError(session.name)
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') {
    return new KeylessError(
      `AWS Identity Center at ${endpointFor('portal', session.region)} did not answer within ${requestTimeoutMs >= 1000 ? `${Math.round(requestTimeoutMs / 1000)} s` : `${requestTimeoutMs} ms`}, several times`,
      'check your network or VPN, then try again',
    )
  }
  return explainSdkError(error, {service: 'portal', region: session.region, session: session.name})
}

function deadlineError(deadlineMs: number, progress: ListProgress, session: string): KeylessError {
  const total = progress.allAccountsFound ? `${progress.accountsFound}` : `${progress.accountsFound}+`
  return new KeylessError(
    `listing the accounts of session ${session} did not finish within ${Math.round(deadlineMs / 60_000)} min ` +
      `(${progress.accountsDone} of ${total} accounts listed; AWS Identity Center kept throttling or failing)`,
    'try again later; run with --debug to see every retry',
  )
}

export function compareText(a: string, b: string): number {
  return a.localeCompare(b, 'en') || (a < b ? -1 : a > b ? 1 : 0)
}

export function compareAccounts(a: AccountWithRoles, b: AccountWithRoles): number {
  return compareText(a.accountName, b.accountName) || compareText(a.accountId, b.accountId)
}
