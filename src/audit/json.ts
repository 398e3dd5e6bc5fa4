import type {Writable} from 'node:stream'

import {terminalSafeJson} from '../errors.js'
import {Chunk, latin1Write, writeChunks} from './json-out.js'
import {type KeylessProfiles, mergeRuns, ProfileFinding, reportParts} from './keyless-profiles.js'
import {RECORD} from './profile-scan.js'
import type {AuditReport, Finding} from './types.js'

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
 * The findings in runs: findings to write as the serialiser does, and one file's keyless profiles `[from, to)`, to
 * fill in from its template.
 */
type Run = {findings: Finding[]} | {profiles: KeylessProfiles; from: number; to: number}

/**
 * The document's bytes into `chunk`, yielding each time it is full (the caller empties it). `{\n  "findings": [\n` +
 * the findings, one per element, joined by `,\n` + `\n  ]` + what follows the findings array (the summary, what
 * --fix did) + `\n}\n`: each finding the serialiser's text of it at that indentation, a keyless profile's filled in
 * from a template (profileTemplate) straight into the buffer. A value without findings first is the serialiser's
 * text of it, whole.
 */
function* fillReport(value: unknown, chunk: Chunk): Generator<void> {
  const runs = runsOf(value)
  // The document without its findings: what follows the findings array.
  const shell = runs ? terminalSafeJson(withoutFindings(value as object)) : ''
  const empty = `${OPEN}]`
  if (!runs || !shell.startsWith(empty)) {
    yield* put(chunk, terminalSafeJson(value) + '\n')
    return
  }
  const templates = new Map<KeylessProfiles, Template | undefined>()
  chunk.set(OPEN_LINE)
  let first = true
  for (const run of runs) {
    if ('findings' in run) {
      const text = terminalSafeJson({findings: run.findings})
      yield* put(chunk, (first ? '' : ',\n') + text.slice(OPEN.length + 1, text.length - CLOSE.length))
      first = false
      continue
    }
    const {profiles} = run
    if (!templates.has(profiles)) templates.set(profiles, profileTemplate(profiles))
    const template = templates.get(profiles)
    for (let j = run.from; j < run.to;) {
      const end = template ? fillProfiles(profiles, j, run.to, template, chunk, first) : j
      if (end > j) {
        j = end
        first = false
        continue
      }
      // Not one more fits; or this file's profiles have no template; or a name is longer than a chunk holds.
      if (template && chunk.length > 0) {
        yield
        continue
      }
      yield* put(chunk, (first ? '' : ',\n') + fill(template, profiles, j))
      j++
      first = false
    }
  }
  yield* put(chunk, `\n  ]${shell.slice(empty.length)}\n`)
}

/**
 * The findings of a value with a non-empty findings array, in runs; undefined for any other value. Of an audit report
 * from its parts (reportParts): where its keyless profiles go among the other findings (mergePlan), with no object
 * made per keyless profile; of any other, its findings as they are, consecutive keyless profiles of one file one run.
 */
function runsOf(value: unknown): Run[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const parts = reportParts(value as AuditReport)
  if (parts) {
    const {others, profiles} = parts
    return mergeRuns(parts.plan(), others.length, profiles.count).map((run) =>
      run.profiles ? {profiles, from: run.from, to: run.to} : {findings: others.slice(run.from, run.to)},
    )
  }
  const {findings} = value as {findings?: unknown}
  if (!Array.isArray(findings) || findings.length === 0) return undefined
  const runs: Run[] = []
  for (const item of findings as Finding[]) {
    const last = runs.at(-1)
    if (item instanceof ProfileFinding) {
      if (last && 'profiles' in last && last.profiles === item.profiles && last.to === item.index) last.to++
      else runs.push({profiles: item.profiles, from: item.index, to: item.index + 1})
    } else if (last && 'findings' in last) last.findings.push(item)
    else runs.push({findings: [item]})
  }
  return runs
}

/** The value with an empty findings array in its place, its other fields read (an audit report's findings are not). */
function withoutFindings(value: object): object {
  return Object.fromEntries(Object.keys(value).map((key) => [key, key === 'findings' ? [] : (value as Record<string, unknown>)[key]]))
}

