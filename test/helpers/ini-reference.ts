import {ConfigSyntaxError} from '../../src/aws-config/errors.js'

/**
 * A lossless model of the AWS config file (INI as botocore reads it).
 *
 * The document is the list of its lines, each with its exact text and its own line ending, so that
 * `serializeConfig(parseConfig(text)) === text` for every text the parser accepts. Editors work on lines
 * and re-serialise: whatever they do not touch comes back byte for byte.
 *
 * What counts as what mirrors Python's `configparser.RawConfigParser` as used by botocore's
 * `raw_config_parse` (AWS CLI, boto3):
 * - a comment is a line whose first non-blank character is `#` or `;`. There are no inline comments:
 *   `region = us-east-1 # main` has the value `us-east-1 # main` (botocore keeps it; the JS SDK would cut it).
 * - a key line is `name = value` or `name: value`, split at the first `=` or `:`; names are case-insensitive
 *   (configparser lower-cases them), values are trimmed.
 * - a line indented deeper than the key line above it (blank and comment lines in between do not count) is a
 *   continuation of that key: with an empty value (`s3 =`) these are the nested sub-keys botocore parses as
 *   `{max_concurrent_requests: '20'}`.
 * - a section header is a stripped line `[...]` with at least one character inside: the header runs to the last
 *   `]` (anything after it is ignored, as configparser does) and is not trimmed (`[ profile a ]` is a section
 *   named " profile a ", not a profile). A header that starts with `profile`, `sso-session` or `services` is
 *   split like `shlex.split`: two words make a profile / session / services section named by the second word
 *   (quotes work: `[profile "my name"]`); anything else (`[profile]`, `[profile two words]`, an unbalanced
 *   quote) is a section botocore silently drops: type `ignored`, listed in `ConfigDocument.ignored`.
 * Where botocore fails (a key before any section, a line that is neither, a duplicated section or key, a line
 * without `=` in a nested block) this parser throws a ConfigSyntaxError naming the line. It refuses one thing
 * more, because keyless's edit would be ambiguous: two sections for the same profile or sso-session written
 * differently (`[profile a]` and `[profile "a"]`; botocore keeps the last, the JS SDK merges them).
 * A UTF-8 byte order mark is accepted and kept (botocore rejects it, the JS SDK reads it; `bom` tells).
 * Every step is linear in the length of the line (a 1 MB line parses in milliseconds).
 */

export type LineEnding = '\n' | '\r\n' | '\r' | ''

export type LineKind = 'section' | 'key' | 'subkey' | 'comment' | 'blank'

export interface ConfigLine {
  /** The exact text of the line, without its line ending (and without the BOM on line 1). */
  text: string
  /** The line's own ending; '' only on a last line that has none. */
  eol: LineEnding
  kind: LineKind
  /** 1-based line number in the parsed text. */
  lineNumber: number
  /** Index in `ConfigDocument.sections` of the section the line sits in, -1 before the first header. */
  section: number
  /** For key and subkey lines: the name as written (trimmed). */
  key?: string
  /** For key and subkey lines: the value (trimmed; for a key with continuation lines, only this line's part). */
  value?: string
  /** For subkey lines: the index of the key line they continue. */
  parent?: number
}

/** `ignored`: a `[profile ...]`, `[sso-session ...]` or `[services ...]` header botocore drops (not two words). */
export type SectionType = 'default' | 'profile' | 'sso-session' | 'services' | 'other' | 'ignored'

export interface ConfigKey {
  /** Lower-cased name, as botocore sees it. */
  name: string
  /** The value of the key line, trimmed ('' for a nested `s3 =` block). */
  value: string
  /** Index of the key line. */
  line: number
  /** Index one past the key's last continuation line (`line + 1` when it has none). */
  end: number
}

export interface ConfigSection {
  /** The text between `[` and the last `]` as written: `profile dev`, `sso-session acme`, `default`. */
  header: string
  type: SectionType
  /** Profile / session / services name; the header itself for `default` and `other`. */
  name: string
  /** Index of the header line. */
  start: number
  /** Index one past the last key or continuation line (`start + 1` for an empty section): the section's body. */
  bodyEnd: number
  /** Index of the next section's header (or the line count): trailing blanks and comments sit in [bodyEnd, end). */
  end: number
  /** Keys in file order. */
  keys: ConfigKey[]
}

export interface ConfigDocument {
  /** The file started with a UTF-8 byte order mark (kept on output). */
  bom: boolean
  lines: ConfigLine[]
  sections: ConfigSection[]
  /** The line ending new lines get: the file's dominant one (LF for an empty file). */
  eol: '\n' | '\r\n'
  /** The last line ends with a line ending (true for an empty file). */
  finalNewline: boolean
  /** Sections the AWS tools drop (type `ignored`), with why: kept byte for byte, worth a warning. */
  ignored: Array<{section: number; reason: string}>
}

export interface ParseOptions {
  /** How the file is named in error messages, e.g. `~/.aws/config`. */
  path?: string
}

const BOM = '\ufeff'

