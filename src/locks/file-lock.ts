import {mkdirSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {KeylessError} from '../errors.js'
import {LOCK_STALE_MS, LOCK_WAIT_MS} from '../timing.js'

export interface LockOptions {
  /** Longest to wait for another holder (default LOCK_WAIT_MS). */
  waitMs?: number
  /** A lock not refreshed for this long belongs to a crashed holder and is taken over (default LOCK_STALE_MS). */
  staleMs?: number
  /** The error to throw when the wait runs out (default: a KeylessError naming `what`). */
  onTimeout?: (lockPath: string, waitMs: number) => Error
  what?: string
}

/**
 * Runs fn holding a cross-process lock: proper-lockfile's atomic mkdir of `lockPath`, whose mtime the holder
 * keeps fresh. A holder that crashed stops refreshing it, and after `staleMs` the next caller takes it over.
 * Waiting is bounded. The one lock primitive of keyless: session/role single flight and config-file edits.
 */
export async function withLockFile<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockfile = await import('proper-lockfile')
  mkdirSync(dirname(lockPath), {recursive: true, mode: 0o700})
  const waitMs = options.waitMs ?? LOCK_WAIT_MS
  const staleMs = Math.max(options.staleMs ?? LOCK_STALE_MS, 2000)
  const deadline = Date.now() + waitMs
  let release: () => Promise<void>
  for (;;) {
    try {
      release = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale: staleMs,
        update: Math.floor(staleMs / 4),
        // A lock lost while the machine slept past `stale`: finish the work rather than crash half-way.
        onCompromised: () => {},
      })
      break
    } catch (error) {
      if ((error as {code?: string}).code !== 'ELOCKED') throw error
      if (Date.now() >= deadline) {
        throw (
          options.onTimeout?.(lockPath, waitMs) ??
          new KeylessError(
            `gave up after ${Math.round(waitMs / 1000)} s waiting for another keyless process (${options.what ?? 'lock'})`,
            `try again; if no other keyless is running, remove ${lockPath}`,
          )
        )
      }
      // Jittered, short: waiters on one lock must not wake in lock-step.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 60))
    }
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => {})
  }
}

/** withLockFile for a named lock in a directory (the cache dir's locks/): `session-acme`, `role-...`. */
export function withFileLock<T>(dir: string, name: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  return withLockFile(join(dir, `${name.replace(/[^\w.-]/g, '_')}.lock`), fn, options)
}
