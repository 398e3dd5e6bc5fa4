import {ConfigSyntaxError} from './errors.js'
import {type ConfigRecords, scanConfig, ScannedConfig} from './ini-scan.js'
import {classifyHeader, isSpace, quoteLine, strip} from './ini-syntax.js'

export {shlexSplit, splitKeyLine, splitLines} from './ini-syntax.js'
export type {ConfigRecords} from './ini-scan.js'

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

/** One warning per section the AWS tools ignore, and for a byte order mark, each naming its line. */
export function configWarnings(doc: ConfigDocument, path = 'config'): string[] {
  const warnings = doc.ignored.map(({section, reason}) => {
    const s = sectionAt(doc, section)
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
  return new ScannedConfig(scanConfig(bom ? input.slice(1) : input, 0, options.path ?? 'config', false), bom)
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
    return new ScannedConfig(scanConfig(text, found, options.path ?? 'config', true), false).section(0)
  } catch (error) {
    // The error with its line number, as the whole file's parse reports it.
    if (error instanceof ConfigSyntaxError) whole()
    throw error
  }
}

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

/** The exact text of a document (a parsed document serialises to its input, byte for byte). */
export function serializeConfig(doc: Pick<ConfigDocument, 'bom' | 'lines'>): string {
  return (doc.bom ? BOM : '') + doc.lines.map((l) => l.text + l.eol).join('')
}

/** A section's value for a key (case-insensitive), as botocore would read it; undefined when absent. */
export function getKey(section: ConfigSection, name: string): string | undefined {
  return section.keys.find((k) => k.name === name.toLowerCase())?.value
}

/**
 * Finds a section by type and name (`findSection(doc, 'sso-session', 'acme')`). A profile or sso-session of a parsed
 * document is looked up by name, without making the file's other sections.
 */
export function findSection(doc: ConfigDocument, type: SectionType, name: string): ConfigSection | undefined {
  if (doc instanceof ScannedConfig && (type === 'profile' || type === 'sso-session')) return doc.lookup(type, name)
  return doc.sections.find((s) => s.type === type && s.name === name)
}

/** The sections of one type, in file order (of a parsed document, without making the others). */
export function sectionsOfType(doc: ConfigDocument, type: SectionType): ConfigSection[] {
  return doc instanceof ScannedConfig ? doc.ofType(type) : doc.sections.filter((s) => s.type === type)
}

/** Section number `index` of a document (of a parsed one, without making the others). */
export function sectionAt(doc: ConfigDocument, index: number): ConfigSection {
  return (doc instanceof ScannedConfig ? doc.section(index) : doc.sections[index]) as ConfigSection
}

/**
 * The sections and keys of a parsed document read in place, without making their objects (ConfigRecords); undefined
 * for a document parseConfig did not make.
 */
export function configRecords(doc: ConfigDocument): ConfigRecords | undefined {
  return doc instanceof ScannedConfig ? doc.records : undefined
}
