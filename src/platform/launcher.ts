import {spawnSync} from 'node:child_process'
import {resolve} from 'node:path'

/**
 * How the AWS tools start keyless: the first words of every credential_process line keyless writes
 * (PRODUCT.md sections 5 and 14).
 *
 * Linux and macOS: the absolute path of bin/run.js, double-quoted (every tool there runs it through its `#!`).
 * Windows: a `.js` file is not a program. botocore splits the line with its Windows rules and starts it without a
 * shell (CreateProcess adds `.exe` and nothing else); the Go SDK and Terraform run `cmd.exe /C <line>` with Go's
 * quoting, which turns every `"` of the line into `\"` that cmd.exe then misreads (aws-sdk-go-v2#3208); the JS SDK
 * runs it with child_process.exec (`cmd.exe /d /s /c "<line>"`). The one line all three start is `node.exe run.js
 * ...` with no quote at all: both paths absolute, in their 8.3 short form when they hold a space.
 */
export interface LauncherInput {
  platform?: NodeJS.Platform
  /** The running Node.js (process.execPath). */
  execPath?: string
  /** The running keyless script (process.argv[1]). */
  script?: string
  /** A Windows path's 8.3 short form (default: asks cmd.exe), or undefined when there is none. */
  shortPath?: (path: string) => string | undefined
}

export interface Launcher {
  /** The words, unquoted. */
  parts: string[]
  /** Why some AWS tool cannot start this line, or undefined. */
  warning?: string
}

export function defaultLauncher(input: LauncherInput = {}): Launcher {
  const platform = input.platform ?? process.platform
  const script = input.script ?? process.argv[1] ?? 'keyless'
  if (platform !== 'win32') return {parts: [resolve(script)]}
  const shortPath = input.shortPath ?? windowsShortPath
  const parts = [input.execPath ?? process.execPath, script].map((p) => (/\s/.test(p) ? (shortPath(p) ?? p) : p))
  const spaced = parts.filter((p) => /\s/.test(p))
  return {
    parts,
    warning:
      spaced.length > 0
        ? `${spaced.join(' and ')} ${spaced.length === 1 ? 'has' : 'have'} a space and no 8.3 short name: the Go SDK and Terraform cannot start the profiles (aws-sdk-go-v2#3208); install Node.js and keyless under paths without spaces, or pass --command with such a path`
        : undefined,
  }
}

/** A Windows path's 8.3 short form, as cmd.exe's `%~s` gives it; undefined when the volume has none. */
export function windowsShortPath(path: string): string | undefined {
  if (/["%^&|<>]/.test(path)) return undefined
  const result = spawnSync(process.env.ComSpec || 'cmd.exe', ['/d', '/c', `for %I in ("${path}") do @echo %~sI`], {
    encoding: 'utf8',
    windowsVerbatimArguments: true,
    windowsHide: true,
  })
  const short = result.status === 0 ? result.stdout.trim() : ''
  return short && !/\s/.test(short) ? short : undefined
}
