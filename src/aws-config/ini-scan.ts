import {ConfigSyntaxError} from './errors.js'
import type {ConfigDocument, ConfigKey, ConfigLine, ConfigSection, LineEnding, LineKind, SectionType} from './ini.js'
import {classifyHeader, describeSection, isSpace, keyValue, quoteLine} from './ini-syntax.js'

/*
 * The whole-file scanner behind parseConfig, and the document it returns.
 *
 * A command runs once per process, so the parse runs as cold code (V8's interpreter, then baseline code), and on a
 * 650 KB file of 3,000 profiles the old parser spent most of its time allocating: an object and a string or three per
 * line, copied by every young-generation GC while they were all still alive. This scanner validates the whole file
 * in one pass but records what it finds as numbers in typed arrays: where each line starts and what kind it is, where
 * each key's name and value lie, each section's lines, keys and header. It makes no object per line or per section (a
 * duplicated section is found through a hash table of offsets, see SectionTable). Section, key and
 * line objects are built from those numbers when asked for: `sections` all at once, in one loop (sync, audit),
 * `section(i)`, `ofType` and findSection only those asked for (exec --profile, login, status), `lines` only for an
 * edit that writes. The model they make is the one documented in ini.ts, the same as the
 * old parser's to the last field (test/unit/aws-config-ini-large.test.ts holds them against each other).
 */

const BLANK = 0
const COMMENT = 1
const SECTION = 2
const KEY = 3
const SUBKEY = 4
const KINDS: readonly LineKind[] = ['blank', 'comment', 'section', 'key', 'subkey']
/** Line endings by code: line info is kind | eol << 3. */
const EOLS: readonly LineEnding[] = ['', '\n', '\r\n', '\r']

/** A key record in ScanResult.keys: its line, its name's and its value's offsets in the text, one past its last line. */
const K_LINE = 0
const K_NAME = 1
const K_NAME_END = 2
const K_VALUE = 3
const K_VALUE_END = 4
const K_END = 5
const K_SIZE = 6

/**
 * A section record in SectionTable.records: its lines, its keys (indexes of key records), its header's offsets, its
 * type, its name's offsets (-1 when shlex had to unquote it: then SectionTable holds the name) and its identity's hash.
 */
const S_START = 0
const S_BODY_END = 1
const S_END = 2
const S_KEY_FROM = 3
const S_KEY_TO = 4
const S_HEADER = 5
const S_HEADER_END = 6
const S_TYPE = 7
const S_NAME = 8
const S_NAME_END = 9
const S_HASH = 10
const S_SIZE = 11

const TYPES: readonly SectionType[] = ['default', 'profile', 'sso-session', 'services', 'other', 'ignored']
const PROFILE = 1
const SSO_SESSION = 2
/** The hash seed of the sections known by their header (any but profiles and sso-sessions). */
const OTHER = 7
/** A profile's or sso-session's name that shlex leaves as it is: no blank or control character, quote, backslash or `]`. */
const PLAIN_NAME = /[^\0- "'\\\]]+/y
/** Math.imul, read once: the hash loops run as cold code, where `Math.imul` is two property lookups per character. */
const imul = Math.imul

/** A synced profile's key line (see scanConfig's fast path): a lower-case ASCII name, ` = `, a value that starts and
 * ends with a printable ASCII character, an LF. */
const KEY_LINE = /[a-z][a-z0-9_]* = [!-~](?:[^\r\n]*[!-~])?\n/y

/** Past this many keys a section's duplicate check uses a set of names (below it a scan of the few keys is cheaper). */
const MANY_KEYS = 16

/** An Int32Array that doubles when full. */
export function grow(array: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= array.length) return array
  const bigger = new Int32Array(Math.max(needed, array.length * 2))
  bigger.set(array)
  return bigger
}

export interface ScanResult {
  /** The text scanned (without a byte order mark); every offset below is into it. */
  text: string
  lineCount: number
  /** Offset of each line's first character; lineStart[lineCount] is the text's length. */
  lineStart: Int32Array
  /** Each line's kind | its line ending's code << 3. */
  lineInfo: Uint8Array
  keys: Int32Array
  sections: SectionTable
  ignored: ConfigDocument['ignored']
  crlf: number
  lf: number
  /** The text is all ASCII: a key name lower-cases to a name of the same length. */
  ascii: boolean
}

/**
 * Scans text from offset `from` (a line start) to the end, or with `single` to the header after the first section's.
 * Throws ConfigSyntaxError, naming the line, where botocore fails or an edit would be ambiguous (see ini.ts).
 */
