import type {Writable} from 'node:stream'

import {terminalSafeJson} from '../errors.js'
import {type KeylessProfiles, ProfileFinding} from './keyless-profiles.js'
import type {Finding} from './types.js'

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
 * `{"findings": [...]}` at the same indentation, so the pieces joined are the whole document's text; a keyless
 * profile's finding is that same text filled in from a template (profileTemplate). A value without findings first
 * is one piece.
 */
export function* reportJsonPieces(value: unknown): Generator<string> {
  for (const piece of pieces(value)) yield piece.text
}

/** ASCII only: no character past 0x7f. */
const ASCII = /^[\0-\x7f]*$/

/** reportJsonPieces's pieces, each saying whether it is all ASCII (known as it is made, not searched for after). */
function* pieces(value: unknown): Generator<{text: string; ascii: boolean}> {
  const findings = (value as {findings?: unknown} | null)?.findings
  const shell = Array.isArray(findings) && findings.length > 0 ? terminalSafeJson({...(value as object), findings: []}) : ''
  // The document without its findings: what follows the findings array (the summary, what --fix did).
  const empty = `${OPEN}]`
  if (!Array.isArray(findings) || !shell.startsWith(empty)) {
    const text = terminalSafeJson(value) + '\n'
    yield {text, ascii: ASCII.test(text)}
    return
  }
  const templates = new Map<KeylessProfiles, Template | undefined>()
  for (let from = 0; from < findings.length; from += FINDINGS_PER_PIECE) {
    // `{\n  "findings": [\n` + the findings, one per element, joined by `,\n` + `\n  ]\n}`.
    let piece = from === 0 ? `${OPEN}\n` : ',\n'
    let ascii = true
    const to = Math.min(findings.length, from + FINDINGS_PER_PIECE)
    for (let n = from; n < to;) {
      if (n > from) piece += ',\n'
      const item = findings[n] as unknown
      if (item instanceof ProfileFinding) {
        if (!templates.has(item.profiles)) templates.set(item.profiles, profileTemplate(item.profiles))
        const template = templates.get(item.profiles)
        const text = fill(template, item)
        piece += text.text
        ascii &&= text.ascii
        n++
        continue
      }
      // The other findings up to the next keyless profile: the serialiser's text of them, as they are.
      let end = n + 1
      while (end < to && !(findings[end] instanceof ProfileFinding)) end++
      const text = terminalSafeJson({findings: findings.slice(n, end)})
      piece += text.slice(OPEN.length + 1, text.length - CLOSE.length)
      ascii &&= ASCII.test(text)
      n = end
    }
    yield {text: piece, ascii}
  }
  const last = `\n  ]${shell.slice(empty.length)}\n`
  yield {text: last, ascii: ASCII.test(last)}
}

/** What marks a profile's name and its line in the template: no path holds a NUL, no finding's words either. */
const NAME_MARK = '\u0000'
const LINE_MARK = 2_147_483_647
const MARKS = new RegExp(`\\\\u0000|${LINE_MARK}`)

/**
 * A keyless profile's finding as the serialiser writes it in the findings array, cut where its line and its name go:
 * `head` LINE `afterLine` NAME (its place) `afterName` NAME (its title) `tail`; written once with marks for them.
 * The finding is the same for every profile of the file but for those (severity.ts's rule; the property test in
 * test/unit/audit-large-config.test.ts holds the filled-in text against the serialiser's). It is checked against
 * the serialiser on the first profile; where it differs, is cut otherwise, or the file's name holds a mark, each
 * profile is the serialiser's (no template).
 */
function profileTemplate(profiles: KeylessProfiles): Template | undefined {
  if (MARKS.test(terminalSafeJson(profiles.file))) return undefined
  const marked = serialised(profiles.findingOf(LINE_MARK, NAME_MARK))
  const [head, afterLine, afterName, tail, ...more] = marked.split(MARKS)
  if (more.length > 0 || tail === undefined || !marked.startsWith(`${head}${LINE_MARK}${afterLine}\\u0000`)) return undefined
  const template = {head, afterLine, afterName, tail, ascii: ASCII.test(marked)} as Template
  return fill(template, profiles.item(0)).text === serialised(profiles.finding(0)) ? template : undefined
}

/** A keyless profile's finding's text, cut at its line and its name (twice). */
interface Template {
  head: string
  afterLine: string
  afterName: string
  tail: string
  /** The text but the name is ASCII. */
  ascii: boolean
}

/** Printable ASCII but `"` and `\`: a JSON string's text as it is. */
const PLAIN = /^[ !#-[\]-~]*$/

/** The keyless profile's finding's text: the template filled in (one expression: this runs 3,000 times, cold). */
function fill(template: Template | undefined, item: ProfileFinding): {text: string; ascii: boolean} {
  if (!template) {
    const text = serialised(item.toJSON())
    return {text, ascii: ASCII.test(text)}
  }
  const name = item.profiles.profile(item.index)
  const plain = PLAIN.test(name)
  const escaped = plain ? name : terminalSafeJson(name).slice(1, -1)
  const line = String(item.profiles.line(item.index))
  const text = template.head + line + template.afterLine + escaped + template.afterName + escaped + template.tail
  return {text, ascii: template.ascii && (plain || ASCII.test(escaped))}
}

/** One finding's text in the findings array. */
function serialised(finding: Finding): string {
  const text = terminalSafeJson({findings: [finding]})
  return text.slice(OPEN.length + 1, text.length - CLOSE.length)
}

/**
 * Writes the --json report, a piece at a time as the reader takes it, and resolves once the last piece is with the
 * operating system. With 3,000 profiles the report is 1.5 MB: written at once it was one 1.5 MB string, its escaped
 * copy and a 1.5 MB buffer (fresh memory a cold process pays for page by page) queued behind a 64 KB pipe, and an
 * exit right after it (exit 3) cut the output at the first 64 KB. Resolves too when the reader has gone (the pipe
 * closed): there is no one left to tell.
 */
export async function writeReportJson(value: unknown, out: Writable): Promise<void> {
  let last: {text: string; ascii: boolean} | undefined
  for (const piece of pieces(value)) {
    if (last !== undefined && !out.write(last.text, encodingOf(last))) {
      if (out.destroyed) return
      await drained(out)
      if (out.destroyed) return
    }
    last = piece
  }
  await new Promise<void>((resolve) => out.write(last?.text ?? '', encodingOf(last), () => resolve()))
}

/**
 * ASCII text (nearly every piece) is its own UTF-8: written as latin1 it is copied as it is, where UTF-8 is encoded
 * into a buffer three times its length.
 */
const encodingOf = (piece: {ascii: boolean} | undefined): BufferEncoding => (piece?.ascii ? 'latin1' : 'utf8')

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