/**
 * One file's keyless profiles `[from, to)` into the chunk, while they fit (each after `,\n` but the document's first):
 * the template's parts with the line and the name (twice) between them. Returns the first profile it did not write.
 * Not part of fillReport: V8 optimises a loop while it runs, not one in a generator.
 *
 * Where audit's scan read the file (its names plain ASCII, found in its text: KeylessProfiles.names), each profile is
 * a few copies, the buffer's own, and no call of ours: each function of ours it called per profile ran 3,000 times,
 * and V8 compiled each of them on another thread, which with 3,000 profiles cost more than the writing did. Nor does
 * it make a string of each finding (a rope of its pieces, copied flat to be written): 1.6 MB of strings is fresh
 * memory, which a new process pays for page by page (issue 22).
 */
function fillProfiles(profiles: KeylessProfiles, from: number, to: number, template: Template, chunk: Chunk, first: boolean): number {
  const names = profiles.names()
  if (!names) return fillEach(profiles, from, to, template, chunk, first)
  const {text, sections, table} = names
  const {size, line, name, nameEnd} = RECORD
  // Indexed, not destructured: an array pattern is the iterator protocol, which V8 compiles with the loop.
  const {parts, lead} = template
  const head = parts[0]
  const afterLine = parts[1]
  const afterName = parts[2]
  const tail = parts[3]
  const write = latin1Write
  const {buffer} = chunk
  // At most: the separator, the template's bytes and ten digits; then the name twice, one byte a character.
  const room = buffer.length - 2 - template.bytes - 10
  let at = chunk.length
  let before = first ? head : lead
  let j = from
  for (; j < to; j++) {
    const s = (sections[j] as number) * size
    const nameAt = table[s + name] as number
    const length = (table[s + nameEnd] as number) - nameAt
    if (at + 2 * length > room) break
    buffer.set(before, at)
    at += before.length
    before = lead
    at += write.call(buffer, String((table[s + line] as number) + 1), at)
    buffer.set(afterLine, at)
    at += afterLine.length
    write.call(buffer, text.slice(nameAt, nameAt + length), at)
    buffer.set(afterName, at + length)
    buffer.copyWithin(at + length + afterName.length, at, at + length)
    at += 2 * length + afterName.length
    buffer.set(tail, at)
    at += tail.length
  }
  chunk.length = at
  return j
}

/** fillProfiles for profiles the parser read: each name read and escaped as JSON needs. */
function fillEach(profiles: KeylessProfiles, from: number, to: number, template: Template, chunk: Chunk, first: boolean): number {
  const [head, afterLine, afterName, tail] = template.parts
  // At most: the separator, the template's bytes and ten digits; then the name twice, at 3 bytes a UTF-16 unit.
  const fixed = 2 + template.bytes + 10
  let j = from
  for (; j < to; j++) {
    const name = profiles.profile(j)
    const plain = PLAIN.test(name)
    const escaped = plain ? name : terminalSafeJson(name).slice(1, -1)
    if (chunk.room < fixed + 6 * escaped.length) break
    chunk.set(j > from || !first ? template.lead : head)
    chunk.ascii(String(profiles.line(j)))
    chunk.set(afterLine)
    if (plain) chunk.ascii(escaped)
    else chunk.text(escaped)
    chunk.set(afterName)
    if (plain) chunk.ascii(escaped)
    else chunk.text(escaped)
    chunk.set(tail)
  }
  return j
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
  const template = {text, parts, lead: Buffer.concat([COMMA, parts[0]]), bytes: parts.reduce((sum, part) => sum + part.length, 0)}
  return fill(template, profiles, 0) === serialised(profiles.finding(0)) ? template : undefined
}

/** A keyless profile's finding's text, cut at its line and its name (twice): head, afterLine, afterName, tail. */
interface Template {
  text: [string, string, string, string]
  /** The same, as UTF-8 bytes. */
  parts: [Buffer, Buffer, Buffer, Buffer]
  /** `,\n` and head: what comes before each profile's finding but the document's first. */
  lead: Buffer
  /** The parts' bytes together. */
  bytes: number
}

/** Printable ASCII but `"` and `\`: a JSON string's text as it is. */
const PLAIN = /^[ !#-[\]-~]*$/

/** The keyless profile's finding's text: the template filled in (what fillReport writes into its chunk). */
function fill(template: Template | undefined, profiles: KeylessProfiles, j: number): string {
  if (!template) return serialised(profiles.finding(j))
  const name = profiles.profile(j)
  const escaped = PLAIN.test(name) ? name : terminalSafeJson(name).slice(1, -1)
  const [head, afterLine, afterName, tail] = template.text
  return head + String(profiles.line(j)) + afterLine + escaped + afterName + escaped + tail
}

/** One finding's text in the findings array. */
function serialised(finding: Finding): string {
  const text = terminalSafeJson({findings: [finding]})
  return text.slice(OPEN.length + 1, text.length - CLOSE.length)
}
