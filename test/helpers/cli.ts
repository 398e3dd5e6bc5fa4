import {spawn} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const KEYLESS_BIN = join(ROOT, 'bin', 'run.js')

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env: NodeJS.ProcessEnv
  /** Working directory (default: this process's). */
  cwd?: string
  input?: string
  timeoutMs?: number
  /** Called with the child once it is spawned (to send signals, read its pid). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void
  /** Called with each stderr chunk as it arrives (to react to a printed user code). */
  onStderr?: (text: string, all: string) => void
}

/** Runs the built keyless (bin/run.js) as a user would: a separate process, real stdio. */
export function runKeyless(args: string[], options: RunOptions): Promise<RunResult> {
  return runProcess(process.execPath, [KEYLESS_BIN, ...args], options)
}

export function runProcess(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString()
      stderr += text
      options.onStderr?.(text, stderr)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
    options.onSpawn?.(child)
    child.stdin.end(options.input ?? '')
  })
}
