import {mkdirSync, type Stats} from 'node:fs'
import {rename, rm, rmdir, stat, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {dirname} from 'node:path'

import {LOCK_ALIVE_STALE_MS, LOCK_STALE_MS, LOCK_WAIT_MS} from '../timing.js'
import {abandoned, lockPathOf, LockWaitTimeoutError, ownerPath, waitForRelease} from './lock-state.js'

export interface LockOptions {
  /** Longest to wait for another holder (default LOCK_WAIT_MS). */
  waitMs?: number
  /** When waiting ends at the latest (epoch ms), however long waitMs is: a caller's budget shared by several locks. */
  deadline?: number
  /** A lock not refreshed for this long belongs to a crashed holder and is taken over (default LOCK_STALE_MS). */
  staleMs?: number
  /** The error to throw when the wait runs out (default: a LockWaitTimeoutError naming `what` and the holder). */
  onTimeout?: (lockPath: string, waitMs: number) => Error
  what?: string
}

export interface WaiterOptions<T> extends LockOptions {
  /**
   * Called, without the lock, each time another holder has released it: what that holder left behind (read from
   * the cache), or undefined to go on and take the lock. So the callers queued behind one fetch are served as soon as
   * it ends, all at once, instead of taking the lock one after another only to find the work done.
   */
  afterRelease?: () => Promise<T | undefined>
}

/**
 * Runs fn holding a cross-process lock: proper-lockfile's atomic mkdir of `lockPath`, whose mtime the holder
 * keeps fresh. A holder that crashed stops refreshing it, and after `staleMs` the next caller takes it over.
 * Waiting is bounded. The one lock primitive of keyless: session/role single flight and config-file edits.
 *
 * Stale means crashed, not slow: the holder notes its host and pid beside the lock (`<lock>.owner`), and a lock
 * whose mtime is old but whose holder is alive on this host is left alone (up to LOCK_ALIVE_STALE_MS). On a machine
 * starved by a herd of processes a holder's event loop can stall past staleMs while it loads the AWS SDK; taking
 * its lock over then ran a second token refresh, whose rotated-out refresh token ended the session for everyone.
 */
export async function withLockFile<T>(lockPath: string, fn: () => Promise<T>, options: WaiterOptions<T> = {}): Promise<T> {
  const lockfile = await import('proper-lockfile')
  mkdirSync(dirname(lockPath), {recursive: true, mode: 0o700})
  const waitMs = options.waitMs ?? LOCK_WAIT_MS
  const staleMs = Math.max(options.staleMs ?? LOCK_STALE_MS, 2000)
  const deadline = Math.min(Date.now() + waitMs, options.deadline ?? Number.POSITIVE_INFINITY)
  let release: () => Promise<void>
  for (;;) {
    try {
      // proper-lockfile's own stale rule only as the backstop (a holder alive but hung); abandoned() decides first.
      const held = await stat(lockPath).catch(() => undefined)
      if (held && abandoned(lockPath, staleMs, held)) await removeAbandoned(lockPath, held)
      release = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale: Math.max(LOCK_ALIVE_STALE_MS, staleMs),
        update: Math.floor(staleMs / 4),
        // A lock lost while the machine slept past `stale`: finish the work rather than crash half-way.
        onCompromised: () => {},
      })
      await noteOwner(lockPath)
      break
    } catch (error) {
      if ((error as {code?: string}).code !== 'ELOCKED') throw error
      if (Date.now() >= deadline) {
        throw options.onTimeout?.(lockPath, waitMs) ?? new LockWaitTimeoutError(lockPath, waitMs, options.what ?? 'lock')
      }
      if (options.afterRelease) {
        if (await waitForRelease(lockPath, deadline, staleMs)) {
          const left = await options.afterRelease()
          if (left !== undefined) return left
        }
        continue
      }
      // Jittered, short: waiters on one lock must not wake in lock-step.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 60))
    }
  }
  try {
    return await fn()
  } finally {
    // The note first, while the lock is still ours: afterwards it would be the next holder's.
    await rm(ownerPath(lockPath), {force: true}).catch(() => {})
    await release().catch(() => {})
  }
}

/** `host pid ino` of the lock just taken (atomically: a reader sees a whole note or none). */
async function noteOwner(lockPath: string): Promise<void> {
  try {
    const {ino} = await stat(lockPath)
    const temp = `${ownerPath(lockPath)}.${process.pid}.tmp`
    await writeFile(temp, `${hostname()} ${process.pid} ${ino}\n`, {mode: 0o600})
    await rename(temp, ownerPath(lockPath))
  } catch {
    // Without a note the lock is judged by its mtime alone, as before.
  }
}

/** Removes an abandoned lock (and its note), so that the next attempt takes it; not one taken anew meanwhile. */
async function removeAbandoned(lockPath: string, judged: Stats): Promise<void> {
  const now = await stat(lockPath).catch(() => undefined)
  if (!now || now.ino !== judged.ino || now.mtimeMs !== judged.mtimeMs) return
  await rm(ownerPath(lockPath), {force: true}).catch(() => {})
  await rmdir(lockPath).catch(() => {})
}

/** withLockFile for a named lock in a directory (the cache dir's locks/): `session-acme`, `role-...`. */
export function withFileLock<T>(dir: string, name: string, fn: () => Promise<T>, options: WaiterOptions<T> = {}): Promise<T> {
  return withLockFile(lockPathOf(dir, name), fn, options)
}
