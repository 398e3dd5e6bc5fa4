import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {KeylessError} from '../errors.js'
import {LOCK_STALE_MS, LOCK_WAIT_MS} from '../timing.js'

/**
 * A cross-process lock (proper-lockfile: an atomic mkdir whose mtime the holder keeps fresh). A holder that
 * crashed stops refreshing it, and after LOCK_STALE_MS the next caller takes it over. Waiting is bounded.
 */
export async function withFileLock<T>(
  dir: string,
  name: string,
  fn: () => Promise<T>,
  options: {waitMs?: number; what?: string} = {},
): Promise<T> {
  const lockfile = await import('proper-lockfile')
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const target = join(dir, `${name.replace(/[^\w.-]/g, '_')}`)
  const waitMs = options.waitMs ?? LOCK_WAIT_MS
  const started = Date.now()
  let release: (() => Promise<void>) | undefined
  for (;;) {
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        stale: LOCK_STALE_MS,
        update: LOCK_STALE_MS / 4,
        // A lost lock (the machine slept past `stale`) must not crash the holder: it finishes its work.
        onCompromised: () => {},
      })
      break
    } catch (error) {
      if ((error as {code?: string}).code !== 'ELOCKED') throw error
      if (Date.now() - started > waitMs) {
        throw new KeylessError(
          `gave up after ${Math.round(waitMs / 1000)} s waiting for another keyless process (${options.what ?? name})`,
          `try again; if it persists, remove ${target}.lock`,
        )
      }
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 75))
    }
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => {})
  }
}
