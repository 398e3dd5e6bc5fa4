import {randomBytes} from 'node:crypto'
import {open, readFile, rm} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {cacheDir, ensureCacheDir} from '../aws-config/paths.js'
import {KeylessError} from '../errors.js'
import type {SsoSession} from '../sso/types.js'
import {renameRetrying} from '../platform/rename.js'
import {debug} from '../ui/debug.js'
import type {AccountWithRoles} from './list.js'

/** One session's account listing as cached on disk (non-secret: names, ids, emails, role names). */
export interface CachedAccounts {
  version: 1
  session: string
  /** The session it was fetched for: a session pointed at another start URL or region does not reuse it. */
  startUrl: string
  region: string
  /** ISO 8601 UTC: when the listing finished. */
  fetchedAt: string
  accounts: AccountWithRoles[]
}

/** `<cache dir>/accounts-<session>.json`; the name is percent-encoded, so no session name can leave the dir. */
export function accountsCachePath(session: string, env: NodeJS.ProcessEnv = process.env): string {
  const safe = encodeURIComponent(session).replace(/[.*'()!~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return join(cacheDir(env), `accounts-${safe}.json`)
}

/** The cached listing of this session, or undefined when there is none, it is unreadable, or it was fetched
 * for a different start URL or region. */
export async function readAccountsCache(session: SsoSession, env: NodeJS.ProcessEnv = process.env): Promise<CachedAccounts | undefined> {
  let path = accountsCachePath(session.name, env)
  let text: string
  try {
    // The same owner and mode check as every other use of the cache dir: a listing planted there is never shown.
    path = join(ensureCacheDir(env), basename(path))
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof KeylessError) throw error
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') debug('accounts', `cannot read ${path}: ${(error as Error).message}`)
    return undefined
  }
  try {
    const cached = JSON.parse(text) as CachedAccounts
    if (
      cached.version !== 1 ||
      cached.session !== session.name ||
      cached.startUrl !== session.startUrl ||
      cached.region !== session.region ||
      Number.isNaN(Date.parse(cached.fetchedAt)) ||
      !Array.isArray(cached.accounts) ||
      !cached.accounts.every(isAccount)
    ) {
      debug('accounts', `ignoring ${path}: written for another session, start URL or format`)
      return undefined
    }
    return cached
  } catch {
    debug('accounts', `ignoring ${path}: not valid JSON`)
    return undefined
  }
}

/** Writes the listing atomically (temp file in the same directory, fsync, rename): a reader sees the old file
 * or the new one, never half of one. The directory is 0700, the file 0600. */
export async function writeAccountsCache(
  session: SsoSession,
  accounts: AccountWithRoles[],
  fetchedAt: Date,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CachedAccounts> {
  ensureCacheDir(env)
  const cached: CachedAccounts = {
    version: 1,
    session: session.name,
    startUrl: session.startUrl,
    region: session.region,
    fetchedAt: fetchedAt.toISOString(),
    accounts,
  }
  const path = accountsCachePath(session.name, env)
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  const file = await open(temp, 'wx', 0o600)
  try {
    await file.writeFile(JSON.stringify(cached, null, 1) + '\n')
    await file.sync()
    await file.close()
    await renameRetrying(temp, path)
  } catch (error) {
    await file.close().catch(() => {})
    await rm(temp, {force: true})
    throw error
  }
  return cached
}

/** Whether a listing fetched at `fetchedAt` may still be served at `now`. */
export function isFresh(cached: Pick<CachedAccounts, 'fetchedAt'>, now: number, maxAgeMs: number): boolean {
  const age = now - Date.parse(cached.fetchedAt)
  // A fetch time in the future (a clock that moved back) is not trusted either.
  return age >= 0 && age < maxAgeMs
}

function isAccount(a: unknown): a is AccountWithRoles {
  const x = a as AccountWithRoles
  return (
    typeof x?.accountId === 'string' &&
    typeof x.accountName === 'string' &&
    typeof x.emailAddress === 'string' &&
    Array.isArray(x.roles) &&
    x.roles.every((r) => typeof r === 'string')
  )
}
