import {writeSync} from 'node:fs'

/**
 * Writes all of text to the file descriptor with write(2), waiting out a full non-blocking pipe (EAGAIN); throws what
 * write(2) throws otherwise (EPIPE: the reader is gone). Not process.stdout: on a pipe (how the AWS tools run
 * credential-process) that stream is a net.Socket, and creating it loads node:net and node:stream, several
 * milliseconds of every AWS call.
 */
export function writeAll(fd: number, text: string): void {
  let rest = Buffer.from(text)
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    }
  }
}