export function scanConfig(text: string, from: number, path: string, single: boolean): ScanResult {
  const fail: (lineIndex: number, reason: string) => never = (lineIndex, reason) => {
    throw new ConfigSyntaxError(path, lineIndex + 1, reason)
  }
  const n = text.length
  // Sized for the shortest lines usual in a config file (a line of 16 bytes, a key of 32, a section of 128), so that
  // they rarely grow: a copy costs more than the untouched memory, which is never written.
  let lineStart = new Int32Array(Math.max(64, (n - from) >> 4))
  let lineInfo = new Uint8Array(lineStart.length)
  let keys = new Int32Array(Math.max(16, (n - from) >> 5) * K_SIZE)
  const sections = new SectionTable(text, Math.max(4, (n - from) >> 7))
  let keyCount = 0
  const ignored: ConfigDocument['ignored'] = []
  // Non-ASCII text: key names compared through toLowerCase (it may change their length), not by length first.
  const ascii = !/[^\0-\x7f]/.test(text)
  let sectionKeyFrom = 0
  // The current section's lower-cased key names once it has many.
  let keyNames: Set<string> | undefined
  // The key line continuation lines belong to (-1: none since the header), its indent, and whether it opens a nested block.
  let option = -1
  let optionIndent = 0
  let optionNested = false
  let crlf = 0
  let lf = 0
  // The next CR, LF, `=`, `:` and `]` at or after the current line, each searched for again only once passed:
  // every character is searched over once per kind, however long the lines or the distances.
  let nextCr = -1
  let nextEq = -1
  let nextColon = -1
  let nextClose = -1
  // The current section's record in sections.records (-1 before the first header), and that array as it is since the
  // last header (add() may replace it): read from locals, not properties, in the loop (cold code, see below).
  let current = -1
  let records = sections.records
  let pos = from
  let i = 0
  for (; pos < n; i++) {
    if (i + 1 >= lineStart.length) {
      lineStart = grow(lineStart, i + 2)
      const info = new Uint8Array(lineStart.length)
      info.set(lineInfo)
      lineInfo = info
    }
    // The line of a synced profile, `name = value` with a lower-case ASCII name, one blank each side, a value from
    // one printable character to another and an LF, is recognised by one match of a native regex: this loop runs as
    // cold code (V8 takes longer to optimise it than the scan lasts), where every character tested in JavaScript
    // costs more. It records what the general path below would (test/unit/aws-config-ini-large.test.ts and the
    // botocore property test hold the two equal); anything else takes the general path.
    const c0 = text.charCodeAt(pos)
    if (ascii && c0 >= 0x61 && c0 <= 0x7a && current >= 0 && !keyNames && keyCount - sectionKeyFrom < MANY_KEYS) {
      KEY_LINE.lastIndex = pos
      if (KEY_LINE.test(text)) {
        const nl = KEY_LINE.lastIndex - 1
        const nameEnd = text.indexOf(' ', pos)
        const nameLength = nameEnd - pos
        for (let k = sectionKeyFrom; k < keyCount; k++) {
          const r = k * K_SIZE
          if ((keys[r + K_NAME_END] as number) - (keys[r + K_NAME] as number) !== nameLength) continue
          const lower = text.slice(pos, nameEnd).toLowerCase()
          if (keyName(text, keys, k) === lower) duplicateKey(fail, i, text, pos, nameEnd, keys, sectionKeyFrom, keyCount, lower, sections)
        }
        const r = keyCount * K_SIZE
        if (r + K_SIZE > keys.length) keys = grow(keys, r + K_SIZE)
        keys[r + K_LINE] = i
        keys[r + K_NAME] = pos
        keys[r + K_NAME_END] = nameEnd
        keys[r + K_VALUE] = nameEnd + 3
        keys[r + K_VALUE_END] = nl
        keys[r + K_END] = i + 1
        keyCount++
        records[current + S_KEY_TO] = keyCount
        records[current + S_BODY_END] = i + 1
        option = i
        optionIndent = 0
        optionNested = false
        lineStart[i] = pos
        lineInfo[i] = KEY | (1 << 3)
        lf++
        pos = nl + 1
        continue
      }
    }
    // The line: up to the next LF, CRLF or lone CR (Python's universal newlines).
    if (nextCr < pos) {
      nextCr = text.indexOf('\r', pos)
      if (nextCr < 0) nextCr = n
    }
    let nl = text.indexOf('\n', pos)
    if (nl < 0) nl = n
    let end: number
    let eol: number
    let eolLength: number
    if (nextCr < nl) {
      end = nextCr
      // (nl is n when no LF is left: a CR that ends the text is a lone CR, not half of a CRLF.)
      if (nextCr + 1 === nl && nl < n) {
        eol = 2
        eolLength = 2
        crlf++
      } else {
        eol = 3
        eolLength = 1
      }
    } else if (nl < n) {
      end = nl
      eol = 1
      eolLength = 1
      lf++
    } else {
      end = n
      eol = 0
      eolLength = 0
    }
    const start = pos
    lineStart[i] = start
    pos = end + eolLength
    let first = start
    let c = text.charCodeAt(first)
    // Most lines start with a printable ASCII character: isSpace is called only for the others.
    while (first < end && (c <= 0x20 || c >= 0x85) && isSpace(c)) c = text.charCodeAt(++first)
    if (first === end) {
      lineInfo[i] = BLANK | (eol << 3)
      continue
    }
    if (c === 0x23 || c === 0x3b) {
      lineInfo[i] = COMMENT | (eol << 3)
      continue
    }
    let last = end
    let d = text.charCodeAt(last - 1)
    while ((d <= 0x20 || d >= 0x85) && isSpace(d)) d = text.charCodeAt(--last - 1)
    if (nextEq < first) {
      nextEq = text.indexOf('=', first)
      if (nextEq < 0) nextEq = n
    }
    const indent = first - start
    if (sections.count > 0 && option >= 0 && indent > optionIndent) {
      // botocore splits a nested block's lines at the first `=` (not `:`) and fails on a line without one.
      if (optionNested && nextEq >= end) {
        const parentKey = text.slice(keys[(keyCount - 1) * K_SIZE + K_NAME], keys[(keyCount - 1) * K_SIZE + K_NAME_END])
        fail(i, `${quoteLine(text.slice(first, last))} is not a "name = value" line inside the nested "${parentKey}" block`)
      }
      lineInfo[i] = SUBKEY | (eol << 3)
      keys[(keyCount - 1) * K_SIZE + K_END] = i + 1
      records[current + S_BODY_END] = i + 1
      continue
    }
    // configparser's SECTCRE, `\[(.+)\]` matched at the start of the stripped line (greedy: to the last `]`).
    let close = -1
    if (c === 0x5b) {
      if (nextClose < first) {
        nextClose = text.indexOf(']', first)
        if (nextClose < 0) nextClose = n
      }
      // The last `]` of the line: searched backwards from its end, never past the line's first one.
      if (nextClose < last) close = text.lastIndexOf(']', last - 1) - first
    }
    if (close >= 2) {
      // findSsoSessionSection: the next header ends the one section it wants.
      if (single && sections.count > 0) {
        pos = start
        break
      }
      const previous = sections.add(i, first + 1, first + close, keyCount)
      const index = sections.count - 1
      current = index * S_SIZE
      records = sections.records
      if (previous >= 0) {
        fail(
          i,
          `duplicate section ${describeSection(sections.identity(index))} (first at line ${sections.start(previous) + 1}); ` +
            'AWS tools reject or merge duplicates, so keyless will not edit this file until one is removed',
        )
      }
      const why = sections.ignoredReason(index)
      if (why !== undefined) ignored.push({section: index, reason: why})
      option = -1
      sectionKeyFrom = keyCount
      keyNames = undefined
      lineInfo[i] = SECTION | (eol << 3)
      continue
    }
    if (single && sections.count === 0) throw new Error(`scanConfig: offset ${start} is not a section header`)
    // The name up to the first `=` or `:` (configparser's OPTCRE), both sides stripped.
    if (nextColon < first) {
      nextColon = text.indexOf(':', first)
      if (nextColon < 0) nextColon = n
    }
    const delimiter = Math.min(nextEq, nextColon)
    const at = delimiter < end ? delimiter : -1
    if (at < 0 && c === 0x5b) {
      const trimmed = text.slice(first, last)
      fail(i, close === 1 ? `"${trimmed}" is an empty section header` : `${quoteLine(trimmed)} is not a section header (missing "]")`)
    }
    if (sections.count === 0) {
      fail(i, `${quoteLine(text.slice(first, last))} is outside any section (add a [default] or [profile NAME] header above it)`)
    }
    if (at < 0) fail(i, `${quoteLine(text.slice(first, last))} is neither a section header, a "name = value" line nor a comment`)
    if (at === first) fail(i, `${quoteLine(text.slice(first, last))} has no name before the "${text[first]}"`)
    let nameEnd = at
    // `name = value`: one blank each side, tested inline; isSpace only for a character it may be.
    let b = text.charCodeAt(nameEnd - 1)
    while (b === 0x20 || ((b < 0x20 || b >= 0x85) && isSpace(b))) b = text.charCodeAt(--nameEnd - 1)
    let valueStart = at + 1
    b = text.charCodeAt(valueStart)
    while (valueStart < last && (b === 0x20 || ((b < 0x20 || b >= 0x85) && isSpace(b)))) b = text.charCodeAt(++valueStart)
    // A key set twice in the section: names compared as botocore does, lower-cased; by length first when ASCII.
    const nameLength = nameEnd - first
    const count = keyCount - sectionKeyFrom
    if (keyNames || count >= MANY_KEYS || !ascii) {
      if (!keyNames) {
        keyNames = new Set()
        for (let k = sectionKeyFrom; k < keyCount; k++) keyNames.add(keyName(text, keys, k))
      }
      const lower = text.slice(first, nameEnd).toLowerCase()
      if (keyNames.has(lower)) duplicateKey(fail, i, text, first, nameEnd, keys, sectionKeyFrom, keyCount, lower, sections)
      keyNames.add(lower)
    } else {
      for (let k = sectionKeyFrom; k < keyCount; k++) {
        const r = k * K_SIZE
        if ((keys[r + K_NAME_END] as number) - (keys[r + K_NAME] as number) !== nameLength) continue
        const lower = text.slice(first, nameEnd).toLowerCase()
        if (keyName(text, keys, k) === lower) duplicateKey(fail, i, text, first, nameEnd, keys, sectionKeyFrom, keyCount, lower, sections)
      }
    }
    const r = keyCount * K_SIZE
    if (r + K_SIZE > keys.length) keys = grow(keys, r + K_SIZE)
    keys[r + K_LINE] = i
    keys[r + K_NAME] = first
    keys[r + K_NAME_END] = nameEnd
    keys[r + K_VALUE] = valueStart
    keys[r + K_VALUE_END] = valueStart < last ? last : valueStart
    keys[r + K_END] = i + 1
    keyCount++
    records[current + S_KEY_TO] = keyCount
    records[current + S_BODY_END] = i + 1
    option = i
    optionIndent = indent
    optionNested = valueStart >= last
    lineInfo[i] = KEY | (eol << 3)
  }
  lineStart[i] = pos
  sections.close(i)
  return {
    text,
    lineCount: i,
    lineStart,
    lineInfo,
    keys,
    sections,
    ignored,
    crlf,
    lf,
    ascii,
  }
}