/**
 * Python's `str.isspace()`, which configparser's `strip()` and `\s` use: JS's `\s` without the BOM, plus the
 * separators U+001C-U+001F and U+0085. Scanned by hand: a regex over a long run of spaces backtracks (quadratic).
 */
function isSpace(c: number): boolean {
  if (c <= 0x20) return (c >= 0x09 && c <= 0x0d) || c >= 0x1c
  if (c < 0x85) return false
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  )
}
const indentOf = (s: string): number => {
  let i = 0
  while (i < s.length && isSpace(s.charCodeAt(i))) i++
  return i
}
const strip = (s: string): string => {
  let end = s.length
  while (end > 0 && isSpace(s.charCodeAt(end - 1))) end--
  return end === 0 ? '' : s.slice(indentOf(s), end)
}

/** Splits text into lines keeping each line's ending (LF, CRLF or a lone CR, as Python's universal newlines). */
export function splitLines(text: string): Array<{text: string; eol: LineEnding}> {
  const out: Array<{text: string; eol: LineEnding}> = []
  const re = /\r\n|\n|\r/g
  let last = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({text: text.slice(last, m.index), eol: m[0] as LineEnding})
    last = m.index + m[0].length
  }
  if (last < text.length) out.push({text: text.slice(last), eol: ''})
  return out
}

/**
 * Python's `shlex.split` (POSIX mode, no comments), which botocore applies to `[profile ...]` headers: words
 * split at space, tab, CR and LF; single quotes literal; in double quotes a backslash escapes only `"` and `\`;
 * outside quotes it escapes any character. Undefined where shlex raises (an open quote, a trailing backslash).
 */
export function shlexSplit(s: string): string[] | undefined {
  const words: string[] = []
  let word = ''
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else if (c === "'") {
      const close = s.indexOf("'", i + 1)
      if (close < 0) return undefined
      word += s.slice(i + 1, close)
      inWord = true
      i = close
    } else if (c === '"') {
      inWord = true
      let j = i + 1
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && (s[j + 1] === '"' || s[j + 1] === '\\')) j++
        word += s[j]
      }
      if (j >= s.length) return undefined
      i = j
    } else if (c === '\\') {
      if (i + 1 >= s.length) return undefined
      word += s[++i]
      inWord = true
    } else {
      word += c
      inWord = true
    }
  }
  if (inWord) words.push(word)
  return words
}

/** Splits a key line the way configparser's OPTCRE does: name up to the first `=` or `:`. */
export function splitKeyLine(text: string, delimiters = '=:'): {key: string; value: string; valueStart: number} | undefined {
  const start = indentOf(text)
  let at = start
  while (at < text.length && !delimiters.includes(text[at] as string)) at++
  if (at >= text.length) return undefined
  let valueStart = at + 1
  while (valueStart < text.length && isSpace(text.charCodeAt(valueStart))) valueStart++
  return {key: strip(text.slice(start, at)), value: strip(text.slice(valueStart)), valueStart}
}

/** What botocore's build_profile_map makes of a header (it tests the prefixes with `startswith`). */
function classifyHeader(header: string): {type: SectionType; name: string; ignored?: string} {
  for (const type of ['profile', 'sso-session', 'services'] as const) {
    if (!header.startsWith(type)) continue
    const words = shlexSplit(header)
    if (!words) return {type: 'ignored', name: header, ignored: 'an unbalanced quote or a trailing backslash'}
    if (words.length < 2) return {type: 'ignored', name: header, ignored: `no ${type} name; write [${type} NAME]`}
    if (words.length > 2) return {type: 'ignored', name: header, ignored: `a ${type} name with a space; quote it: [${type} "NAME"]`}
    return {type, name: words[1] as string}
  }
  if (header === 'default') return {type: 'default', name: 'default'}
  return {type: 'other', name: header}
}

/** Identity used to detect duplicated sections (the same profile written twice, however it is quoted). */
function sectionIdentity(s: {type: SectionType; name: string; header: string}): string {
  return s.type === 'profile' || s.type === 'sso-session' ? `${s.type}\0${s.name}` : `header\0${s.header}`
}

function describe(s: {type: SectionType; name: string; header: string}): string {
  return s.type === 'profile' || s.type === 'sso-session' || s.type === 'services' ? `[${s.type} ${s.name}]` : `[${s.header}]`
}

const quoteLine = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)

/** One warning per section the AWS tools ignore, and for a byte order mark, each naming its line. */
export function configWarnings(doc: ConfigDocument, path = 'config'): string[] {
  const warnings = doc.ignored.map(({section, reason}) => {
    const s = doc.sections[section] as ConfigSection
    return `${path} line ${s.start + 1}: the AWS CLI and SDKs ignore ${quoteLine(`[${s.header}]`)} (${reason}): kept as it is`
  })
  if (doc.bom) {
    warnings.unshift(`${path} line 1: starts with a UTF-8 byte order mark, which the AWS CLI cannot read (the SDKs can): kept as it is`)
  }
  return warnings
}

