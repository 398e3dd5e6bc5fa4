import type {Writable} from 'node:stream'

import {terminalSafeJson} from '../errors.js'
import {Chunk, latin1Write, writeChunks} from './json-out.js'
import {type KeylessProfiles, ProfileFinding} from './keyless-profiles.js'
import type {Finding} from './types.js'

const OPEN = '{\n  "findings": ['
const CLOSE = '\n  ]\n}'

/**
 * The text of `keyless audit --json`, exactly `terminalSafeJson(value) + '\n'` (what every command prints), as its
 * UTF-8 bytes, in chunks of up to 64 KB (copies: for tests and tools; audit writes them with writeReportJson).
 */
export function reportJsonPieces(value: unknown): Buffer[] {
  const chunk = new Chunk()
  const pieces: Buffer[] = []
  const it = fillReport(value, chunk)
  for (let done = false; !done;) {
    done = it.next().done === true
    pieces.push(Buffer.from(chunk.buffer.subarray(0, chunk.length)))
    chunk.length = 0
  }
  return pieces
}

/**
 * Writes the --json report into one reused 64 KB buffer as the reader takes it (writeChunks), and resolves once the
 * last byte is with the operating system, or the reader has gone. With 3,000 profiles the report is 1.5 MB: written
 * at once it was one 1.5 MB string, its escaped copy and a 1.5 MB buffer (fresh memory a cold process pays for page
 * by page) queued behind a 64 KB pipe, and an exit right after it (exit 3) cut the output at the first 64 KB; then
 * it was 1.5 MB of 50 KB strings and buffers, for the garbage collector.
 */
export function writeReportJson(value: unknown, out: Writable, platform?: NodeJS.Platform): Promise<void> {
  return writeChunks((chunk) => fillReport(value, chunk), out, platform)
}

/** ASCII only: no character past 0x7f. */
const ASCII = /^[\0-\x7f]*$/

const OPEN_LINE = Buffer.from(`${OPEN}\n`)
const COMMA = Buffer.from(',\n')

/**
 * The document's bytes into `chunk`, yielding each time it is full (the caller empties it). `{\n  "findings": [\n` +
 * the findings, one per element, joined by `,\n` + `\n  ]` + what follows the findings array (the summary, what
 * --fix did) + `\n}\n`: each finding the serialiser's text of it at that indentation, a keyless profile's filled in
 * from a template (profileTemplate) straight into the buffer. A value without findings first is the serialiser's
 * text of it, whole.
 */
function* fillReport(value: unknown, chunk: Chunk): Generator<void> {
  const findings = (value as {findings?: unknown} | null)?.findings
  const shell = Array.isArray(findings) && findings.length > 0 ? terminalSafeJson({...(value as object), findings: []}) : ''
  // The document without its findings: what follows the findings array.
  const empty = `${OPEN}]`
  if (!Array.isArray(findings) || !shell.startsWith(empty)) {
    yield* put(chunk, terminalSafeJson(value) + '\n')
    return
  }
  const templates = new Map<KeylessProfiles, Template | undefined>()
  chunk.set(OPEN_LINE)
  for (let n = 0; n < findings.length;) {
    const item = findings[n] as unknown
    if (!(item instanceof ProfileFinding)) {
      // The other findings up to the next keyless profile: the serialiser's text of them, as they are.
      let end = n + 1
      while (end < findings.length && !(findings[end] instanceof ProfileFinding)) end++
      const text = terminalSafeJson({findings: findings.slice(n, end)})
      yield* put(chunk, (n > 0 ? ',\n' : '') + text.slice(OPEN.length + 1, text.length - CLOSE.length))
      n = end
      continue
    }
    if (!templates.has(item.profiles)) templates.set(item.profiles, profileTemplate(item.profiles))
    const template = templates.get(item.profiles)
    const end = template ? fillProfiles(findings, n, item.profiles, template, chunk) : n
    if (end > n) {
      n = end
      continue
    }
    // Not one more fits; or this file's profiles have no template; or a name is longer than a chunk holds.
    if (template && chunk.length > 0) {
      yield
      continue
    }
    yield* put(chunk, (n > 0 ? ',\n' : '') + fill(template, item))
    n++
  }
  yield* put(chunk, `\n  ]${shell.slice(empty.length)}\n`)
}

/**
 * The keyless profiles of one file from `findings[from]` on into the chunk, while they fit: the template's parts
 * with the line and the name (twice) between them. Returns the index of the first finding it did not write. Not
 * part of fillReport: V8 optimises a loop while it runs, not one in a generator.
 *
 * Where audit's scan read the file (its names plain ASCII, found in its text: KeylessProfiles.names), the loop calls
 * no function of ours, only the buffer's own copies: each function of ours it called per profile (the name, the
 * line, each write) ran 3,000 times, and V8 compiled each of them on another thread, which with 3,000 profiles cost
 * more than the writing did. Nor does it make a string of each finding (a rope of its pieces, copied flat to be
 * written): 1.6 MB of strings is fresh memory, which a new process pays for page by page (issue 22).
 */