/**
 * The sections of a scan, as records of numbers, and a hash table that finds them by identity (a profile or
 * sso-session by name, any other section by its header: the identity a duplicate shares). Nothing is allocated per
 * section but where botocore's shlex has to unquote a header (rare): names and headers are cut from the text when
 * asked for, and a name looked up is compared with the text in place.
 */
export class SectionTable {
  records: Int32Array<ArrayBuffer>
  count = 0
  /** Open addressing by identity hash: section index + 1, 0 for a free slot. */
  #slots: Int32Array<ArrayBuffer>
  /** Names shlex had to unquote, by section index (their S_NAME is -1). */
  readonly #unquoted = new Map<number, string>()
  /** The reasons botocore drops a header, by section index. */
  readonly #ignored = new Map<number, string>()

  constructor(
    readonly text: string,
    capacity: number,
  ) {
    this.records = new Int32Array(capacity * S_SIZE)
    let slots = 16
    while (slots < capacity * 2) slots <<= 1
    this.#slots = new Int32Array(slots)
  }

  /**
   * Records the section whose header lies at [headerStart, headerEnd) of the text. Returns the earlier section with the
   * same identity, or -1: botocore keeps the last of two, the JS SDK merges them, so the caller refuses the file.
   */
  add(line: number, headerStart: number, headerEnd: number, keyFrom: number): number {
    const index = this.count++
    const s = index * S_SIZE
    if (s + S_SIZE > this.records.length) this.records = grow(this.records, s + S_SIZE)
    const r = this.records
    r[s + S_START] = line
    r[s + S_BODY_END] = line + 1
    r[s + S_END] = line + 1
    r[s + S_KEY_FROM] = keyFrom
    r[s + S_KEY_TO] = keyFrom
    r[s + S_HEADER] = headerStart
    r[s + S_HEADER_END] = headerEnd
    // The previous section ends at this header (close() ends the last one): no second pass over the sections.
    if (index > 0) r[s - S_SIZE + S_END] = line
    const {text} = this
    // What botocore's build_profile_map makes of the header (ini-syntax.ts's classifyHeader): the common
    // `[profile NAME]` and `[sso-session NAME]` without cutting anything out of the text.
    const type = text.startsWith('profile ', headerStart) ? PROFILE : text.startsWith('sso-session ', headerStart) ? SSO_SESSION : 0
    if (type !== 0) {
      // The name checked for anything shlex would change by one native match, then hashed (hash() below, inline: this
      // runs once per section, thousands of times, as cold code, where each test of a character in JavaScript costs).
      const nameFrom = headerStart + (type === PROFILE ? 8 : 12)
      PLAIN_NAME.lastIndex = nameFrom
      if (PLAIN_NAME.test(text) && PLAIN_NAME.lastIndex === headerEnd) {
        let h = 0x811c9dc5 ^ type
        for (let k = nameFrom; k < headerEnd; k++) h = imul(h ^ text.charCodeAt(k), 0x01000193)
        r[s + S_TYPE] = type
        r[s + S_NAME] = nameFrom
        r[s + S_NAME_END] = headerEnd
        r[s + S_HASH] = h
        return this.#enter(index)
      }
    }
    const header = text.slice(headerStart, headerEnd)
    const classified = classifyHeader(header)
    const code = TYPES.indexOf(classified.type)
    r[s + S_TYPE] = code
    r[s + S_NAME] = -1
    this.#unquoted.set(index, classified.name)
    if (classified.ignored !== undefined) this.#ignored.set(index, classified.ignored)
    // A profile or sso-session is the same whatever its quoting; any other section is its header.
    r[s + S_HASH] =
      code === PROFILE || code === SSO_SESSION
        ? hash(classified.name, 0, classified.name.length, code)
        : hash(header, 0, header.length, OTHER)
    return this.#enter(index)
  }

