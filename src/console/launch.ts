import {spawn} from 'node:child_process'

import {debug} from '../ui/debug.js'

/** How long a browser may take to fail before keyless takes it as started (as the desktop opener's wait). */
const LAUNCH_GRACE_MS = 1500

/**
 * Starts a browser keyless chose itself (no shell: the arguments reach it as they are) and reports whether it
 * started: false when it could not be run or exited with an error within a moment. A browser that is already
 * running with that profile hands the page to the running one and exits 0: that counts as started. The browser
 * outlives keyless (detached, not waited for).
 */
export async function launchBrowser(command: string, args: string[]): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false
    const settle = (ok: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(ok)
    }
    // Not unref'd: this wait keeps the process alive until it is decided.
    const timer = setTimeout(() => settle(true), LAUNCH_GRACE_MS)
    let child
    try {
      child = spawn(command, args, {detached: process.platform !== 'win32', stdio: 'ignore', windowsHide: false})
    } catch (error) {
      debug('console', `could not start ${command}: ${(error as Error).message}`)
      return settle(false)
    }
    child.once('error', (error) => {
      debug('console', `could not start ${command}: ${error.message}`)
      settle(false)
    })
    child.once('exit', (code) => settle(code === 0))
    child.unref()
  })
}
