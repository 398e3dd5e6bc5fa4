import {type ChildProcess, spawn} from 'node:child_process'
import {createRequire} from 'node:module'
import {constants} from 'node:os'

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** The exit code a shell reports for a child that ended this way: its code, or 128+N for signal N. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0)
  return code ?? 1
}

/**
 * Runs the command without a shell, with this process's stdin, stdout and stderr, and resolves with its exit code.
 * SIGTERM and SIGHUP are passed on to it; SIGINT too, except when stdin is a terminal: there Ctrl-C already reaches
 * the whole foreground process group, the child included, and a second SIGINT would make tools such as terraform
 * abandon their graceful stop. keyless itself keeps running until the child has ended.
 *
 * Windows: the command is found as cmd.exe finds it (PATHEXT: `cdk` is `cdk.cmd`), and a batch file runs through
 * cmd.exe with its arguments escaped for it (cross-spawn; Node.js refuses to spawn one without a shell since
 * CVE-2024-27980). No signal is passed on there: child.kill() ends a Windows process at once, like SIGKILL
 * (terraform apply mid-write), while the console already delivers Ctrl-C and its closing to the child itself.
 */
export function runChild(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<number> {
  return new Promise((resolve, reject) => {
    // The handlers go in before the spawn: spawn returns once the command runs, and a signal that came between the
    // two (the command already started, a busy machine) would have killed keyless and orphaned the command.
    // A handler runs on the event loop, after this synchronous function: the child is always there by then.
    const running: {child?: ChildProcess} = {}
    const handlers = FORWARDED.map((signal) => {
      const handler = () => {
        const child = running.child
        if (platform === 'win32') return
        if (signal === 'SIGINT' && process.stdin.isTTY) return
        if (child && child.exitCode === null && child.signalCode === null) child.kill(signal)
      }
      process.on(signal, handler)
      return [signal, handler] as const
    })
    const done = () => {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler)
    }
    let child: ChildProcess
    try {
      child = running.child = (platform === 'win32' ? windowsSpawn() : spawn)(command, args, {stdio: 'inherit', env})
    } catch (error) {
      done()
      throw error
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      done()
      // Loaded only on this path: it looks at what the system found there, to say what is wrong in one line.
      import('./spawn-error.js').then(({spawnFailure}) => reject(spawnFailure(command, error, env)), reject)
    })
    child.once('exit', (code, signal) => {
      done()
      resolve(exitCodeOf(code, signal))
    })
  })
}

/** cross-spawn, loaded only on Windows (elsewhere the plain spawn is all exec needs, and costs nothing to load). */
function windowsSpawn(): typeof spawn {
  return createRequire(import.meta.url)('cross-spawn') as typeof spawn
}