  /** Enters section `index` in the hash table; returns the section already there with its identity, or -1. */
  #enter(index: number): number {
    if (this.count * 2 > this.#slots.length) this.#rehash()
    const r = this.records
    const h = r[index * S_SIZE + S_HASH] as number
    const slots = this.#slots
    const mask = slots.length - 1
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const other = (slots[slot] as number) - 1
      if (other < 0) {
        slots[slot] = index + 1
        return -1
      }
      if (r[other * S_SIZE + S_HASH] === h && this.#identityOf(other) === this.#identityOf(index)) return other
    }
  }

  #rehash(): void {
    const old = this.#slots
    const slots = new Int32Array(old.length * 2)
    const mask = slots.length - 1
    for (const entry of old) {
      if (entry === 0) continue
      let slot = (this.records[(entry - 1) * S_SIZE + S_HASH] as number) & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = entry
    }
    this.#slots = slots
  }

  /** What a duplicate shares (made only when two hashes meet). */
  #identityOf(index: number): string {
    const type = this.records[index * S_SIZE + S_TYPE] as number
    return type === PROFILE || type === SSO_SESSION ? `${type}\0${this.name(index)}` : `\0${this.header(index)}`
  }

  /** The section of this type (a profile or an sso-session) and name; -1 when there is none. */
  find(type: 'profile' | 'sso-session', name: string): number {
    const code = type === 'profile' ? PROFILE : SSO_SESSION
    const h = hash(name, 0, name.length, code)
    const r = this.records
    const slots = this.#slots
    const mask = slots.length - 1
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const index = (slots[slot] as number) - 1
      if (index < 0) return -1
      const s = index * S_SIZE
      if (r[s + S_HASH] !== h || r[s + S_TYPE] !== code) continue
      const from = r[s + S_NAME] as number
      if (
        from < 0
          ? this.#unquoted.get(index) === name
          : (r[s + S_NAME_END] as number) - from === name.length && this.text.startsWith(name, from)
      ) {
        return index
      }
    }
  }

  start(index: number): number {
    return this.records[index * S_SIZE + S_START] as number
  }

  type(index: number): SectionType {
    return TYPES[this.records[index * S_SIZE + S_TYPE] as number] as SectionType
  }

  header(index: number): string {
    return this.text.slice(this.records[index * S_SIZE + S_HEADER], this.records[index * S_SIZE + S_HEADER_END])
  }

  name(index: number): string {
    const s = index * S_SIZE
    const from = this.records[s + S_NAME] as number
    return from < 0 ? (this.#unquoted.get(index) as string) : this.text.slice(from, this.records[s + S_NAME_END])
  }

  identity(index: number): {type: SectionType; name: string; header: string} {
    return {type: this.type(index), name: this.name(index), header: this.header(index)}
  }

  ignoredReason(index: number): string | undefined {
    return this.#ignored.get(index)
  }

  /** Each section ends where the next one's header is (set by add), the last at line `lineCount`. */
  close(lineCount: number): void {
    if (this.count > 0) this.records[(this.count - 1) * S_SIZE + S_END] = lineCount
  }
}

