import {fstatSync, writeSync} from 'node:fs'
import type {Writable} from 'node:stream'

/** What a pipe holds on Linux: a chunk the reader can take in one read. */
export const CHUNK_BYTES = 64 * 1024

/**
 * One buffer of output, filled from its start and handed over when full: the same 64 KB for the whole output where
 * it goes straight to a file descriptor. A fresh process pays for memory it touches for the first time and for
 * garbage it makes; 1.5 MB of strings and buffers for a 1.5 MB report cost it more than printing them did.
 */
export class Chunk {
  buffer: Buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES)
  length = 0

  get room(): number {
    return this.buffer.length - this.length
  }

  /** Bytes that fit (room checked by the caller). */
  set(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.length)
    this.length += bytes.length
  }

  /** ASCII text that fits (room checked by the caller): latin1 copies each character as its byte. */
  ascii(text: string): void {
    this.length += latin1Write.call(this.buffer, text, this.length)
  }

  /** Any text of at most room / 3 UTF-16 code units (the most UTF-8 bytes one unit makes). */
  text(text: string): void {
    this.length += utf8Write.call(this.buffer, text, this.length)
  }
}

/** A Buffer method writing text at an offset, returning the bytes written. */
type Writer = (this: Buffer, text: string, offset: number) => number

/**
 * Buffer's own writers, under the argument checks `buffer.write(text, offset, encoding)` makes on every call: 6,000
 * short names through those cost 10-20 ms in a cold process, through these 1 ms. Where a Node.js has none, write.
 */
const own = Buffer.prototype as unknown as Partial<Record<'latin1Write' | 'utf8Write', Writer>>
export const latin1Write: Writer =
  own.latin1Write ??
  function (this: Buffer, text: string, offset: number) {
    return this.write(text, offset, 'latin1')
  }
const utf8Write: Writer =
  own.utf8Write ??
  function (this: Buffer, text: string, offset: number) {
    return this.write(text, offset, 'utf8')
  }

/**
 * Fills a chunk as `fill` yields it full and hands each one to `out`; resolves once the last byte is with the
 * operating system (an exit right after, exit 3, cuts nothing), or once the reader has gone (EPIPE: there is no one
 * left to tell, and nothing to say on stderr).
 *
 * Where `out` is a pipe, a socket or a file (stdout's usual places; not a terminal, not Windows), each chunk goes to
 * its file descriptor with writeSync, from the one reused buffer: no copy queued in the stream, no callback to wait
 * for. Node.js makes stdout's pipe non-blocking: when it is full (EAGAIN) the rest of that chunk goes through the
 * stream, which waits until the reader takes it, and writeSync goes on after it. Anything else (a terminal, a stream
 * without a descriptor) gets each chunk through the stream, in a buffer of its own, as fast as the reader takes them.
 */
export async function writeChunks(fill: (chunk: Chunk) => Generator<void>, out: Writable, platform = process.platform): Promise<void> {
  const chunk = new Chunk()
  const fd = descriptorOf(out, platform)
  // A failed write is the reader gone: what it says is handled here, not thrown by an unheard 'error' event.
  const quiet = () => {}
  out.on('error', quiet)
  try {
    const it = fill(chunk)
    for (let done = false; !done;) {
      done = it.next().done === true
      if (chunk.length === 0) continue
      const gone = fd === undefined ? await toStream(out, chunk, done) : await toDescriptor(fd, out, chunk)
      if (gone) return
    }
  } finally {
    out.off('error', quiet)
  }
}

/** stdout's file descriptor where writeSync may write to it: a pipe, a socket or a file, not a terminal. */
function descriptorOf(out: Writable, platform: NodeJS.Platform): number | undefined {
  const {fd, isTTY} = out as {fd?: unknown; isTTY?: boolean}
  // Windows' pipes are not POSIX pipes (writeSync to them is another story): its stream knows how to write them.
  if (platform === 'win32' || typeof fd !== 'number' || isTTY) return undefined
  try {
    const stat = fstatSync(fd)
    return stat.isFIFO() || stat.isSocket() || stat.isFile() ? fd : undefined
  } catch {
    return undefined
  }
}

/** The chunk with the operating system (the buffer free again); true when the reader has gone. */
async function toDescriptor(fd: number, out: Writable, chunk: Chunk): Promise<boolean> {
  const {buffer, length} = chunk
  chunk.length = 0
  if (out.writableLength > 0 && (await drained(out))) return true
  for (let from = 0; from < length;) {
    try {
      from += writeSync(fd, buffer, from, length - from)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') return true
      if (code !== 'EAGAIN') throw error
      // The pipe is full and non-blocking: the stream waits for the reader, and the buffer is free once it is written.
      return written(out, buffer.subarray(from, length))
    }
  }
  return false
}

/** The chunk in a buffer of its own to the stream, waiting while the stream holds more than a chunk. */
async function toStream(out: Writable, chunk: Chunk, last: boolean): Promise<boolean> {
  const bytes = chunk.buffer.subarray(0, chunk.length)
  chunk.buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES)
  chunk.length = 0
  if (last) return written(out, bytes)
  return out.write(bytes) ? out.destroyed : drained(out)
}

/** Resolves once `bytes` are written: true when they could not be (the reader has gone). */
function written(out: Writable, bytes: Uint8Array): Promise<boolean> {
  if (out.destroyed) return Promise.resolve(true)
  return new Promise((resolve) => out.write(bytes, (error) => resolve(Boolean(error) || out.destroyed)))
}

/** The stream's buffer is empty again (false), or the stream takes nothing more (true: closed, failed). */
function drained(out: Writable): Promise<boolean> {
  if (out.destroyed) return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (gone: boolean) => {
      out.off('drain', drain)
      out.off('close', closed)
      out.off('error', closed)
      resolve(gone || out.destroyed)
    }
    const drain = () => done(false)
    const closed = () => done(true)
    out.on('drain', drain)
    out.on('close', closed)
    out.on('error', closed)
  })
}