/** Parses the text of an AWS config file. Throws ConfigSyntaxError (with the line) on anything unsafe to edit. */
export function parseConfig(input: string, options: ParseOptions = {}): ConfigDocument {
  const path = options.path ?? 'config'
  const bom = input.startsWith(BOM)
  const text = bom ? input.slice(1) : input
  const raw = splitLines(text)
  const fail: (lineIndex: number, reason: string) => never = (lineIndex, reason) => {
    throw new ConfigSyntaxError(path, lineIndex + 1, reason)
  }

  const lines: ConfigLine[] = []
  const sections: ConfigSection[] = []
  const ignored: ConfigDocument['ignored'] = []
  const seen = new Map<string, number>()
  let current: ConfigSection | undefined
  let option: {index: number; indent: number; nested: boolean} | undefined

  for (const [i, {text: lineText, eol}] of raw.entries()) {
    const base = {text: lineText, eol, lineNumber: i + 1, section: sections.length - 1}
    const trimmed = strip(lineText)
    if (trimmed === '') {
      lines.push({...base, kind: 'blank'})
      continue
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) {
      lines.push({...base, kind: 'comment'})
      continue
    }
    const indent = indentOf(lineText)
    if (current && option && indent > option.indent) {
      const parentLine = lines[option.index] as ConfigLine
      const kv = splitKeyLine(lineText)
      // botocore splits a nested block's lines at the first `=` (not `:`) and fails on a line without one.
      if (option.nested && !trimmed.includes('=')) {
        fail(i, `${quoteLine(trimmed)} is not a "name = value" line inside the nested "${parentLine.key}" block`)
      }
      lines.push({...base, kind: 'subkey', key: kv?.key, value: kv?.value, parent: option.index})
      const key = current.keys.at(-1) as ConfigKey
      key.end = i + 1
      current.bodyEnd = i + 1
      continue
    }
    // configparser's SECTCRE, `\[(.+)\]` matched at the start of the stripped line (greedy: to the last `]`).
    const close = trimmed.startsWith('[') ? trimmed.lastIndexOf(']') : -1
    if (close >= 2) {
      const header = trimmed.slice(1, close)
      const {type, name, ignored: why} = classifyHeader(header)
      const identity = sectionIdentity({type, name, header})
      const first = seen.get(identity)
      if (first !== undefined) {
        fail(
          i,
          `duplicate section ${describe({type, name, header})} (first at line ${first + 1}); ` +
            'AWS tools reject or merge duplicates, so keyless will not edit this file until one is removed',
        )
      }
      seen.set(identity, i)
      current = {header, type, name, start: i, bodyEnd: i + 1, end: i + 1, keys: []}
      sections.push(current)
      if (why !== undefined) ignored.push({section: sections.length - 1, reason: why})
      option = undefined
      lines.push({...base, section: sections.length - 1, kind: 'section'})
      continue
    }
    const kv = splitKeyLine(lineText)
    if (!kv && trimmed.startsWith('[')) {
      fail(i, close === 1 ? `"${trimmed}" is an empty section header` : `${quoteLine(trimmed)} is not a section header (missing "]")`)
    }
    if (!current) {
      fail(i, `${quoteLine(trimmed)} is outside any section (add a [default] or [profile NAME] header above it)`)
    }
    if (!kv) fail(i, `${quoteLine(trimmed)} is neither a section header, a "name = value" line nor a comment`)
    if (kv.key === '') fail(i, `${quoteLine(trimmed)} has no name before the "${trimmed[0]}"`)
    const name = kv.key.toLowerCase()
    const dup = current.keys.find((k) => k.name === name)
    if (dup) {
      fail(i, `"${kv.key}" is set twice in ${describe(current)} (first at line ${dup.line + 1}); AWS tools reject that`)
    }
    current.keys.push({name, value: kv.value, line: i, end: i + 1})
    current.bodyEnd = i + 1
    option = {index: i, indent, nested: kv.value === ''}
    lines.push({...base, kind: 'key', key: kv.key, value: kv.value})
  }

  for (const [n, s] of sections.entries()) s.end = sections[n + 1]?.start ?? lines.length

  let crlf = 0
  let lf = 0
  for (const l of lines) {
    if (l.eol === '\r\n') crlf++
    else if (l.eol === '\n') lf++
  }
  const eol = crlf > lf || (crlf === lf && lines[0]?.eol === '\r\n') ? '\r\n' : '\n'
  const finalNewline = lines.length === 0 || (lines.at(-1) as ConfigLine).eol !== ''
  return {bom, lines, sections, eol, finalNewline, ignored}
}

/** The exact text of a document (a parsed document serialises to its input, byte for byte). */
export function serializeConfig(doc: Pick<ConfigDocument, 'bom' | 'lines'>): string {
  return (doc.bom ? BOM : '') + doc.lines.map((l) => l.text + l.eol).join('')
}

/** A section's value for a key (case-insensitive), as botocore would read it; undefined when absent. */
export function getKey(section: ConfigSection, name: string): string | undefined {
  return section.keys.find((k) => k.name === name.toLowerCase())?.value
}

/** Finds a section by type and name (`findSection(doc, 'sso-session', 'acme')`). */
export function findSection(doc: ConfigDocument, type: SectionType, name: string): ConfigSection | undefined {
  return doc.sections.find((s) => s.type === type && s.name === name)
}
