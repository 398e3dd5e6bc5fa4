import {chmodSync, lstatSync, mkdirSync, readdirSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {isAbsolute, join, sep, win32} from 'node:path'

import {KeylessError} from '../errors.js'

type Env = Record<string, string | undefined>

/**
 * The user's home directory as the AWS tools see it: `$HOME`, else the OS's idea of it. On Windows the AWS CLI
 * (Python's expanduser) and the Go SDK read `USERPROFILE` and not `HOME`, which Git Bash, MSYS and corporate
 * home drives set to somewhere else: there `USERPROFILE` wins, so keyless edits the file the AWS tools read.
 */
export function homeDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return env.USERPROFILE || env.HOME || homedir()
  return env.HOME || env.USERPROFILE || homedir()
}

/**
 * Windows with `HOME` and `USERPROFILE` both set to different directories: one line saying which one keyless
 * and the AWS CLI use, for `whoami` and `audit` (tools that read `HOME`, such as the JS SDK, see other files).
 */
export function homeMismatch(env: Env = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'win32' || !env.HOME || !env.USERPROFILE) return undefined
  const norm = (p: string) =>
    p
      .replace(/[\\/]+$/, '')
      .replace(/\//g, '\\')
      .toLowerCase()
  if (norm(env.HOME) === norm(env.USERPROFILE)) return undefined
  return `HOME (${env.HOME}) and USERPROFILE (${env.USERPROFILE}) differ: keyless, the AWS CLI and the Go SDK use USERPROFILE's .aws folder; tools that read HOME (the AWS SDK for JavaScript) use the other one; unset HOME or make the two the same`
}

/** Expands a leading `~` (`~` alone or `~/...`), as botocore and the AWS SDKs do for these variables. */
export function expandHome(path: string, env: Env = process.env): string {
  if (path === '~') return homeDir(env)
  if (path.startsWith('~/') || path.startsWith(`~${sep}`)) return join(homeDir(env), path.slice(2))
  return path
}

/** `$AWS_CONFIG_FILE`, else `~/.aws/config`. */
export function configFilePath(env: Env = process.env): string {
  return env.AWS_CONFIG_FILE ? expandHome(env.AWS_CONFIG_FILE, env) : join(homeDir(env), '.aws', 'config')
}

/** `$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`. */
export function credentialsFilePath(env: Env = process.env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE ? expandHome(env.AWS_SHARED_CREDENTIALS_FILE, env) : join(homeDir(env), '.aws', 'credentials')
}

/**
 * keyless's non-secret cache and lock directory: `$XDG_CACHE_HOME/keyless`, else `~/.cache/keyless`
 * (Windows: `%LOCALAPPDATA%\keyless`).
 * A relative `$XDG_CACHE_HOME` is ignored, as the XDG spec says.
 */
export function cacheDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME, env) : ''
  if (xdg && isAbsolute(xdg)) return join(xdg, 'keyless')
  // Windows keeps per-machine caches in %LOCALAPPDATA% (not roamed to other machines, unlike the profile).
  if (platform === 'win32' && env.LOCALAPPDATA && win32.isAbsolute(env.LOCALAPPDATA)) return win32.join(env.LOCALAPPDATA, 'keyless')
  return join(homeDir(env, platform), '.cache', 'keyless')
}

/**
 * The one check of keyless's cache directory, used by every reader and writer of it (accounts cache, locks,
 * the config-file lock): creates it (and missing parents) 0700; refuses one that is not a directory or belongs
 * to another user; brings a looser mode back to 0700, unless while it was writable by others someone else put a
 * file in it (a planted listing or lock): then it refuses, naming the file. `sub` (e.g. `locks`) is checked the
 * same way inside it. Returns the checked path.
 */
export function ensureCacheDir(env: Env = process.env, sub?: string): string {
  const dir = cacheDir(env)
  checkOwnDir(dir, env)
  if (!sub) return dir
  const inner = join(dir, sub)
  checkOwnDir(inner, env)
  return inner
}

function checkOwnDir(dir: string, env: Env): void {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const st = statSync(dir)
  const shown = displayPath(dir, env)
  if (!st.isDirectory()) {
    throw new KeylessError(`${shown} is not a directory`, `remove it, or set XDG_CACHE_HOME elsewhere`)
  }
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid) {
    throw new KeylessError(`${shown} belongs to another user (uid ${st.uid})`, `run: sudo chown -R ${uid} ${dir}`)
  }
  if (process.platform === 'win32' || (st.mode & 0o777) === 0o700) return
  if (uid !== undefined && st.mode & 0o022) {
    for (const name of readdirSync(dir)) {
      const entry = lstatSync(join(dir, name), {throwIfNoEntry: false})
      if (entry && entry.uid !== uid) {
        throw new KeylessError(
          `${shown} is writable by other users and holds ${name}, which belongs to uid ${entry.uid}`,
          `run: rm -rf ${join(dir, name)} && chmod 700 ${dir}`,
        )
      }
    }
  }
  chmodSync(dir, 0o700)
}

/**
 * A path as shown to users: the home directory becomes `~` (`~/.aws/config`). On Windows the home is matched as
 * the file system matches it, whatever the case and separators (`c:/users/me` is `C:\Users\Me`), and the rest
 * keeps backslashes (`~\.aws\credentials`, which PowerShell reads as it is).
 */
export function displayPath(path: string, env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = homeDir(env, platform)
  if (!home) return path
  const windows = platform === 'win32'
  const separator = windows ? '\\' : sep
  const norm = (p: string) => (windows ? p.replace(/\//g, '\\').toLowerCase() : p)
  const h = norm(home).replace(/[\\/]+$/, '')
  const p = norm(path)
  if (p === h) return '~'
  if (!p.startsWith(h + separator)) return path
  const rest = path.slice(home.replace(/[\\/]+$/, '').length).replace(/^[\\/]+/, '')
  return `~${separator}${windows ? rest.replace(/\//g, '\\') : rest}`
}
