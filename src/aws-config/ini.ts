import {ConfigSyntaxError} from './errors.js'

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
 * - a section header is `[...]`: the name runs to the last `]` (anything after it is ignored, as configparser
 *   does); `[profile NAME]` and `[sso-session NAME]` names are split like `shlex.split`, so quotes work.
 * Where botocore fails (a key before any section, a line that is neither, a duplicated section or key) this
 * parser throws a ConfigSyntaxError naming the line; it is also stricter on two things botocore silently
 * ignores: `[profile]` / `[sso-session]` without a name (or with several) and NUL bytes.
 * A UTF-8 byte order mark is accepted (botocore itself would reject it) and kept.
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

export type SectionType = 'default' | 'profile' | 'sso-session' | 'services' | 'other'

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
  /** The text between `[` and the last `]`, trimmed: `profile dev`, `sso-session acme`, `default`. */
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
}

export interface ParseOptions {
  /** How the file is named in error messages, e.g. `~/.aws/config`. */
  path?: string
}

const BOM = '\ufeff'
/** configparser's `str.strip()` and `\s`: Unicode whitespace, but never the BOM (JS `trim()` strips it). */
const strip = (s: string): string => s.replace(/^[^\S\ufeff]+|[^\S\ufeff]+$/g, '')
const indentOf = (s: string): number => /^[^\S\ufeff]*/.exec(s)?.[0].length ?? 0

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

/** `shlex.split` (POSIX mode, no comments): enough to read `[profile "my name"]` as botocore does. */
export function shlexSplit(s: string): string[] | undefined {
  const words: string[] = []
  let word = ''
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (/\s/.test(c)) {
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
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1] as string)) j++
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
export function splitKeyLine(text: string): {key: string; value: string; valueStart: number} | undefined {
  const m = /^([^\S\ufeff]*)(.*?)([^\S\ufeff]*[=:][^\S\ufeff]*)(.*)$/s.exec(text)
  if (!m) return undefined
  const key = strip(m[2] ?? '')
  return {key, value: strip(m[4] ?? ''), valueStart: (m[1] ?? '').length + (m[2] ?? '').length + (m[3] ?? '').length}
}

function classifyHeader(header: string, fail: (reason: string) => never): {type: SectionType; name: string} {
  const first = /^(\S+)/.exec(header)?.[1] ?? ''
  if (first === 'profile' || first === 'sso-session' || first === 'services') {
    const words = shlexSplit(header)
    if (!words) fail(`"[${header}]" has an unbalanced quote`)
    if (words.length < 2 || words[1] === '') fail(`"[${header}]" names no ${first} (write [${first} NAME])`)
    if (words.length > 2) {
      fail(`"[${header}]" names more than one ${first} (AWS tools ignore it; quote a name with spaces or remove it)`)
    }
    return {type: first, name: words[1] as string}
  }
  if (header === 'default') return {type: 'default', name: 'default'}
  return {type: 'other', name: header}
}

/** Identity used to detect duplicated sections (the same profile written twice, however it is quoted). */
function sectionIdentity(s: {type: SectionType; name: string; header: string}): string {
  return s.type === 'other' ? `other\0${s.header}` : `${s.type}\0${s.name}`
}

function describe(s: {type: SectionType; name: string; header: string}): string {
  return s.type === 'other' || s.type === 'default' ? `[${s.header}]` : `[${s.type} ${s.name}]`
}

const quoteLine = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)

/** Parses the text of an AWS config file. Throws ConfigSyntaxError (with the line) on anything unsafe to edit. */
export function parseConfig(input: string, options: ParseOptions = {}): ConfigDocument {
  const path = options.path ?? 'config'
  const bom = input.startsWith(BOM)
  const text = bom ? input.slice(1) : input
  const raw = splitLines(text)
  const fail: (lineIndex: number, reason: string) => never = (lineIndex, reason) => {
    throw new ConfigSyntaxError(path, lineIndex + 1, reason)
  }

  const nul = raw.findIndex((l) => l.text.includes('\0'))
  if (nul >= 0) fail(nul, 'contains a NUL byte: this is binary data, not a config file')

  const lines: ConfigLine[] = []
  const sections: ConfigSection[] = []
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
      if (option.nested && (!kv || kv.key === '')) {
        fail(i, `${quoteLine(trimmed)} is not a "name = value" line inside the nested "${parentLine.key}" block`)
      }
      lines.push({...base, kind: 'subkey', key: kv?.key, value: kv?.value, parent: option.index})
      const key = current.keys.at(-1) as ConfigKey
      key.end = i + 1
      current.bodyEnd = i + 1
      continue
    }
    if (trimmed.startsWith('[')) {
      const close = trimmed.lastIndexOf(']')
      if (close < 0) fail(i, `${quoteLine(trimmed)} is not a section header (missing "]")`)
      const header = strip(trimmed.slice(1, close))
      if (header === '') fail(i, `"${trimmed}" is an empty section header`)
      const {type, name} = classifyHeader(header, (reason) => fail(i, reason))
      const identity = sectionIdentity({type, name, header})
      const first = seen.get(identity)
      if (first !== undefined) {
        fail(i, `duplicate section ${describe({type, name, header})} (first at line ${first + 1}); ` +
          'AWS tools reject or merge duplicates, so keyless will not edit this file until one is removed')
      }
      seen.set(identity, i)
      current = {header, type, name, start: i, bodyEnd: i + 1, end: i + 1, keys: []}
      sections.push(current)
      option = undefined
      lines.push({...base, section: sections.length - 1, kind: 'section'})
      continue
    }
    if (!current) {
      fail(i, `${quoteLine(trimmed)} is outside any section (add a [default] or [profile NAME] header above it)`)
    }
    const kv = splitKeyLine(lineText)
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
  return {bom, lines, sections, eol, finalNewline}
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
