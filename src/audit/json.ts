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
  const findings = (value as {findings?: unknown} | null)?.findings
  const shell = Array.isArray(findings) && findings.length > 0 ? terminalSafeJson({...(value as object), findings: []}) : ''
  // The document without its findings: what follows the findings array (the summary, what --fix did).
  const empty = `${OPEN}]`
  if (!Array.isArray(findings) || !shell.startsWith(empty)) {
    yield terminalSafeJson(value) + '\n'
    return
  }
  const templates = new Map<KeylessProfiles, Array<string | number>>()
  for (let from = 0; from < findings.length; from += FINDINGS_PER_PIECE) {
    // `{\n  "findings": [\n` + the findings, one per element, joined by `,\n` + `\n  ]\n}`.
    let piece = from === 0 ? `${OPEN}\n` : ',\n'
    const to = Math.min(findings.length, from + FINDINGS_PER_PIECE)
    for (let n = from; n < to;) {
      if (n > from) piece += ',\n'
      const item = findings[n] as unknown
      if (item instanceof ProfileFinding) {
        let template = templates.get(item.profiles)
        if (!template) templates.set(item.profiles, (template = profileTemplate(item.profiles)))
        piece += fill(template, item)
        n++
        continue
      }
      // The other findings up to the next keyless profile: the serialiser's text of them, as they are.
      let end = n + 1
      while (end < to && !(findings[end] instanceof ProfileFinding)) end++
      const text = terminalSafeJson({findings: findings.slice(n, end)})
      piece += text.slice(OPEN.length + 1, text.length - CLOSE.length)
      n = end
    }
    yield piece
  }
  yield `\n  ]${shell.slice(empty.length)}\n`
}

/** What marks a profile's name and its line in the template: no path holds a NUL, no finding's words either. */
const NAME_MARK = '\u0000'
const LINE_MARK = 2_147_483_647
const MARKS = new RegExp(`(\\\\u0000|${LINE_MARK})`)
const LINE = 0
const NAME = 1

/**
 * A keyless profile's finding as the serialiser writes it in the findings array, cut where its line and its name go
 * (its place, its title): strings of text, and LINE or NAME; written once with marks for them. The finding is the
 * same for every profile of the file but for those (severity.ts's rule; the property test in
 * test/unit/audit-large-config.test.ts holds the filled-in text against the serialiser's). It is checked against
 * the serialiser on the first profile; where it differs, or the file's name holds a mark, each profile is the
 * serialiser's (an empty template).
 */
function profileTemplate(profiles: KeylessProfiles): Array<string | number> {
  if (MARKS.test(terminalSafeJson(profiles.file))) return []
  const parts = serialised(profiles.findingOf(LINE_MARK, NAME_MARK)).split(MARKS)
  const template = parts.map((part, n) => (n % 2 === 0 ? part : part === String(LINE_MARK) ? LINE : NAME))
  return fill(template, profiles.item(0)) === serialised(profiles.finding(0)) ? template : []
}

/** Printable ASCII but `"` and `\`: a JSON string's text as it is. */
const PLAIN = /^[ !#-[\]-~]*$/

function fill(template: Array<string | number>, item: ProfileFinding): string {
  if (template.length === 0) return serialised(item.toJSON())
  const name = item.profiles.profile(item.index)
  const escaped = PLAIN.test(name) ? name : terminalSafeJson(name).slice(1, -1)
  let text = ''
  for (const part of template) text += part === LINE ? String(item.profiles.line(item.index)) : part === NAME ? escaped : part
  return text
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
