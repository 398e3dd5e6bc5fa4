import {constants, statSync} from 'node:fs'
import {access} from 'node:fs/promises'
import {posix, win32} from 'node:path'

/**
 * How the platform's shell finds a command (PRODUCT.md section 14): on Windows through PATHEXT (`cdk` is
 * `cdk.cmd`, X_OK means nothing there), elsewhere through PATH and the execute bit. The platform and the file
 * checks come in as parameters so that every branch has a unit test on any machine.
 */

/** cmd.exe's default when PATHEXT is unset. */
const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD'

export interface CommandLookup {
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  /** Whether a path is a file this platform would run (default: a regular file, executable outside Windows). */
  runnable?: (path: string) => Promise<boolean>
  /** Directory a relative path or an empty PATH entry means (default: process.cwd()). */
  cwd?: string
}

/** PATHEXT as a list of lower-case extensions (`.com`, `.exe`, ...). */
export function pathExtensions(env: NodeJS.ProcessEnv = process.env): string[] {
  const value = pathExtValue(env) || DEFAULT_PATHEXT
  return value
    .split(';')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e.startsWith('.'))
}

/** Windows' environment is case-insensitive: `Path`, `PATH` and `PathExt` are the same variable. */
export function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name]
  const key = Object.keys(env).find((k) => k.toUpperCase() === name)
  return key === undefined ? undefined : env[key]
}

function pathExtValue(env: NodeJS.ProcessEnv): string | undefined {
  return envValue(env, 'PATHEXT', 'win32')
}

/** A batch file: Node.js runs it only through cmd.exe (spawning one without a shell throws EINVAL since CVE-2024-27980). */
export function isBatchFile(path: string): boolean {
  return /\.(cmd|bat)$/i.test(path)
}

function defaultRunnable(platform: NodeJS.Platform): (path: string) => Promise<boolean> {
  return async (path) => {
    const st = statSync(path, {throwIfNoEntry: false})
    if (!st?.isFile()) return false
    if (platform === 'win32') return true
    return access(path, constants.X_OK).then(
      () => true,
      () => false,
    )
  }
}

/**
 * The file the platform's shell would run for `command`, or undefined. A name with a directory part is taken as a
 * path; a bare name is searched on PATH. On Windows a name without an extension from PATHEXT is tried with each of
 * them in order (cmd.exe's rule), and one that has such an extension is tried as it is too.
 */
export async function findCommand(command: string, lookup: CommandLookup = {}): Promise<string | undefined> {
  const platform = lookup.platform ?? process.platform
  const env = lookup.env ?? process.env
  const runnable = lookup.runnable ?? defaultRunnable(platform)
  const path = platform === 'win32' ? win32 : posix
  const cwd = lookup.cwd ?? process.cwd()
  const hasDir = platform === 'win32' ? /[\\/]/.test(command) || /^[a-z]:/i.test(command) : command.includes('/')
  const candidates = (base: string): string[] => {
    if (platform !== 'win32') return [base]
    const exts = pathExtensions(env)
    const own = path.extname(base).toLowerCase()
    return exts.includes(own) ? [base, ...exts.map((e) => base + e)] : exts.map((e) => base + e)
  }
  const dirs = hasDir
    ? ['']
    : (envValue(env, 'PATH', platform) ?? '')
        .split(platform === 'win32' ? ';' : ':')
        .map((d) => (platform === 'win32' ? d.replace(/^"(.*)"$/, '$1') : d))
        .filter(Boolean)
  // cmd.exe looks in the current directory before PATH; the AWS tools run with the caller's, which keyless
  // cannot know: a bare name is checked on PATH only.
  for (const dir of dirs) {
    const base = hasDir ? path.resolve(cwd, command) : path.join(dir, command)
    for (const candidate of candidates(base)) if (await runnable(candidate)) return candidate
  }
  return undefined
}
