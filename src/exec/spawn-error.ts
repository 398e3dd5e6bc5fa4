import {closeSync, openSync, readSync, statSync, type Stats} from 'node:fs'
import {delimiter, isAbsolute, join, resolve} from 'node:path'

import {KeylessError, printable} from '../errors.js'

/** Exit codes of a shell for a command it could not run (POSIX: 127 not found, 126 not executable). */
export const EXIT_NOT_FOUND = 127
export const EXIT_NOT_EXECUTABLE = 126

/** The file the system tried to run: the path as given when it has a slash, else the first PATH entry holding it. */
function resolveCommand(command: string, env: NodeJS.ProcessEnv, cwd: string): {path: string; stat: Stats} | undefined {
  const stat = (path: string) => statSync(path, {throwIfNoEntry: false})
  if (command.includes('/') || (process.platform === 'win32' && command.includes('\\'))) {
    const path = isAbsolute(command) ? command : resolve(cwd, command)
    const found = stat(path)
    return found ? {path, stat: found} : undefined
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const path = join(dir || cwd, command)
    const found = stat(path)
    if (found) return {path, stat: found}
  }
  return undefined
}

/** The `#!` line of a script (its first 256 bytes), for "its interpreter does not exist". */
function shebang(path: string): string | undefined {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const buffer = Buffer.alloc(256)
    const head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8')
    return head.startsWith('#!') ? head.slice(2).split('\n')[0]!.trim() : undefined
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * The one line for a command exec could not start, saying what the system found there: nothing (not on PATH, or
 * no such file), a directory, a file without execute permission, a script whose `#!` interpreter is missing, a
 * file of another format. Only on the failure path: stats the file the system tried, reads a script's first line.
 */
export function spawnFailure(command: string, error: NodeJS.ErrnoException, env: NodeJS.ProcessEnv, cwd = process.cwd()): KeylessError {
  const name = printable(command).slice(0, 200)
  const found = resolveCommand(command, env, cwd)
  const hasPath = command.includes('/') || (process.platform === 'win32' && command.includes('\\'))
  if (found?.stat.isDirectory() || error.code === 'EISDIR') {
    return new KeylessError(
      `cannot run ${name}: it is a directory`,
      'name the program to run after --, e.g. -- ./bin/tool',
      EXIT_NOT_EXECUTABLE,
    )
  }
  if (error.code === 'ENOENT') {
    const interpreter = found ? shebang(found.path) : undefined
    if (found && interpreter !== undefined) {
      const program = printable(interpreter).slice(0, 120)
      return new KeylessError(
        `cannot run ${name}: its interpreter (#!${program}) does not exist`,
        "install it, or correct the script's first line",
        EXIT_NOT_FOUND,
      )
    }
    if (found) {
      // There, but the system found nothing to run it with: an ELF file whose loader or libraries are missing.
      return new KeylessError(
        `cannot run ${name}: the system could not load it (a missing dynamic loader or library?)`,
        'check that it was built for this machine',
        EXIT_NOT_FOUND,
      )
    }
    if (hasPath) return new KeylessError(`no such file: ${name}`, 'check the path', EXIT_NOT_FOUND)
    return new KeylessError(`command not found: ${name}`, 'check its name and your PATH (exec runs it without a shell)', EXIT_NOT_FOUND)
  }
  if (error.code === 'EACCES') {
    const path = printable(found?.path ?? command).slice(0, 200)
    if (found && (found.stat.mode & 0o111) === 0) {
      return new KeylessError(
        `cannot run ${name}: it is not executable`,
        `run: chmod +x ${path}, or name its interpreter (-- sh ${path})`,
        EXIT_NOT_EXECUTABLE,
      )
    }
    return new KeylessError(
      `cannot run ${name}: permission denied`,
      'check that you may execute it (its mode, or a noexec mount), or name its interpreter',
      EXIT_NOT_EXECUTABLE,
    )
  }
  if (error.code === 'ENOEXEC') {
    return new KeylessError(
      `cannot run ${name}: it is not a program this system can run (exec format error)`,
      'check that it was built for this machine, or name its interpreter',
      EXIT_NOT_EXECUTABLE,
    )
  }
  return new KeylessError(`cannot run ${name}: ${printable(error.message)}`, 'check the command line', EXIT_NOT_EXECUTABLE)
}
