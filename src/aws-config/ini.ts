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

const NEEDS_SHLEX = /['"\\\t\r\n]/

/**
 * Python's `shlex.split` (POSIX mode, no comments), which botocore applies to `[profile ...]` headers: words
 * split at space, tab, CR and LF; single quotes literal; in double quotes a backslash escapes only `"` and `\`;
 * outside quotes it escapes any character. Undefined where shlex raises (an open quote, a trailing backslash).
 */
export function shlexSplit(s: string): string[] | undefined {
  // Without quotes, backslashes or blanks other than spaces, shlex only splits at spaces: a native split, not a loop per character.
  if (!NEEDS_SHLEX.test(s)) {
    const words = s.split(' ')
    return words.includes('') ? words.filter((w) => w !== '') : words
  }
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

/**
 * The last text parsed and its document. A command reads the config file in more than one module (the session,
 * the profiles, the edit); the same bytes are modelled once per process, as the AWS SDK's shared-ini loader does.
 * Documents are never changed after parsing (editors record their edits aside), so sharing one is safe.
 */
let lastParsed: {input: string; doc: ConfigDocument} | undefined

/** Parses the text of an AWS config file. Throws ConfigSyntaxError (with the line) on anything unsafe to edit. */
export function parseConfig(input: string, options: ParseOptions = {}): ConfigDocument {
  if (lastParsed?.input === input) return lastParsed.doc
  const doc = parseDocument(input, options)
  lastParsed = {input, doc}
  return doc
}

function parseDocument(input: string, options: ParseOptions): ConfigDocument {
  const bom = input.startsWith(BOM)
  const parsed = parseLines(bom ? input.slice(1) : input, 0, options.path ?? 'config', false)
  const {lines} = parsed
  const eol = parsed.crlf > parsed.lf || (parsed.crlf === parsed.lf && lines[0]?.eol === '\r\n') ? '\r\n' : '\n'
  const finalNewline = lines.length === 0 || (lines.at(-1) as ConfigLine).eol !== ''
  return {bom, lines, sections: parsed.sections, eol, finalNewline, ignored: parsed.ignored}
}

/**
 * The `[sso-session NAME]` section alone, as parseConfig would give it, without a model of the rest of the file
 * (credential-process's cache hit reads one section of a file that may hold thousands of profiles). Candidate
 * headers are found with one native string search; the section's own lines go through the same line parser as
 * parseConfig, so comments, line endings, continuation lines and keys read the same. Where only the whole file can
 * tell (the header indented, so maybe a continuation line; the session written twice), it parses the whole file.
 * Errors elsewhere in the file are not this function's business: it answers for the section (parseConfig reports
 * them). Undefined when the file has no such section; throws ConfigSyntaxError when the section is unreadable.
 * Line indexes in the result may count from the header: read names and values, not positions.
 */
export function findSsoSessionSection(input: string, name: string, options: ParseOptions = {}): ConfigSection | undefined {
  const text = input.startsWith(BOM) ? input.slice(1) : input
  const whole = () => findSection(parseConfig(input, options), 'sso-session', name)
  let found = -1
  for (let at = text.indexOf('[sso-session'); at >= 0; at = text.indexOf('[sso-session', at + 1)) {
    let lineStart = at
    while (lineStart > 0 && !isLineBreak(text.charCodeAt(lineStart - 1)) && isSpace(text.charCodeAt(lineStart - 1))) lineStart--
    if (lineStart > 0 && !isLineBreak(text.charCodeAt(lineStart - 1))) continue
    let lineEnd = at
    while (lineEnd < text.length && !isLineBreak(text.charCodeAt(lineEnd))) lineEnd++
    let last = lineEnd
    while (isSpace(text.charCodeAt(last - 1))) last--
    const close = text.lastIndexOf(']', last - 1)
    if (close < at + 2) continue
    const header = classifyHeader(text.slice(at + 1, close))
    if (header.type !== 'sso-session' || header.name !== name) continue
    // Indented: a header, or a continuation of the key above it; a second header for the session: an error.
    if (lineStart < at || found >= 0) return whole()
    found = at
  }
  if (found < 0) return undefined
  try {
    return parseLines(text, found, options.path ?? 'config', true).sections[0]
  } catch (error) {
    // The error with its line number, as the whole file's parse reports it.
    if (error instanceof ConfigSyntaxError) whole()
    throw error
  }
}

/** Past this many keys a section's duplicate check uses a map (below it a scan of the few keys is cheaper). */
const MANY_KEYS = 16

/**
 * The session a line names when the parser would read it as an `[sso-session NAME]` header (indentation aside:
 * an indented one may be a continuation line); undefined for any other line.
 */
export function ssoSessionHeaderName(line: string): string | undefined {
  const trimmed = strip(line)
  const close = trimmed.startsWith('[') ? trimmed.lastIndexOf(']') : -1
  if (close < 2) return undefined
  const header = classifyHeader(trimmed.slice(1, close))
  return header.type === 'sso-session' ? header.name : undefined
}

const isLineBreak = (c: number): boolean => c === 0x0a || c === 0x0d

/**
 * The line parser behind parseConfig and findSsoSessionSection: reads text from offset `from` (a line start) to
 * the end, or with `single` to the header after the first section's. One pass, each line cut with indexOf and
 * scanned once from each end, one object per line: linear with a small constant even before V8 optimises it
 * (a CLI parses once per process).
 */
function parseLines(text: string, from: number, path: string, single: boolean) {
  const fail: (lineIndex: number, reason: string) => never = (lineIndex, reason) => {
    throw new ConfigSyntaxError(path, lineIndex + 1, reason)
  }
  const lines: ConfigLine[] = []
  const sections: ConfigSection[] = []
  const ignored: ConfigDocument['ignored'] = []
  const seen = new Map<string, number>()
  let current: ConfigSection | undefined
  // The current section's keys by name once it has many: a duplicate is found in constant time however long it is.
  let keyMap: Map<string, ConfigKey> | undefined
  // The key line continuation lines belong to (-1: none since the header), its indent, and whether it opens a nested block.
  let option = -1
  let optionIndent = 0
  let optionNested = false
  let crlf = 0
  let lf = 0
  const n = text.length
  let nextCr = text.indexOf('\r', from)
  if (nextCr < 0) nextCr = n
  let pos = from
  for (let i = 0; pos < n; i++) {
    // The line: up to the next LF, CRLF or lone CR (Python's universal newlines).
    if (nextCr < pos) {
      nextCr = text.indexOf('\r', pos)
      if (nextCr < 0) nextCr = n
    }
    let nl = text.indexOf('\n', pos)
    if (nl < 0) nl = n
    let end: number
    let eol: LineEnding
    if (nextCr < nl) {
      end = nextCr
      eol = nextCr + 1 === nl ? '\r\n' : '\r'
    } else {
      end = nl
      eol = nl === n ? '' : '\n'
    }
    if (eol === '\r\n') crlf++
    else if (eol === '\n') lf++
    const lineText = text.slice(pos, end)
    const lineStart = pos
    pos = end + eol.length
    const section = sections.length - 1
    const len = lineText.length
    let first = 0
    while (first < len && isSpace(lineText.charCodeAt(first))) first++
    if (first === len) {
      lines.push({text: lineText, eol, lineNumber: i + 1, section, kind: 'blank'})
      continue
    }
    const c = lineText.charCodeAt(first)
    if (c === 0x23 || c === 0x3b) {
      lines.push({text: lineText, eol, lineNumber: i + 1, section, kind: 'comment'})
      continue
    }
    let last = len
    while (isSpace(lineText.charCodeAt(last - 1))) last--
    const indent = first
    if (current && option >= 0 && indent > optionIndent) {
      const kv = keyValue(lineText, first, last)
      // botocore splits a nested block's lines at the first `=` (not `:`) and fails on a line without one.
      if (optionNested && !lineText.includes('=')) {
        const parentKey = (lines[option] as ConfigLine).key
        fail(i, `${quoteLine(lineText.slice(first, last))} is not a "name = value" line inside the nested "${parentKey}" block`)
      }
      lines.push({text: lineText, eol, lineNumber: i + 1, section, kind: 'subkey', key: kv?.key, value: kv?.value, parent: option})
      const key = current.keys.at(-1) as ConfigKey
      key.end = i + 1
      current.bodyEnd = i + 1
      continue
    }
    // configparser's SECTCRE, `\[(.+)\]` matched at the start of the stripped line (greedy: to the last `]`).
    const close = c === 0x5b ? lineText.lastIndexOf(']', last - 1) - first : -1
    if (close >= 2) {
      // findSsoSessionSection: the next header ends the one section it wants.
      if (single && current) break
      const header = lineText.slice(first + 1, first + close)
      const {type, name, ignored: why} = classifyHeader(header)
      const identity = sectionIdentity({type, name, header})
      const previous = seen.get(identity)
      if (previous !== undefined) {
        fail(
          i,
          `duplicate section ${describe({type, name, header})} (first at line ${previous + 1}); ` +
            'AWS tools reject or merge duplicates, so keyless will not edit this file until one is removed',
        )
      }
      seen.set(identity, i)
      current = {header, type, name, start: i, bodyEnd: i + 1, end: i + 1, keys: []}
      sections.push(current)
      if (why !== undefined) ignored.push({section: sections.length - 1, reason: why})
      option = -1
      keyMap = undefined
      lines.push({text: lineText, eol, lineNumber: i + 1, section: sections.length - 1, kind: 'section'})
      continue
    }
    if (single && !current) throw new Error(`parseLines: offset ${lineStart} is not a section header`)
    // The name up to the first `=` or `:` (configparser's OPTCRE), both sides stripped.
    const eq = lineText.indexOf('=', first)
    const colon = lineText.indexOf(':', first)
    const at = eq < 0 ? colon : colon < 0 ? eq : eq < colon ? eq : colon
    if (at < 0 && c === 0x5b) {
      const trimmed = lineText.slice(first, last)
      fail(i, close === 1 ? `"${trimmed}" is an empty section header` : `${quoteLine(trimmed)} is not a section header (missing "]")`)
    }
    if (!current) {
      fail(i, `${quoteLine(lineText.slice(first, last))} is outside any section (add a [default] or [profile NAME] header above it)`)
    }
    if (at < 0) fail(i, `${quoteLine(lineText.slice(first, last))} is neither a section header, a "name = value" line nor a comment`)
    if (at === first) fail(i, `${quoteLine(lineText.slice(first, last))} has no name before the "${lineText[first]}"`)
    let keyEnd = at
    while (isSpace(lineText.charCodeAt(keyEnd - 1))) keyEnd--
    let valueStart = at + 1
    while (valueStart < last && isSpace(lineText.charCodeAt(valueStart))) valueStart++
    const written = lineText.slice(first, keyEnd)
    const value = valueStart < last ? lineText.slice(valueStart, last) : ''
    const name = written.toLowerCase()
    const keys = current.keys
    let dup: ConfigKey | undefined
    if (keyMap) dup = keyMap.get(name)
    else for (let k = 0; k < keys.length && !dup; k++) if ((keys[k] as ConfigKey).name === name) dup = keys[k]
    if (dup) fail(i, `"${written}" is set twice in ${describe(current)} (first at line ${dup.line + 1}); AWS tools reject that`)
    const key: ConfigKey = {name, value, line: i, end: i + 1}
    keys.push(key)
    if (keyMap) keyMap.set(name, key)
    else if (keys.length === MANY_KEYS) keyMap = new Map(keys.map((k) => [k.name, k]))
    current.bodyEnd = i + 1
    option = i
    optionIndent = indent
    optionNested = value === ''
    lines.push({text: lineText, eol, lineNumber: i + 1, section, kind: 'key', key: written, value})
  }

  for (let k = 0; k < sections.length; k++) (sections[k] as ConfigSection).end = sections[k + 1]?.start ?? lines.length
  return {lines, sections, ignored, crlf, lf}
}

/**
 * splitKeyLine for a line whose first and one-past-last non-blank characters are known: the name up to the first
 * `=` or `:`, both sides stripped; undefined without either.
 */
function keyValue(text: string, first: number, last: number): {key: string; value: string} | undefined {
  const eq = text.indexOf('=', first)
  const colon = text.indexOf(':', first)
  const at = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon)
  if (at < 0) return undefined
  let keyEnd = at
  while (keyEnd > first && isSpace(text.charCodeAt(keyEnd - 1))) keyEnd--
  let valueStart = at + 1
  while (valueStart < last && isSpace(text.charCodeAt(valueStart))) valueStart++
  return {key: text.slice(first, keyEnd), value: valueStart < last ? text.slice(valueStart, last) : ''}
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
