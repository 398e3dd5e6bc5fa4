import {mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {ensureCacheDir} from '../aws-config/paths.js'
import {BROWSER_HANDOFF_WAIT_MS} from '../timing.js'
import {checkUrlToOpen, launchOpener, type OpenResult, type UrlKind} from './browser.js'
import {debug} from './debug.js'
import {startOneTimeRedirect} from './one-time-redirect.js'

/**
 * The browser hand-off (PRODUCT.md section 11): how a URL that another local user could redeem or use (a console
 * sign-in, a login's state and code challenge, a device code) reaches the browser without being on any command
 * line, which every user of the machine can read in /proc/PID/cmdline.
 *
 * 1. The target URL is checked (checkUrlToOpen) and served by a one-time loopback redirect
 *    (`http://127.0.0.1:PORT/<192 random bits>`): the target itself is never written to any file.
 * 2. That link goes into a small page, 0600, in a fresh 0700 directory under keyless's cache directory (whose
 *    owner and mode ensureCacheDir checks): only this user (and root) can read it.
 * 3. The opener (`open`: xdg-open, macOS `open`, PowerShell's `Start`) gets the page's `file://` URL: a path that
 *    tells another user nothing, since they cannot open it.
 * 4. The page and its directory are deleted the moment the browser follows the link, when the wait ends, and on
 *    every way out of the process (normal exit, error, Ctrl-C, SIGTERM, SIGHUP).
 */
export interface HandOff extends OpenResult {
  /** Resolves true once the browser has followed the link, false when nobody did within the wait. */
  used: Promise<boolean>
  /** Stops the redirect and deletes the page (idempotent). */
  close(): Promise<void>
}

export interface HandOffOptions {
  env?: NodeJS.ProcessEnv
  /** How long the link and the page live (default BROWSER_HANDOFF_WAIT_MS). */
  waitMs?: number
  /**
   * Whether waiting for the browser keeps the process alive. `console` waits for the browser and says whether it
   * came (true); a login waits for its callback instead, so its hand-off must not hold the process (false).
   */
  keepAlive?: boolean
  /** Runs the opener (tests of the platform branches; a browser keyless chose itself); default launchOpener. */
  launch?: (target: string) => Promise<boolean>
  /**
   * What the page sends the browser to, given the one-time loopback link (default: the link itself); a Firefox
   * container URL wraps it, so that it too is only in the page, never on a command line.
   */
  pageLink?: (loopback: string) => string
}

/** Opens `target` (which must pass `policy`) in the browser through the hand-off page. Never throws for a refused URL. */
export async function openThroughHandOff(target: string, policy: UrlKind, options: HandOffOptions = {}): Promise<HandOff> {
  const env = options.env ?? process.env
  const checked = checkUrlToOpen(target, policy, env)
  if (!checked.ok) return {opened: false, refused: checked.reason, used: Promise.resolve(false), close: async () => {}}
  const redirect = await startOneTimeRedirect(checked.url, options.waitMs ?? BROWSER_HANDOFF_WAIT_MS, {keepAlive: options.keepAlive})
  let page: HandOffPage
  try {
    page = writeHandOffPage(options.pageLink ? options.pageLink(redirect.url) : redirect.url, env)
  } catch (error) {
    await redirect.close()
    throw error
  }
  void redirect.used.then(() => page.remove())
  const close = async () => {
    page.remove()
    await redirect.close()
  }
  const fileUrl = checkUrlToOpen(pathToFileURL(page.path).href, {kind: 'handoff-file', path: page.path}, env)
  if (!fileUrl.ok) {
    await close()
    return {opened: false, refused: fileUrl.reason, used: Promise.resolve(false), close}
  }
  // Under WSL `open` may hand the target to Windows, which converts a Linux path (wslpath) but not a file:// URL.
  const opened = await (options.launch ?? launchOpener)(isWsl(env) ? page.path : fileUrl.url)
  return {opened, used: redirect.used, close}
}

export interface HandOffPage {
  /** The page's absolute path. */
  path: string
  /** Deletes the page and its directory (idempotent, never throws). */
  remove(): void
}

/** Where hand-off pages live: `<cache dir>/browser`, checked like every cache directory (this user's, 0700). */
export function handOffRoot(env: NodeJS.ProcessEnv = process.env): string {
  return ensureCacheDir(env, 'browser')
}

/**
 * Writes the page that sends the browser on to `link`: a fresh directory (mkdtemp: 0700, a name nobody can guess
 * or take first), the file created exclusively with mode 0600. No visible text carries the link; the referrer is
 * suppressed; `location.replace` keeps the page out of the tab's history, the meta refresh covers a browser
 * without scripts. Leftovers of a process that was killed outright (SIGKILL) are swept here.
 */
export function writeHandOffPage(link: string, env: NodeJS.ProcessEnv = process.env): HandOffPage {
  const root = handOffRoot(env)
  sweepStale(root)
  const dir = mkdtempSync(join(root, 'h-'))
  const path = join(dir, 'open.html')
  writeFileSync(path, handOffHtml(link), {mode: 0o600, flag: 'wx'})
  let removed = false
  const remove = () => {
    if (removed) return
    removed = true
    live.delete(remove)
    if (live.size === 0) uninstallExitHooks()
    try {
      rmSync(dir, {recursive: true, force: true})
    } catch (error) {
      debug('browser', `could not delete the hand-off page: ${(error as Error).message}`)
    }
  }
  live.add(remove)
  installExitHooks()
  return {path, remove}
}

/** The page: the link only in the refresh and the script (a loopback URL of base64url characters, escaped anyway). */
export function handOffHtml(link: string): string {
  const attribute = link.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  const script = JSON.stringify(link).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=${attribute}">
<title>keyless</title>
<script>location.replace(${script})</script>
</head><body><p>keyless is opening your sign-in. If nothing happens, return to your terminal.</p></body></html>
`
}

/** A page left by a process killed outright lives no longer than this (the wait is shorter). */
const STALE_MS = 10 * 60 * 1000

function sweepStale(root: string): void {
  try {
    for (const name of readdirSync(root)) {
      const path = join(root, name)
      const st = statSync(path, {throwIfNoEntry: false})
      if (st && Date.now() - st.mtimeMs > STALE_MS) rmSync(path, {recursive: true, force: true})
    }
  } catch {
    // Best effort: a leftover page holds only a spent loopback link.
  }
}

function isWsl(env: NodeJS.ProcessEnv): boolean {
  return process.platform === 'linux' && Boolean(env.WSL_DISTRO_NAME || env.WSL_INTEROP)
}

/** The pages of this process not deleted yet, each by its remover. */
const live = new Set<() => void>()
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
let hooked = false

function removeAll(): void {
  for (const remove of [...live]) remove()
}

/**
 * On a signal the pages go first. When no other listener decides what the signal means, the signal is raised
 * again once this listener is gone, so the process ends as it would have (Ctrl-C: 130); when one does (login's
 * Ctrl-C handling, console's wait), that listener decides. signal-exit's listeners (proper-lockfile loads it while a
 * lock is held, e.g. in `credential-process --auto-login`) decide nothing: each re-raises only once it is alone, so
 * counting them as deciders would leave the signal to them and them to us, and the process would go on.
 */
function onSignal(signal: NodeJS.Signals): void {
  const deciders = process.listenerCount(signal) - 1 - signalExitListeners()
  removeAll()
  uninstallExitHooks()
  if (deciders <= 0) process.kill(process.pid, signal)
}

/** How many signal-exit listeners (v3 and v4) are on each signal: the count they keep, as signal-exit 4 adds them up. */
function signalExitListeners(): number {
  const v3 = (process as {__signal_exit_emitter__?: {count?: unknown}}).__signal_exit_emitter__?.count
  const v4 = (globalThis as Record<symbol, {count?: unknown} | undefined>)[Symbol.for('signal-exit emitter')]?.count
  return (typeof v3 === 'number' ? v3 : 0) + (typeof v4 === 'number' ? v4 : 0)
}

function installExitHooks(): void {
  if (hooked) return
  hooked = true
  process.on('exit', removeAll)
  for (const signal of SIGNALS) process.on(signal, onSignal)
}

function uninstallExitHooks(): void {
  if (!hooked) return
  hooked = false
  process.removeListener('exit', removeAll)
  for (const signal of SIGNALS) process.removeListener(signal, onSignal)
}