/**
 * FNV-1a over s[from, to), seeded with the kind of identity; int32 throughout. A Map of name strings found duplicates
 * as well, but its strings and tables were what set off a young-generation GC in the middle of the scan (issue 22).
 */
function hash(s: string, from: number, to: number, seed: number): number {
  let h = 0x811c9dc5 ^ seed
  for (let k = from; k < to; k++) h = imul(h ^ s.charCodeAt(k), 0x01000193)
  return h
}

const keyName = (text: string, keys: Int32Array, k: number): string =>
  text.slice(keys[k * K_SIZE + K_NAME], keys[k * K_SIZE + K_NAME_END]).toLowerCase()

function duplicateKey(
  fail: (lineIndex: number, reason: string) => never,
  line: number,
  text: string,
  first: number,
  nameEnd: number,
  keys: Int32Array,
  from: number,
  to: number,
  lower: string,
  sections: SectionTable,
): never {
  let k = from
  while (k < to && keyName(text, keys, k) !== lower) k++
  const section = sections.identity(sections.count - 1)
  return fail(
    line,
    `"${text.slice(first, nameEnd)}" is set twice in ${describeSection(section)} (first at line ${(keys[k * K_SIZE + K_LINE] as number) + 1}); AWS tools reject that`,
  )
}

/**
 * The parsed AWS config file: what ConfigDocument promises, built from a scan on demand. Sections are made once
 * each and shared (the same object however it is reached); lines are made all at once, the first time an edit asks.
 */
