import type {Writable} from 'node:stream'

import {terminalSafeJson} from '../errors.js'

/**
 * Findings per piece of the --json output: about 50 KB of text, less than a pipe holds (64 KB on Linux) and small
 * enough for memory the process already has.
 */
export const FINDINGS_PER_PIECE = 100

const OPEN = '{\n  "findings": ['
const CLOSE = '\n  ]\n}'

/**
 * The text of `keyless audit --json`, exactly `terminalSafeJson(value) + '\n'` (what every command prints), in pieces
 * of FINDINGS_PER_PIECE findings. Each piece is the same serialiser's output for its findings, cut out of
 * `{"findings": [...]}` at the same indentation, so the pieces joined are the whole document's text. A value without
 * findings first is one piece.
 */
export function* reportJsonPieces(value: unknown): Generator<string> {
  const findings = (value as {findings?: unknown} | null)?.findings
  const shell = Array.isArray(findings) && findings.length > 0 ? terminalSafeJson({...(value as object), findings: []}) : ''
  // The document without its findings: what follows the findings array (the summary, what --fix did).
  const empty = `${OPEN}]`
  if (!Array.isArray(findings) || !shell.startsWith(empty)) {
    yield terminalSafeJson(value) + '\n'
    return
  }
  for (let from = 0; from < findings.length; from += FINDINGS_PER_PIECE) {
    const piece = terminalSafeJson({findings: findings.slice(from, from + FINDINGS_PER_PIECE)})
    // `{\n  "findings": [\n` + the findings, one per element, joined by `,\n` + `\n  ]\n}`. The findings go out as
    // they are, a slice of the serialiser's text: joined to the separator first, they would be copied once more.
    yield from === 0 ? `${OPEN}\n` : ',\n'
    yield piece.slice(OPEN.length + 1, piece.length - CLOSE.length)
  }
  yield `\n  ]${shell.slice(empty.length)}\n`
}

/**
 * Writes the --json report, a piece at a time as the reader takes it, and resolves once the last piece is with the
 * operating system. With 3,000 profiles the report is 1.5 MB: written at once it was one 1.5 MB string, its escaped
 * copy and a 1.5 MB buffer (fresh memory a cold process pays for page by page) queued behind a 64 KB pipe, and an
 * exit right after it (exit 3) cut the output at the first 64 KB. Resolves too when the reader has gone (the pipe
 * closed): there is no one left to tell.
 */
export async function writeReportJson(value: unknown, out: Writable): Promise<void> {
  let last: string | undefined
  for (const piece of reportJsonPieces(value)) {
    if (last !== undefined && !out.write(last)) {
      if (out.destroyed) return
      await drained(out)
      if (out.destroyed) return
    }
    last = piece
  }
  await new Promise<void>((resolve) => out.write(last ?? '', () => resolve()))
}

/** The stream's buffer is empty again, or the stream takes nothing more (closed, failed). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done)
      out.off('close', done)
      out.off('error', done)
      resolve()
    }
    out.on('drain', done)
    out.on('close', done)
    out.on('error', done)
  })
}
