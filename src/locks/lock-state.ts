import {readFileSync, statSync, type Stats} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'

import {KeylessError} from '../errors.js'
import {LOCK_ALIVE_STALE_MS, LOCK_POLL_MS} from '../timing.js'

/**
 * What a cross-process lock's files say, without taking it: where a lock lives, whether its holder is gone, and a
 * wait for its release. No lock library here: credential-process's cached path (one bundle) waits on a role's lock
 * with this alone, and file-lock.ts (proper-lockfile, loaded on a cache miss) takes locks with the same rules.
 */

/** The lock directory of a name in a lock dir (the cache dir's locks/): `session-acme.lock`, `role-...lock`. */
export function lockPathOf(dir: string, name: string): string {
  return join(dir, `${name.replace(/[^\w.-]/g, '_')}.lock`)
}

/** The name of the lock one account and role of a session is fetched under (the single flight of credential-process). */
export function roleLockName(session: string, accountId: string, roleName: string): string {
  return `role-${encodeURIComponent(session)}-${accountId}-${roleName}`
}

/** The holder's note beside its lock: `host pid ino`. */
export const ownerPath = (lockPath: string) => `${lockPath}.owner`

/** The lock's directory entry now, or undefined when nobody holds it. A stat, synchronous: it costs microseconds. */
export function lockStat(lockPath: string): Stats | undefined {
  return statSync(lockPath, {throwIfNoEntry: false})
}

/**
 * True when the lock is held by nobody alive: its mtime is older than staleMs and its owner note does not name a
 * live process of this host holding this very lock (no note, another lock's note, another host: the mtime decides).
 */
export function abandoned(lockPath: string, staleMs: number, held?: Stats): boolean {
  const lock = held ?? lockStat(lockPath)
  if (!lock || lock.mtimeMs >= Date.now() - staleMs) return false
  if (lock.mtimeMs < Date.now() - Math.max(LOCK_ALIVE_STALE_MS, staleMs)) return true
  let note = ''
  try {
    note = readFileSync(ownerPath(lockPath), 'utf8')
  } catch {
    // No note: the mtime alone decides.
  }
  const pid = holderPid(note, lock)
  return pid === undefined || !processAlive(pid)
}

/** The pid the owner note names, when it is a process of this host holding this very lock (the lock's inode). */
function holderPid(note: string, lock: Stats): number | undefined {
  const [host, pid, ino] = note.trim().split(' ')
  if (host !== hostname() || Number(ino) !== lock.ino || !/^\d+$/.test(pid ?? '')) return undefined
  return Number(pid)
}

/** The live process of this host that holds the lock now, by its owner note; undefined when none can be named. */
export function livePid(lockPath: string): number | undefined {
  const lock = lockStat(lockPath)
  if (!lock) return undefined
  let note = ''
  try {
    note = readFileSync(ownerPath(lockPath), 'utf8')
  } catch {
    return undefined
  }
  const pid = holderPid(note, lock)
  return pid !== undefined && processAlive(pid) ? pid : undefined
}

/**
 * The one line of a caller that waited for another keyless process as long as it may (LOCK_WAIT_MS in all, however
 * many locks it waited on): which process holds the lock when it can tell, and what to do about a hung one.
 */
export class LockWaitTimeoutError extends KeylessError {
  override name = 'LockWaitTimeoutError'
  constructor(
    readonly lockPath: string,
    readonly waitedMs: number,
    readonly what: string,
    readonly holder: number | undefined = livePid(lockPath),
  ) {
    super(
      `gave up after ${Math.round(waitedMs / 1000)} s waiting for another keyless process (${holder === undefined ? '' : `pid ${holder}, `}${what})`,
      holder === undefined
        ? `try again; if no other keyless is running, remove ${lockPath}`
        : `try again; if it stays stuck, end it (kill ${holder}) and try again`,
    )
  }

  /** The same wait reported as the caller's whole wait (the limit it had for every lock together). */
  withWait(waitedMs: number): LockWaitTimeoutError {
    return new LockWaitTimeoutError(this.lockPath, waitedMs, this.what, this.holder)
  }
}

/** Whether a process of this machine with that pid runs (EPERM: it does, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Waits, without taking it, until the lock held now is released (gone, or taken anew by someone else): true; false
 * when it was free already. A lock left by a crashed holder (see abandoned) counts as released: the caller then
 * takes it over. At the deadline it returns true too, and the caller's next step decides (report the timeout, or
 * read the cache and go on).
 */
export async function waitForRelease(lockPath: string, deadline: number, staleMs: number): Promise<boolean> {
  const held = lockStat(lockPath)
  if (!held) return false
  while (Date.now() < deadline) {
    // Jittered: waiters on one lock must not wake in lock-step.
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS * (0.5 + Math.random())))
    const now = lockStat(lockPath)
    if (!now || now.ino !== held.ino || now.birthtimeMs !== held.birthtimeMs) return true
    if (abandoned(lockPath, staleMs, now)) return true
  }
  return true
}
