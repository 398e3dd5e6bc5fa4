import {execFileSync} from 'node:child_process'
import {accessSync, constants, statSync} from 'node:fs'
import {posix, win32} from 'node:path'

import {EXIT, KeylessError, printable} from '../errors.js'

/**
 * Which browser `keyless console` opens (`--browser`, or `keyless_browser` of the session), found the way each
 * platform installs it: macOS app bundles, Windows's App Paths registry keys and Program Files, Linux's PATH plus
 * Flatpak's and Snap's exported commands. Pure but for the host it is handed (tests inject every platform).
 */

/** The names `--browser` takes besides a path. */
export const BROWSER_NAMES = ['chrome', 'chromium', 'edge', 'brave', 'firefox', 'safari', 'default'] as const
export type BrowserName = (typeof BROWSER_NAMES)[number]

/** What a browser can do for isolation: a profile directory (Chromium family), a container (Firefox), nothing. */
export type BrowserFamily = 'chromium' | 'firefox' | 'safari' | 'default'

export interface Browser {
  /** A name of BROWSER_NAMES, or `path` for a browser given by path. */
  name: BrowserName | 'path'
  family: BrowserFamily
  /** The program to run (absent for `default`: the desktop's opener). */
  command?: string
  /** Arguments before keyless's own (Safari: `-a Safari` for macOS's `open`). */
  prefix?: string[]
}

/** The machine as discovery sees it; every side effect behind it. */
export interface BrowserHost {
  platform: NodeJS.Platform
  env: NodeJS.ProcessEnv
  /** True for an executable file (or, on macOS, an existing app bundle directory). */
  exists(path: string): boolean
  /** Windows: the default value of `HKCU|HKLM\...\App Paths\<exe>`, when set. */
  appPath?(exe: string): string | undefined
}

const FAMILY: Record<BrowserName, BrowserFamily> = {
  chrome: 'chromium',
  chromium: 'chromium',
  edge: 'chromium',
  brave: 'chromium',
  firefox: 'firefox',
  safari: 'safari',
  default: 'default',
}

/** macOS: the bundle and the executable inside it. */
const MAC_APPS: Partial<Record<BrowserName, [string, string]>> = {
  chrome: ['Google Chrome.app', 'Google Chrome'],
  chromium: ['Chromium.app', 'Chromium'],
  edge: ['Microsoft Edge.app', 'Microsoft Edge'],
  brave: ['Brave Browser.app', 'Brave Browser'],
  firefox: ['Firefox.app', 'firefox'],
}

/** Windows: the App Paths name, and the install directories under Program Files / LocalAppData. */
const WINDOWS_APPS: Partial<Record<BrowserName, {exe: string; dirs: string[]}>> = {
  chrome: {exe: 'chrome.exe', dirs: ['Google\\Chrome\\Application']},
  chromium: {exe: 'chrome.exe', dirs: ['Chromium\\Application']},
  edge: {exe: 'msedge.exe', dirs: ['Microsoft\\Edge\\Application']},
  brave: {exe: 'brave.exe', dirs: ['BraveSoftware\\Brave-Browser\\Application']},
  firefox: {exe: 'firefox.exe', dirs: ['Mozilla Firefox']},
}

/** Linux: command names on PATH, then Flatpak application ids, then Snap names. */
const LINUX_APPS: Partial<Record<BrowserName, {path: string[]; flatpak: string[]; snap: string[]}>> = {
  chrome: {path: ['google-chrome-stable', 'google-chrome'], flatpak: ['com.google.Chrome'], snap: []},
  chromium: {path: ['chromium', 'chromium-browser'], flatpak: ['org.chromium.Chromium'], snap: ['chromium']},
  edge: {path: ['microsoft-edge-stable', 'microsoft-edge'], flatpak: ['com.microsoft.Edge'], snap: []},
  brave: {path: ['brave-browser', 'brave'], flatpak: ['com.brave.Browser'], snap: ['brave']},
  firefox: {path: ['firefox', 'firefox-esr'], flatpak: ['org.mozilla.firefox'], snap: ['firefox']},
}

/** Where `name` is installed on the host, or undefined. `default` is always there (the desktop's opener). */
export function locateBrowser(name: BrowserName, host: BrowserHost): Browser | undefined {
  const family = FAMILY[name]
  if (name === 'default') return {name, family}
  const found = (command: string, prefix?: string[]): Browser => ({name, family, command, ...(prefix ? {prefix} : {})})
  const {platform, env} = host
  if (platform === 'darwin') {
    const home = env.HOME ?? ''
    if (name === 'safari') {
      for (const app of [
        '/Applications/Safari.app',
        '/System/Applications/Safari.app',
        '/System/Volumes/Preboot/Cryptexes/App/System/Applications/Safari.app',
      ])
        if (host.exists(app)) return found('open', ['-a', 'Safari'])
      return undefined
    }
    const [bundle, exe] = MAC_APPS[name]!
    for (const dir of ['/Applications', ...(home ? [posix.join(home, 'Applications')] : [])]) {
      const path = posix.join(dir, bundle, 'Contents', 'MacOS', exe)
      if (host.exists(path)) return found(path)
    }
    return undefined
  }
  if (platform === 'win32') {
    const app = WINDOWS_APPS[name]
    if (!app) return undefined
    // App Paths is where installers register the executable; Chromium registers none, so it is skipped for it.
    if (name !== 'chromium') {
      const registered = host.appPath?.(app.exe)
      if (registered && host.exists(registered)) return found(registered)
    }
    const roots = [env.ProgramFiles, env['ProgramFiles(x86)'], env.LOCALAPPDATA].filter((r): r is string => Boolean(r))
    for (const root of roots)
      for (const dir of app.dirs) {
        const path = win32.join(root, dir, app.exe)
        if (host.exists(path)) return found(path)
      }
    return undefined
  }
  const app = LINUX_APPS[name]
  if (!app) return undefined
  for (const command of app.path) {
    const path = onPath(command, host)
    if (path) return found(path)
  }
  const dataHome =
    env.XDG_DATA_HOME && posix.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : posix.join(env.HOME ?? '', '.local', 'share')
  for (const id of app.flatpak)
    for (const dir of [posix.join(dataHome, 'flatpak', 'exports', 'bin'), '/var/lib/flatpak/exports/bin']) {
      const path = posix.join(dir, id)
      if (host.exists(path)) return found(path)
    }
  for (const snap of app.snap) if (host.exists(`/snap/bin/${snap}`)) return found(`/snap/bin/${snap}`)
  return undefined
}