export class ScannedConfig implements ConfigDocument {
  readonly bom: boolean
  readonly eol: '\n' | '\r\n'
  readonly finalNewline: boolean
  readonly ignored: ConfigDocument['ignored']
  readonly #scan: ScanResult
  readonly #made: Array<ConfigSection | undefined>
  #all: ConfigSection[] | undefined
  #lines: ConfigLine[] | undefined
  #records: ConfigRecords | undefined

  constructor(scan: ScanResult, bom: boolean) {
    this.#scan = scan
    this.#made = new Array<ConfigSection | undefined>(scan.sections.count)
    this.bom = bom
    this.ignored = scan.ignored
    const lastEol = scan.lineCount === 0 ? 1 : (scan.lineInfo[scan.lineCount - 1] as number) >> 3
    const firstEol = scan.lineCount === 0 ? 0 : (scan.lineInfo[0] as number) >> 3
    this.eol = scan.crlf > scan.lf || (scan.crlf === scan.lf && firstEol === 2) ? '\r\n' : '\n'
    this.finalNewline = lastEol !== 0
  }

  /** The sections and keys read straight from the scan's numbers (see ConfigRecords). */
  get records(): ConfigRecords {
    this.#records ??= new ConfigRecords(this.#scan)
    return this.#records
  }

  get sections(): ConfigSection[] {
    this.#all ??= this.#makeAll()
    return this.#all
  }

  /**
   * Every section, made in one loop rather than one call of section() each: a call made 3,000 times runs as cold
   * code for most of them, a loop is compiled while it runs (V8's on-stack replacement), which halves the time.
   */
  #makeAll(): ConfigSection[] {
    const {text, keys, sections} = this.#scan
    const record = sections.records
    const all = new Array<ConfigSection>(sections.count)
    for (let index = 0; index < all.length; index++) {
      const made = this.#made[index]
      if (made) {
        all[index] = made
        continue
      }
      const s = index * S_SIZE
      const from = record[s + S_KEY_FROM] as number
      const to = record[s + S_KEY_TO] as number
      const sectionKeys = new Array<ConfigKey>(to - from)
      for (let k = from; k < to; k++) {
        const r = k * K_SIZE
        sectionKeys[k - from] = {
          name: text.slice(keys[r + K_NAME], keys[r + K_NAME_END]).toLowerCase(),
          value: text.slice(keys[r + K_VALUE], keys[r + K_VALUE_END]),
          line: keys[r + K_LINE] as number,
          end: keys[r + K_END] as number,
        }
      }
      const section: ConfigSection = {
        header: text.slice(record[s + S_HEADER], record[s + S_HEADER_END]),
        type: TYPES[record[s + S_TYPE] as number] as SectionType,
        name: sections.name(index),
        start: record[s + S_START] as number,
        bodyEnd: record[s + S_BODY_END] as number,
        end: record[s + S_END] as number,
        keys: sectionKeys,
      }
      this.#made[index] = section
      all[index] = section
    }
    return all
  }

  /** Section number `index`, made on first use. */
  section(index: number): ConfigSection {
    const made = this.#made[index]
    if (made) return made
    const {text, keys, sections} = this.#scan
    const s = index * S_SIZE
    const record = sections.records
    const from = record[s + S_KEY_FROM] as number
    const to = record[s + S_KEY_TO] as number
    const sectionKeys = new Array<ConfigKey>(to - from)
    for (let k = from; k < to; k++) {
      const r = k * K_SIZE
      sectionKeys[k - from] = {
        name: keyName(text, keys, k),
        value: text.slice(keys[r + K_VALUE], keys[r + K_VALUE_END]),
        line: keys[r + K_LINE] as number,
        end: keys[r + K_END] as number,
      }
    }
    const section: ConfigSection = {
      header: sections.header(index),
      type: sections.type(index),
      name: sections.name(index),
      start: record[s + S_START] as number,
      bodyEnd: record[s + S_BODY_END] as number,
      end: record[s + S_END] as number,
      keys: sectionKeys,
    }
    this.#made[index] = section
    return section
  }

  /** The sections of one type, in file order, without making the others. */
  ofType(type: SectionType): ConfigSection[] {
    const {sections} = this.#scan
    const out: ConfigSection[] = []
    for (let index = 0; index < sections.count; index++) if (sections.type(index) === type) out.push(this.section(index))
    return out
  }

  /** A profile or sso-session section by name without making the others; undefined for other types (use `sections`). */
  lookup(type: 'profile' | 'sso-session', name: string): ConfigSection | undefined {
    const index = this.#scan.sections.find(type, name)
    return index < 0 ? undefined : this.section(index)
  }

  get lines(): ConfigLine[] {
    if (!this.#lines) this.#lines = this.#makeLines()
    return this.#lines
  }

  #makeLines(): ConfigLine[] {
    const {text, lineCount, lineStart, lineInfo, keys} = this.#scan
    const lines = new Array<ConfigLine>(lineCount)
    let section = -1
    let key = 0
    let option = -1
    for (let i = 0; i < lineCount; i++) {
      const info = lineInfo[i] as number
      const kind = info & 7
      const eol = EOLS[info >> 3] as LineEnding
      const lineText = text.slice(lineStart[i], (lineStart[i + 1] as number) - eol.length)
      if (kind === SECTION) section++
      if (kind === KEY) {
        const r = key++ * K_SIZE
        option = i
        lines[i] = {
          text: lineText,
          eol,
          lineNumber: i + 1,
          section,
          kind: 'key',
          key: text.slice(keys[r + K_NAME], keys[r + K_NAME_END]),
          value: text.slice(keys[r + K_VALUE], keys[r + K_VALUE_END]),
        }
      } else if (kind === SUBKEY) {
        let first = 0
        while (isSpace(lineText.charCodeAt(first))) first++
        let last = lineText.length
        while (isSpace(lineText.charCodeAt(last - 1))) last--
        const kv = keyValue(lineText, first, last)
        lines[i] = {text: lineText, eol, lineNumber: i + 1, section, kind: 'subkey', key: kv?.key, value: kv?.value, parent: option}
      } else {
        lines[i] = {text: lineText, eol, lineNumber: i + 1, section, kind: KINDS[kind] as LineKind}
      }
    }
    return lines
  }
}

