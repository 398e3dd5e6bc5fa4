import type {ConfigRecords, SectionType} from '../aws-config/ini.js'
import {grow} from '../aws-config/ini-scan.js'

/*
 * audit's read of an AWS config or credentials file without the lossless model (issue 22). audit (without --fix,
 * which edits with the parser) reads of each section its header, type, name and line, and of its keys the few it
 * looks at; with 3,000 profiles the parser's whole model (every line's place and kind, a hash of every section, then a
 * second pass over the keys) was most of audit's growth. This scan reads only the plain shapes `profiles sync` and
 * people write, each recognised by one native match where it can: a file of nothing else is read here, in one pass,
 * into flat typed arrays; any other file (a CR, a byte order mark, an indented or continued line, a quoted or spaced
 * header, a key written otherwise than `name = value`, no final newline, a section or key written twice...) is
 * refused as a whole (undefined) and read by the parser, which reports what is wrong with it. What it answers is
 * what the parser's records answer for the same file, to the key numbers (a differential property test holds the
 * two readings equal: test/unit/audit-profile-scan.property.test.ts).
 */

/** What audit reads of a file's sections and keys: the parser's records, or this scan's. */
export type ProfileRecords = Pick<
  ConfigRecords,
  | 'sectionCount'
  | 'sectionType'
  | 'sectionName'
  | 'sectionHeader'
  | 'sectionStart'
  | 'hasName'
  | 'keyLine'
  | 'keyValue'
  | 'findKey'
  | 'keysOfEach'
>

/**
 * A synced profile, header and keys in the order `profiles sync` writes them, as one native match: a keyless profile
 * that makes no finding but its own (ProfileScan's caller reads it from the table). The name as in HEADER_NAME.
 */
