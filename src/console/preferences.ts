import {readConfigText, withConfigFileLock, writeFileAtomic} from '../aws-config/atomic-write.js'
import {parseConfig} from '../aws-config/ini.js'
import {configFilePath, displayPath} from '../aws-config/paths.js'
import {listSsoSessions, setSessionKeys} from '../aws-config/sso-sessions.js'
import {EXIT, KeylessError, printable} from '../errors.js'
import type {SsoSession} from '../sso/types.js'
import {BROWSER_NAMES, isBrowserPath} from './browsers.js'

/** The console's choices remembered per session in its `[sso-session]` section (`configure --browser/--isolate`). */
export const BROWSER_KEY = 'keyless_browser'
export const ISOLATE_KEY = 'keyless_isolate'

export interface ConsolePreferences {
  /** A browser name or path; undefined: the desktop's default. */
  browser?: string
  /** Where `browser` came from, for messages: `--browser`, or the session's key. */
  browserSource: string
  isolate: boolean
}

/** Flags win; else the session's keys; else the default browser, not isolated (as before these options existed). */
export function consolePreferences(flags: {browser?: string; isolate?: boolean}, session: SsoSession): ConsolePreferences {
  const stored = session.keyless ?? {}
  const browser = flags.browser ?? (stored[BROWSER_KEY] || undefined)
  const source = flags.browser !== undefined ? '--browser' : `${BROWSER_KEY} of [sso-session ${session.name}]:`
  let isolate = flags.isolate
  if (isolate === undefined) {
    const value = stored[ISOLATE_KEY]?.trim().toLowerCase()
    if (value !== undefined && value !== '' && value !== 'true' && value !== 'false')
      throw new KeylessError(
        `${ISOLATE_KEY} = ${printable(value).slice(0, 40)} in [sso-session ${session.name}] is neither true nor false`,
        `run: keyless configure --session ${session.name} --isolate (or --no-isolate)`,
      )
    isolate = value === 'true'
  }
  return {browser, browserSource: source, isolate}
}

/** A `configure --browser` value, checked for shape only (whether it is installed is the console's question). */
export function validateBrowserValue(value: string): string {
  const v = value.trim()
  if (v === '' || /[\r\n]/.test(v) || (!isBrowserPath(v) && !(BROWSER_NAMES as readonly string[]).includes(v.toLowerCase())))
    throw new KeylessError(
      `--browser ${printable(value).slice(0, 60)} is not a browser keyless knows`,
      `pass one of ${BROWSER_NAMES.join(', ')}, or the path of a browser's program`,
      EXIT.usage,
    )
  return isBrowserPath(v) ? v : v.toLowerCase()
}

/**
 * Writes `keyless_browser` / `keyless_isolate` into the session's section under the config-file lock, atomically
 * with a backup; `--browser default` removes nothing but writes `default` (explicitly the desktop's choice).
 * Returns whether the file changed.
 */
export async function saveConsolePreferences(
  name: string,
  prefs: {browser?: string; isolate?: boolean},
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  if (prefs.browser === undefined && prefs.isolate === undefined) return false
  const path = configFilePath(env)
  const shown = displayPath(path, env)
  return withConfigFileLock(
    path,
    async () => {
      const before = await readConfigText(path)
      if (!listSsoSessions(parseConfig(before, {path: shown})).some((s) => s.name === name)) return false
      const after = setSessionKeys(
        before,
        name,
        {
          [BROWSER_KEY]: prefs.browser,
          [ISOLATE_KEY]: prefs.isolate === undefined ? undefined : String(prefs.isolate),
        },
        {path: shown},
      )
      return after !== before ? writeFileAtomic(path, after, {backup: true}) : false
    },
    {env},
  )
}
