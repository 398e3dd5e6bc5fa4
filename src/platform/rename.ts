import {rename as fsRename} from 'node:fs/promises'
import {setTimeout as sleepFor} from 'node:timers/promises'

import {RENAME_RETRY_MS, RENAME_RETRY_STEP_MS} from '../timing.js'

/** The codes Windows gives a rename onto a file another process has open (sharing violation, access denied). */
const BUSY_CODES = new Set(['EPERM', 'EACCES', 'EBUSY'])

/** A rename that still failed after RENAME_RETRY_MS because another program kept the file open (Windows). */
export class FileBusyError extends Error {
  constructor(cause: NodeJS.ErrnoException) {
    super(cause.message, {cause})
  }
}

export interface RenameRuntime {
  platform?: NodeJS.Platform
  rename?: (from: string, to: string) => Promise<void>
  sleep?: (ms: number) => Promise<unknown>
  now?: () => number
  retryMs?: number
}

/**
 * rename(2), except on Windows, where a rename fails while any other process has the target (or the source)
 * open without FILE_SHARE_DELETE: there it is retried with a growing pause (as graceful-fs does) for
 * RENAME_RETRY_MS, and a rename that still fails is a FileBusyError, not a "permission denied" that blames the user.
 */
export async function renameRetrying(from: string, to: string, runtime: RenameRuntime = {}): Promise<void> {
  const platform = runtime.platform ?? process.platform
  const rename = runtime.rename ?? fsRename
  if (platform !== 'win32') return rename(from, to)
  const sleep = runtime.sleep ?? sleepFor
  const now = runtime.now ?? Date.now
  const deadline = now() + (runtime.retryMs ?? RENAME_RETRY_MS)
  for (let pause = 10; ; pause = Math.min(pause + 10, RENAME_RETRY_STEP_MS)) {
    try {
      return await rename(from, to)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? ''
      if (!BUSY_CODES.has(code)) throw error
      if (now() >= deadline) throw new FileBusyError(error as NodeJS.ErrnoException)
      await sleep(pause)
    }
  }
}
