import {spawnSync} from 'node:child_process'
import {realpathSync} from 'node:fs'
import {resolve} from 'node:path'

/**
 * How the AWS tools start keyless: the first words of every credential_process line keyless writes
 * (PRODUCT.md sections 5 and 14).
 *
 * Linux: the absolute path of bin/run.js, double-quoted (every tool there runs it through its `#!`). macOS: node's
 * path then run.js's, both double-quoted (see macLauncher).
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
  /** macOS: the `node` on PATH and where Homebrew and the installer put one, as candidates for a stable path. */
  nodeCandidates?: string[]
  /** A path with its symlinks resolved (default: fs.realpathSync), undefined when it does not exist. */
  realPath?: (path: string) => string | undefined
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
  if (platform === 'darwin') return macLauncher(resolve(script), input)
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

/**
 * A path that names one version of Node.js (or of a package installed under it): nvm, fnm, asdf, mise, volta,
 * n, and Homebrew's Cellar (`brew upgrade node` removes the old one).
 */
const VERSIONED =
  /\/(Cellar\/node[^/]*|\.nvm\/versions|fnm(_multishells)?|\.fnm|\.asdf\/installs|mise\/installs|\.volta\/tools\/image|n\/versions)\//

/**
 * macOS: a GUI app started by launchd has PATH=/usr/bin:/bin:/usr/sbin:/sbin, so run.js's `#!/usr/bin/env node`
 * finds no node: the line names node itself, by a path that stays when Node.js is upgraded (Homebrew's
 * /opt/homebrew/bin/node rather than its Cellar path) when one leads to the running node. When only a versioned
 * path does (nvm, fnm, asdf), the line uses it and the sync warns.
 */
function macLauncher(script: string, input: LauncherInput): Launcher {
  const execPath = input.execPath ?? process.execPath
  const realPath = input.realPath ?? defaultRealPath
  const pathDirs = (process.env.PATH ?? '').split(':').filter(Boolean)
  const candidates = input.nodeCandidates ?? [...pathDirs.map((d) => `${d}/node`), '/opt/homebrew/bin/node', '/usr/local/bin/node']
  const running = realPath(execPath) ?? execPath
  const stable = VERSIONED.test(execPath)
    ? candidates.find((c) => c.startsWith('/') && !VERSIONED.test(c) && realPath(c) === running)
    : execPath
  const node = stable ?? execPath
  const versioned = [...(stable ? [] : [node]), ...(VERSIONED.test(script) ? [script] : [])]
  return {
    parts: [node, script],
    warning:
      versioned.length > 0
        ? `${versioned.join(' and ')} ${versioned.length === 1 ? 'belongs' : 'belong'} to one Node.js version: the profiles stop working when it is removed or switched (nvm, fnm, asdf, brew upgrade); run keyless profiles sync again after such a change, or install Node.js and keyless at a fixed path (e.g. Homebrew's /opt/homebrew/bin)`
        : undefined,
  }
}

function defaultRealPath(path: string): string | undefined {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}