const SYNCED =
  /\[profile [!#-&(-[^-~]+\]\ncredential_process = [!-~](?:[^\r\n]*[!-~])?\nregion = [!-~](?:[^\r\n]*[!-~])?\nkeyless_session = [!-~](?:[^\r\n]*[!-~])?\n/y

/** A key line as the parser's fast path reads it (ini-scan.ts KEY_LINE): lower-case ASCII name, ` = `, a value, LF. */
const KEY_LINE = /[a-z][a-z0-9_]* = [!-~](?:[^\r\n]*[!-~])?\n/y

/**
 * A header whose line ends at its `]`, its name one that shlex leaves as it is: printable ASCII but a blank, `"`,
 * `'`, `\` and `]`, after `profile ` or `sso-session ` (one blank) or alone. Its type is told from its text below.
 */
const HEADER = /\[(?:profile |sso-session )?[!#-&(-[^-~]+\]\n/y

const TYPES: readonly SectionType[] = ['default', 'profile', 'sso-session', 'services', 'other', 'ignored']
const DEFAULT = 0
const PROFILE = 1
const SSO_SESSION = 2
const OTHER = 4

/** A section record: its header line, type, header's offsets and name's offsets, its keys. */
const S_START = 0
const S_TYPE = 1
const S_HEADER = 2
const S_HEADER_END = 3
const S_NAME = 4
const S_KEY_FROM = 5
const S_KEY_TO = 6
const S_SIZE = 7

/**
 * Where a section's record (`RECORD.size` numbers of ProfileScan.sections, from `index * RECORD.size`) holds its
 * header's line (0-based) and its name's start and end in the text: for a writer that copies 3,000 names out of the
 * text without a call of ours for each (json.ts). Every name this scan takes is printable ASCII but `"`, `'`, `\`,
 * `]` and a blank (HEADER, SYNCED): in JSON, the string's text as it is.
 */
export const RECORD = {size: S_SIZE, line: S_START, name: S_NAME, nameEnd: S_HEADER_END} as const

/** A key record: its line, its name's offsets, its value's offsets. */
const K_LINE = 0
const K_NAME = 1
const K_NAME_END = 2
const K_VALUE = 3
const K_VALUE_END = 4
const K_SIZE = 5

/**
 * The file's sections and keys, `names`' keys of every section found in the same pass (keysOfEach(names) answers
 * them); undefined for a file of any other shape than the plain ones above (read it with the parser).
 */
export function scanProfiles(text: string, names: readonly string[]): ProfileScan | undefined {
  const n = text.length
  // Refused up front by one native search: a CR (a CRLF, or a lone CR, which ends a line too: a comment would hide the
  // line after it), and a last line without an LF (every line below ends at one). A byte order mark is no line start
  // the loop knows.
  if (n > 0 && (text.charCodeAt(n - 1) !== 0x0a || text.includes('\r'))) return undefined
  const width = names.length
  // The names a key of each length may be (exact names of that length, the prefixes no longer than it), as keysOfEach.
  const longest = Math.max(0, ...names.map((name) => name.length))
  const byLength: number[][] = Array.from({length: longest + 1}, () => [])
  const prefixes: number[] = []
  const bare = names.map((name) => (name.endsWith('*') ? name.slice(0, -1) : name))
  for (const [k, name] of names.entries()) {
    const prefix = name.endsWith('*')
    for (let length = 0; length <= longest; length++)
      if (prefix ? length >= name.length - 1 : length === name.length) byLength[length]!.push(k)
    if (prefix) prefixes.push(k)
  }
  // The synced profile's keys' places in the table (-1: not asked for).
  const credentialProcess = names.indexOf('credential_process')
  const region = names.indexOf('region')
  const keylessSession = names.indexOf('keyless_session')
  const syncedSso = prefixes.some(
    (k) => 'credential_process'.startsWith(bare[k]!) || 'region'.startsWith(bare[k]!) || 'keyless_session'.startsWith(bare[k]!),
  )

  let sections = new Int32Array(Math.max(4, n >> 7) * S_SIZE)
  let keys = new Int32Array(Math.max(16, n >> 5) * K_SIZE)
  let table = new Int32Array(Math.max(4, n >> 7) * width).fill(-1)
  let count = 0
  let keyCount = 0
  let sectionKeyFrom = 0
  // The sections seen, by identity (what makes two of them duplicates to the parser): a profile's or session's name,
  // another section's header. Each a slice of the text, hashed natively.
  const profiles = new Set<string>()
  const sessions = new Set<string>()
  const others = new Set<string>()
  let line = 0
  let pos = 0
  while (pos < n) {
    const c = text.charCodeAt(pos)
    if (c === 0x0a) {
      pos++
      line++
      continue
    }
    if (c === 0x23 || c === 0x3b) {
      pos = text.indexOf('\n', pos) + 1
      line++
      continue
    }
    if (c === 0x5b) {
      const closeAt = text.indexOf(']\n', pos)
      if ((count + 1) * S_SIZE > sections.length) sections = grow(sections, (count + 1) * S_SIZE)
      if ((count + 1) * width > table.length) {
        const bigger = new Int32Array(Math.max((count + 1) * width, table.length * 2)).fill(-1)
        bigger.set(table)
        table = bigger
      }
      const s = count * S_SIZE
      // A synced profile whole: its three keys recorded without reading them again.
      SYNCED.lastIndex = pos
      if (!syncedSso && SYNCED.test(text)) {
        const name = text.slice(pos + 9, closeAt)
        if (profiles.has(name)) return undefined
        profiles.add(name)
        sections[s + S_START] = line
        sections[s + S_TYPE] = PROFILE
        sections[s + S_HEADER] = pos + 1
        sections[s + S_HEADER_END] = closeAt
        sections[s + S_NAME] = pos + 9
        if ((keyCount + 3) * K_SIZE > keys.length) keys = grow(keys, (keyCount + 3) * K_SIZE)
        // Where each key's name and value lie is found when it is read (resolve): most never are.
        const row = count * width
        for (let j = 0; j < 3; j++) {
          const r = (keyCount + j) * K_SIZE
          keys[r + K_LINE] = line + 1 + j
          keys[r + K_NAME] = UNRESOLVED
          keys[r + K_NAME_END] = j
          keys[r + K_VALUE] = closeAt + 2
        }
        if (credentialProcess >= 0) table[row + credentialProcess] = keyCount
        if (region >= 0) table[row + region] = keyCount + 1
        if (keylessSession >= 0) table[row + keylessSession] = keyCount + 2
        sections[s + S_KEY_FROM] = keyCount
        sectionKeyFrom = keyCount
        keyCount += 3
        sections[s + S_KEY_TO] = keyCount
        count++
        line += 4
        pos = SYNCED.lastIndex
        continue
      }
      HEADER.lastIndex = pos
      if (!HEADER.test(text)) return undefined
      // What the parser's classifyHeader makes of it: only `default`, two words of profile or sso-session, or a header
      // that starts with none of the words it splits.
      let type: number
      let name: number
      if (text.startsWith('profile', pos + 1)) {
        if (text.charCodeAt(pos + 8) !== 0x20) return undefined
        type = PROFILE
        name = pos + 9
      } else if (text.startsWith('sso-session', pos + 1)) {
        if (text.charCodeAt(pos + 12) !== 0x20) return undefined
        type = SSO_SESSION
        name = pos + 13
      } else if (text.startsWith('services', pos + 1)) {
        return undefined
      } else {
        type = closeAt - pos - 1 === 7 && text.startsWith('default', pos + 1) ? DEFAULT : OTHER
        name = pos + 1
      }
      // (A profile's or session's name is the rest: not empty, no blank.)
      const identity = text.slice(name, closeAt)
      const seen = type === PROFILE ? profiles : type === SSO_SESSION ? sessions : others
      if (seen.has(identity)) return undefined
      seen.add(identity)
      sections[s + S_START] = line
      sections[s + S_TYPE] = type
      sections[s + S_HEADER] = pos + 1
      sections[s + S_HEADER_END] = closeAt
      sections[s + S_NAME] = name
      sections[s + S_KEY_FROM] = keyCount
      sections[s + S_KEY_TO] = keyCount
      sectionKeyFrom = keyCount
      count++
      line++
      pos = closeAt + 2
      continue
    }
    if (c < 0x61 || c > 0x7a || count === 0) return undefined
    KEY_LINE.lastIndex = pos
    if (!KEY_LINE.test(text)) return undefined
    const nl = KEY_LINE.lastIndex - 1
    const nameEnd = text.indexOf(' ', pos)
    const length = nameEnd - pos
    // A key set twice in the section: the parser refuses the file (names are lower-case here: compared as written).
    for (let k = sectionKeyFrom; k < keyCount; k++) {
      const r = k * K_SIZE
      if ((keys[r + K_NAME] as number) === UNRESOLVED) resolve(text, keys, k)
      if (
        (keys[r + K_NAME_END] as number) - (keys[r + K_NAME] as number) === length &&
        text.startsWith(text.slice(pos, nameEnd), keys[r + K_NAME] as number)
      )
        return undefined
    }
    if ((keyCount + 1) * K_SIZE > keys.length) keys = grow(keys, (keyCount + 1) * K_SIZE)
    const r = keyCount * K_SIZE
    keys[r + K_LINE] = line
    keys[r + K_NAME] = pos
    keys[r + K_NAME_END] = nameEnd
    keys[r + K_VALUE] = nameEnd + 3
    keys[r + K_VALUE_END] = nl
    const row = (count - 1) * width
    const candidates = length <= longest ? byLength[length]! : prefixes
    for (let j = 0; j < candidates.length; j++) {
      const k = candidates[j] as number
      if ((table[row + k] as number) < 0 && text.startsWith(bare[k]!, pos)) table[row + k] = keyCount
    }
    keyCount++
    sections[(count - 1) * S_SIZE + S_KEY_TO] = keyCount
    line++
    pos = nl + 1
  }
  return new ProfileScan(text, sections, count, keys, table.subarray(0, count * width), names)
}

/**
 * A synced profile's key whose place is not read yet: its K_NAME_END is its number in the section (0-2), its K_VALUE
 * where the section's first key line starts.
 */
const UNRESOLVED = -1

/** Finds where key `k`'s name and value lie, with the other keys of its synced profile. */
function resolve(text: string, keys: Int32Array, k: number): void {
  const first = k - (keys[k * K_SIZE + K_NAME_END] as number)
  let at = keys[first * K_SIZE + K_VALUE] as number
  for (let j = 0; j < 3; j++) {
    const r = (first + j) * K_SIZE
    const nameEnd = text.indexOf(' ', at)
    const nl = text.indexOf('\n', nameEnd)
    keys[r + K_NAME] = at
    keys[r + K_NAME_END] = nameEnd
    keys[r + K_VALUE] = nameEnd + 3
    keys[r + K_VALUE_END] = nl
    at = nl + 1
  }
}

/** The sections and keys scanProfiles found: what ConfigRecords answers for the same file, numbered the same. */
export class ProfileScan implements ProfileRecords {
  constructor(
    readonly text: string,
    readonly sections: Int32Array,
    readonly sectionCount: number,
    readonly keys: Int32Array,
    readonly table: Int32Array,
    readonly names: readonly string[],
  ) {}

  sectionType(index: number): SectionType {
    return TYPES[this.sections[index * S_SIZE + S_TYPE] as number] as SectionType
  }

  sectionName(index: number): string {
    const s = index * S_SIZE
    return this.text.slice(this.sections[s + S_NAME], this.sections[s + S_HEADER_END])
  }

  sectionHeader(index: number): string {
    const s = index * S_SIZE
    return this.text.slice(this.sections[s + S_HEADER], this.sections[s + S_HEADER_END])
  }

  sectionStart(index: number): number {
    return this.sections[index * S_SIZE + S_START] as number
  }

  /** (Every name this scan takes is at least one character.) */
  hasName(_index: number): boolean {
    return true
  }

  keyLine(k: number): number {
    return this.keys[k * K_SIZE + K_LINE] as number
  }

  keyValue(k: number): string {
    if ((this.keys[k * K_SIZE + K_NAME] as number) === UNRESOLVED) resolve(this.text, this.keys, k)
    return this.text.slice(this.keys[k * K_SIZE + K_VALUE], this.keys[k * K_SIZE + K_VALUE_END])
  }

  findKey(index: number, lower: string): number {
    const s = index * S_SIZE
    const to = this.sections[s + S_KEY_TO] as number
    for (let k = this.sections[s + S_KEY_FROM] as number; k < to; k++) {
      const r = k * K_SIZE
      if ((this.keys[r + K_NAME] as number) === UNRESOLVED) resolve(this.text, this.keys, k)
      if (
        (this.keys[r + K_NAME_END] as number) - (this.keys[r + K_NAME] as number) === lower.length &&
        this.text.startsWith(lower, this.keys[r + K_NAME] as number)
      )
        return k
    }
    return -1
  }

  /** The table of the names scanned for; any other names' read from the keys (as ConfigRecords.keysOfEach). */
  keysOfEach(names: readonly string[]): Int32Array {
    if (names === this.names || (names.length === this.names.length && names.every((name, n) => name === this.names[n]))) return this.table
    const width = names.length
    const out = new Int32Array(this.sectionCount * width).fill(-1)
    for (let index = 0; index < this.sectionCount; index++) {
      const s = index * S_SIZE
      for (let k = this.sections[s + S_KEY_FROM] as number; k < (this.sections[s + S_KEY_TO] as number); k++) {
        const r = k * K_SIZE
        if ((this.keys[r + K_NAME] as number) === UNRESOLVED) resolve(this.text, this.keys, k)
        const name = this.text.slice(this.keys[r + K_NAME], this.keys[r + K_NAME_END])
        for (const [n, wanted] of names.entries()) {
          if ((out[index * width + n] as number) >= 0) continue
          if (wanted.endsWith('*') ? name.startsWith(wanted.slice(0, -1)) : name === wanted) out[index * width + n] = k
        }
      }
    }
    return out
  }
}