function fillProfiles(findings: unknown[], from: number, profiles: KeylessProfiles, template: Template, chunk: Chunk): number {
  const names = profiles.names()
  if (!names) return fillEach(findings, from, profiles, template, chunk)
  const {text, spans} = names
  const [head, afterLine, afterName, tail] = template.parts
  // At most: the separator, the template's bytes and ten digits; then the name twice, one byte a character.
  const fixed = 2 + template.bytes + 10
  const {buffer} = chunk
  let at = chunk.length
  let n = from
  for (; n < findings.length; n++) {
    const item = findings[n]
    if (!(item instanceof ProfileFinding) || item.profiles !== profiles) break
    const k = 3 * item.index
    const name = text.slice(spans[k + 1], spans[k + 2])
    if (buffer.length - at < fixed + 2 * name.length) break
    if (n > 0) at += latin1Write.call(buffer, ',\n', at)
    buffer.set(head, at)
    at += latin1Write.call(buffer, String(spans[k]), at + head.length) + head.length
    buffer.set(afterLine, at)
    at += afterLine.length
    const nameAt = at
    at += latin1Write.call(buffer, name, at)
    buffer.set(afterName, at)
    at += afterName.length
    buffer.copyWithin(at, nameAt, nameAt + name.length)
    at += name.length
    buffer.set(tail, at)
    at += tail.length
  }
  chunk.length = at
  return n
}

/** fillProfiles for profiles the parser read: each name read and escaped as JSON needs. */
function fillEach(findings: unknown[], from: number, profiles: KeylessProfiles, template: Template, chunk: Chunk): number {
  const [head, afterLine, afterName, tail] = template.parts
  // At most: the separator, the template's bytes and ten digits; then the name twice, at 3 bytes a UTF-16 unit.
  const fixed = 2 + template.bytes + 10
  let n = from
  for (; n < findings.length; n++) {
    const item = findings[n]
    if (!(item instanceof ProfileFinding) || item.profiles !== profiles) break
    const name = profiles.profile(item.index)
    const plain = PLAIN.test(name)
    const escaped = plain ? name : terminalSafeJson(name).slice(1, -1)
    if (chunk.room < fixed + 6 * escaped.length) break
    if (n > 0) chunk.set(COMMA)
    chunk.set(head)
    chunk.ascii(String(profiles.line(item.index)))
    chunk.set(afterLine)
    if (plain) chunk.ascii(escaped)
    else chunk.text(escaped)
    chunk.set(afterName)
    if (plain) chunk.ascii(escaped)
    else chunk.text(escaped)
    chunk.set(tail)
  }
  return n
}

/** Any text into the chunk, yielding each time it is full. */
function* put(chunk: Chunk, text: string): Generator<void> {
  if (text.length * 3 <= chunk.room) {
    if (ASCII.test(text)) chunk.ascii(text)
    else chunk.text(text)
    return
  }
  const bytes = Buffer.from(text, 'utf8')
  for (let from = 0; ;) {
    const n = Math.min(chunk.room, bytes.length - from)
    chunk.set(bytes.subarray(from, from + n))
    from += n
    if (from === bytes.length) return
    yield
  }
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
  const text = [head, afterLine, afterName, tail] as [string, string, string, string]
  const parts = text.map((part) => Buffer.from(part)) as Template['parts']
  const template = {text, parts, bytes: parts.reduce((sum, part) => sum + part.length, 0)}
  return fill(template, profiles.item(0)) === serialised(profiles.finding(0)) ? template : undefined
}

/** A keyless profile's finding's text, cut at its line and its name (twice): head, afterLine, afterName, tail. */
interface Template {
  text: [string, string, string, string]
  /** The same, as UTF-8 bytes. */
  parts: [Buffer, Buffer, Buffer, Buffer]
  /** The parts' bytes together. */
  bytes: number
}

/** Printable ASCII but `"` and `\`: a JSON string's text as it is. */
const PLAIN = /^[ !#-[\]-~]*$/

/** The keyless profile's finding's text: the template filled in (what fillReport writes into its chunk). */
function fill(template: Template | undefined, item: ProfileFinding): string {
  if (!template) return serialised(item.toJSON())
  const name = item.profiles.profile(item.index)
  const escaped = PLAIN.test(name) ? name : terminalSafeJson(name).slice(1, -1)
  const [head, afterLine, afterName, tail] = template.text
  return head + String(item.profiles.line(item.index)) + afterLine + escaped + afterName + escaped + tail
}

/** One finding's text in the findings array. */
function serialised(finding: Finding): string {
  const text = terminalSafeJson({findings: [finding]})
  return text.slice(OPEN.length + 1, text.length - CLOSE.length)
}