function onPath(command: string, host: BrowserHost): string | undefined {
  for (const dir of (host.env.PATH ?? '').split(':')) {
    if (!dir || !posix.isAbsolute(dir)) continue
    const path = posix.join(dir, command)
    if (host.exists(path)) return path
  }
  return undefined
}

/** Every named browser the host has, for the one line that says what was found. */
export function installedBrowsers(host: BrowserHost): Browser[] {
  return BROWSER_NAMES.filter((n) => n !== 'default')
    .map((n) => locateBrowser(n, host))
    .filter((b): b is Browser => b !== undefined)
}

/** Whether `--browser` got a path rather than a name. */
export function isBrowserPath(value: string): boolean {
  return value.includes('/') || value.includes('\\')
}

/**
 * The family of a browser given by path, by its file name: Firefox and its forks take containers, Safari nothing,
 * anything else is taken for the Chromium family (Chrome, Edge, Brave, Vivaldi, Opera and Chromium itself all
 * accept `--user-data-dir`).
 */
export function familyOfPath(path: string): BrowserFamily {
  const base = (path.split(/[\\/]/).filter(Boolean).at(-1) ?? '').toLowerCase()
  if (/firefox|librewolf|waterfox|floorp/.test(base)) return 'firefox'
  if (/safari/.test(base)) return 'safari'
  return 'chromium'
}

/**
 * `--browser` (or `keyless_browser`) to a browser: a name found on the host, or a path to an executable; an
 * unknown name or a browser that is not installed is one line listing what this machine has.
 */
export function resolveBrowser(value: string | undefined, host: BrowserHost, source = '--browser'): Browser {
  const wanted = (value ?? '').trim()
  if (wanted === '' || wanted === 'default') return {name: 'default', family: 'default'}
  const found = () => {
    const list = installedBrowsers(host).map((b) => b.name)
    return list.length > 0 ? `this machine has: ${[...new Set(list)].join(', ')}, default` : 'this machine has none of them; only default'
  }
  if (isBrowserPath(wanted)) {
    let path = wanted
    // A macOS app bundle stands for the executable inside it, named like the bundle.
    if (host.platform === 'darwin' && /\.app\/?$/.test(path)) {
      const bundle = path.replace(/\/$/, '')
      path = posix.join(bundle, 'Contents', 'MacOS', posix.basename(bundle, '.app'))
    }
    if (!host.exists(path))
      throw new KeylessError(
        `${source} ${printable(wanted).slice(0, 200)} is not an executable browser`,
        `pass a browser name or the path of its program; ${found()}`,
      )
    return {name: 'path', family: familyOfPath(path), command: path}
  }
  const name = wanted.toLowerCase()
  if (!(BROWSER_NAMES as readonly string[]).includes(name))
    throw new KeylessError(
      `${source} ${printable(wanted).slice(0, 60)} is not a browser keyless knows (${BROWSER_NAMES.join(', ')}, or a path)`,
      `pick one; ${found()}`,
      EXIT.usage,
    )
  const browser = locateBrowser(name as BrowserName, host)
  if (!browser)
    throw new KeylessError(`${source} ${name}: no ${name} is installed where keyless looks`, `pass another or its path; ${found()}`)
  return browser
}

/** The real machine. */
export function systemBrowserHost(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): BrowserHost {
  return {
    platform,
    env,
    exists: (path) => {
      try {
        const st = statSync(path)
        if (st.isDirectory()) return platform === 'darwin' && path.endsWith('.app')
        if (platform === 'win32') return st.isFile()
        accessSync(path, constants.X_OK)
        return true
      } catch {
        return false
      }
    },
    appPath: platform === 'win32' ? windowsAppPath : undefined,
  }
}

/** `reg query` of App Paths, per user first: the executable an installer registered. */
function windowsAppPath(exe: string): string | undefined {
  for (const hive of ['HKCU', 'HKLM']) {
    try {
      const out = execFileSync('reg', ['query', `${hive}\\Software\\Microsoft\\Windows\\CurrentVersion\\App Paths\\${exe}`, '/ve'], {
        encoding: 'utf8',
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'ignore'],
        windowsHide: true,
      })
      const value = /REG_(?:EXPAND_)?SZ\s+(.+)$/m.exec(out)?.[1]?.trim().replace(/^"|"$/g, '')
      if (value) return value.replace(/%([^%]+)%/g, (_, v: string) => process.env[v] ?? `%${v}%`)
    } catch {
      // Not registered in this hive.
    }
  }
  return undefined
}