/**
 * The sections and keys of a scan, read where the scanner recorded them: nothing is made but the strings asked for.
 * A command that reads a few keys of every profile and keeps none of them (audit, with 3,000 profiles) need not make
 * 3,000 section objects, 9,000 key objects and their strings, all alive at once (issue 22). Section `index` is
 * `sections[index]` of the document; key numbers run over the whole file, a section's from `firstKey` to `endKey`
 * (excluded), in file order. What it answers is what the section objects hold: names lower-cased as botocore reads
 * them (`keyName`, `keyIs`), values trimmed, line indexes 0-based.
 */
export class ConfigRecords {
  readonly #text: string
  readonly #keys: Int32Array
  readonly #sections: SectionTable
  readonly #ascii: boolean

  constructor(scan: ScanResult) {
    this.#text = scan.text
    this.#keys = scan.keys
    this.#sections = scan.sections
    this.#ascii = scan.ascii
  }

  get sectionCount(): number {
    return this.#sections.count
  }

  sectionType(index: number): SectionType {
    return this.#sections.type(index)
  }

  /** ConfigSection.name: the profile's or session's name, the header of any other section. */
  sectionName(index: number): string {
    return this.#sections.name(index)
  }

  sectionHeader(index: number): string {
    return this.#sections.header(index)
  }

  /** Index of the section's header line. */
  sectionStart(index: number): number {
    return this.#sections.start(index)
  }

  firstKey(index: number): number {
    return this.#sections.records[index * S_SIZE + S_KEY_FROM] as number
  }

  endKey(index: number): number {
    return this.#sections.records[index * S_SIZE + S_KEY_TO] as number
  }

  /** The profile or sso-session of this name (findSection's answer), -1 when there is none. */
  find(type: 'profile' | 'sso-session', name: string): number {
    return this.#sections.find(type, name)
  }

  /** Index of the key's line. */
  keyLine(k: number): number {
    return this.#keys[k * K_SIZE + K_LINE] as number
  }

