import {type ChildProcess, spawn} from 'node:child_process'
import {constants} from 'node:os'

import {KeylessError, printable} from '../errors.js'

/** Exit codes of a shell for a command it could not run (POSIX: 127 not found, 126 not executable). */
export const EXIT_NOT_FOUND = 127
export const EXIT_NOT_EXECUTABLE = 126

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
 */
export function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    // The handlers go in before the spawn: spawn returns once the command runs, and a signal that came between the
    // two (the command already started, a busy machine) would have killed keyless and orphaned the command.
    // A handler runs on the event loop, after this synchronous function: the child is always there by then.
    const running: {child?: ChildProcess} = {}
    const handlers = FORWARDED.map((signal) => {
      const handler = () => {
        const child = running.child
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
      child = running.child = spawn(command, args, {stdio: 'inherit', env})
    } catch (error) {
      done()
      throw error
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      done()
      const name = printable(command).slice(0, 200)
      if (error.code === 'ENOENT') {
        reject(
          new KeylessError(`command not found: ${name}`, 'check its name and your PATH (exec runs it without a shell)', EXIT_NOT_FOUND),
        )
      } else if (error.code === 'EACCES' || error.code === 'EISDIR' || error.code === 'ENOEXEC') {
        reject(
          new KeylessError(
            `cannot run ${name}: not an executable (${error.code})`,
            `run: chmod +x ${name}, or name the interpreter`,
            EXIT_NOT_EXECUTABLE,
          ),
        )
      } else {
        reject(new KeylessError(`cannot run ${name}: ${printable(error.message)}`, 'check the command line', EXIT_NOT_EXECUTABLE))
      }
    })
    child.once('exit', (code, signal) => {
      done()
      resolve(exitCodeOf(code, signal))
    })
  })
}
