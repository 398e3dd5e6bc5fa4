import {createHash} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {isAbsolute, join, posix, win32} from 'node:path'

import {homeDir} from '../aws-config/paths.js'
import {KeylessError} from '../errors.js'
import type {Browser} from './browsers.js'

/**
 * The browser profiles of `console --isolate` (Chromium family): one directory per browser and per account and
 * role, under keyless's data directory (they hold the console's cookies, which are state, not cache):
 * `$XDG_DATA_HOME/keyless` (else `~/.local/share/keyless`) on Linux, `~/Library/Application Support/keyless` on
 * macOS, `%LOCALAPPDATA%\keyless` on Windows. Created 0700 on first use, reused after; `keyless logout` leaves
 * them; `keyless console --forget-profiles` removes them.
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA && win32.isAbsolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : win32.join(homeDir(env), 'AppData', 'Local')
    return win32.join(local, 'keyless')
  }
  if (platform === 'darwin') return posix.join(homeDir(env), 'Library', 'Application Support', 'keyless')
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : ''
  return xdg ? join(xdg, 'keyless') : join(homeDir(env), '.local', 'share', 'keyless')
}

export function profilesRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const dir = dataDir(env, platform)
  return platform === 'win32' ? win32.join(dir, 'browser-profiles') : posix.join(dir, 'browser-profiles')
}

/** The directory name for a browser: its name, or for a browser given by path a short digest of that path. */
export function browserKey(browser: Browser): string {
  if (browser.name !== 'path') return browser.name
  return `path-${createHash('sha256')
    .update(browser.command ?? '')
    .digest('hex')
    .slice(0, 12)}`
}

/** The role's directory name: `<account id>.<role name>`, characters outside IAM's role-name set replaced. */
export function roleKey(accountId: string, roleName: string): string {
  return `${accountId}.${roleName}`.replace(/[^A-Za-z0-9_.@+=,-]/g, '_')
}

export function profileDir(
  browser: Browser,
  role: {accountId: string; roleName: string},
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const join_ = platform === 'win32' ? win32.join : posix.join
  return join_(profilesRoot(env, platform), browserKey(browser), roleKey(role.accountId, role.roleName))
}

/**
 * Creates the role's profile directory (0700, as its parents under the data directory) on first use, with what
 * spares the browser's first-run screens: Chromium's `First Run` sentinel, and a `Local State` naming the profile
 * after the role (the name the profile menu shows). Returns whether it was created now.
 */
export function ensureProfile(dir: string, label: string): boolean {
  const created = !existsSync(dir)
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const st = statSync(dir)
  const uid = process.getuid?.()
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid))
    throw new KeylessError(`${dir} is not a directory of yours`, `remove it, or run: keyless console --forget-profiles`)
  if (process.platform !== 'win32') chmodSync(dir, 0o700)
  if (created) {
    writeFileSync(join(dir, 'First Run'), '', {mode: 0o600})
    const localState = {
      profile: {info_cache: {Default: {name: label, is_using_default_name: false}}},
      browser: {has_seen_welcome_page: true},
    }
    writeFileSync(join(dir, 'Local State'), JSON.stringify(localState), {mode: 0o600})
  }
  return created
}

/** `console --forget-profiles`: deletes every isolated profile; returns how many role profiles there were. */
export function forgetProfiles(env: NodeJS.ProcessEnv = process.env): {root: string; removed: number} {
  const root = profilesRoot(env)
  if (!existsSync(root)) return {root, removed: 0}
  let removed = 0
  for (const browser of readdirSync(root)) {
    const dir = join(root, browser)
    if (statSync(dir, {throwIfNoEntry: false})?.isDirectory()) removed += readdirSync(dir).length
  }
  rmSync(root, {recursive: true, force: true, maxRetries: 3})
  return {root, removed}
}