  /** The key's name, lower-cased (ConfigKey.name). */
  keyName(k: number): string {
    return keyName(this.#text, this.#keys, k)
  }

  keyValue(k: number): string {
    return this.#text.slice(this.#keys[k * K_SIZE + K_VALUE], this.#keys[k * K_SIZE + K_VALUE_END])
  }

  /** keyName(k) === lower, compared in place (`lower`: a lower-case name). */
  keyIs(k: number, lower: string): boolean {
    return this.#keyMatches(k, lower, true)
  }

  /** keyName(k).startsWith(lower), compared in place. */
  keyStartsWith(k: number, lower: string): boolean {
    return this.#keyMatches(k, lower, false)
  }

  /** The section's key of this name (getKey's), -1 when it has none. The parser refuses a name set twice. */
  findKey(index: number, lower: string): number {
    const to = this.endKey(index)
    for (let k = this.firstKey(index); k < to; k++) if (this.keyIs(k, lower)) return k
    return -1
  }

  /**
   * Each of `names`' key in the section, in one pass over its keys: `out[n]` is findKey(section, names[n]), -1 for
   * none; a name that ends in `*` stands for any name that starts with what precedes the `*` (the first such key).
   */
  keysOf(section: number, names: readonly string[], out: Int32Array): Int32Array {
    out.fill(-1)
    const keys = this.#keys
    const to = this.endKey(section)
    for (let k = this.firstKey(section); k < to; k++) {
      const length = (keys[k * K_SIZE + K_NAME_END] as number) - (keys[k * K_SIZE + K_NAME] as number)
      for (let n = 0; n < names.length; n++) {
        if ((out[n] as number) >= 0) continue
        const name = names[n] as string
        const prefix = name.charCodeAt(name.length - 1) === 0x2a
        const wanted = prefix ? name.length - 1 : name.length
        // In ASCII text the lengths tell most names apart without reading them.
        if (this.#ascii && (prefix ? length < wanted : length !== wanted)) continue
        if (this.#keyMatches(k, name, !prefix, wanted)) out[n] = k
      }
    }
    return out
  }

  /**
   * keysOf for every section at once: entries [s * names.length, (s + 1) * names.length) are keysOf(s, names). For a
   * caller that reads the same keys of thousands of sections: one call and one loop, which V8 compiles while it runs,
   * where a call per section ran as cold code for most of them.
   */
  keysOfEach(names: readonly string[]): Int32Array {
    const width = names.length
    const out = new Int32Array(this.#sections.count * width).fill(-1)
    const text = this.#text
    const keys = this.#keys
    const records = this.#sections.records
    const ascii = this.#ascii
    // The names a key of each length may be (exact names of that length, every prefix no longer than it): a key is
    // compared with one or two names, not all of them.
    const longest = Math.max(0, ...names.map((name) => name.length))
    const byLength: number[][] = Array.from({length: longest + 1}, () => [])
    const bare = names.map((name) => (name.endsWith('*') ? name.slice(0, -1) : name))
    const beyond: number[] = []
    for (const [n, name] of names.entries()) {
      const prefix = name.endsWith('*')
      for (let length = 0; length <= longest; length++) {
        if (prefix ? length >= name.length - 1 : length === name.length) byLength[length]!.push(n)
      }
      if (prefix) beyond.push(n)
    }
    for (let section = 0; section < this.#sections.count; section++) {
      const row = section * width
      const to = records[section * S_SIZE + S_KEY_TO] as number
      for (let k = records[section * S_SIZE + S_KEY_FROM] as number; k < to; k++) {
        const from = keys[k * K_SIZE + K_NAME] as number
        const length = (keys[k * K_SIZE + K_NAME_END] as number) - from
        // Outside ASCII a name's length may change lower-cased: every name is a candidate.
        const candidates = !ascii ? undefined : length <= longest ? byLength[length]! : beyond
        const count = candidates ? candidates.length : width
        for (let c = 0; c < count; c++) {
          const n = candidates ? (candidates[c] as number) : c
          if ((out[row + n] as number) >= 0) continue
          const name = names[n] as string
          const whole = name.charCodeAt(name.length - 1) !== 0x2a
          const size = whole ? name.length : name.length - 1
          if (ascii) {
            // As written (lower case, nearly always): one native comparison. Else compared in place, upper case as lower.
            if (text.startsWith(bare[n] as string, from)) {
              out[row + n] = k
              continue
            }
            let i = 0
            while (i < size) {
              let ch = text.charCodeAt(from + i)
              if (ch >= 0x41 && ch <= 0x5a) ch |= 0x20
              if (ch !== name.charCodeAt(i)) break
              i++
            }
            if (i === size) out[row + n] = k
          } else if (this.#keyMatches(k, name, whole, size)) {
            out[row + n] = k
          }
        }
      }
    }
    return out
  }

  /** Whether the section's name (ConfigSection.name) is not empty (`[profile ""]` names a profile ""). */
  hasName(index: number): boolean {
    return (this.#sections.records[index * S_SIZE + S_NAME] as number) >= 0 || this.#sections.name(index) !== ''
  }

  /** Whether key k's name is (`whole`) or starts with the first `wanted` characters of `lower`. */
  #keyMatches(k: number, lower: string, whole: boolean, wanted = lower.length): boolean {
    const text = this.#text
    const from = this.#keys[k * K_SIZE + K_NAME] as number
    const length = (this.#keys[k * K_SIZE + K_NAME_END] as number) - from
    if (length === wanted || (!whole && length > wanted)) {
      let i = 0
      for (; i < wanted; i++) {
        let c = text.charCodeAt(from + i)
        if (c >= 0x80) break
        if (c >= 0x41 && c <= 0x5a) c |= 0x20
        if (c !== lower.charCodeAt(i)) return false
      }
      if (i === wanted) return true
    } else if (this.#ascii) {
      return false
    }
    // Outside ASCII a lower-cased name may change its length (`İ` is two characters lower-cased): as keyName reads it.
    const name = this.keyName(k)
    return whole ? name === lower.slice(0, wanted) : name.startsWith(lower.slice(0, wanted))
  }
}
