import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

/**
 * A read-only view of the AWS config and shared credentials files, parsed the way the AWS SDK for
 * JavaScript parses them, so whoami can say which file a profile's credentials come from and spot a
 * profile that one file shadows in the other. (Editing the config file is src/aws-config's job.)
 */

export type Section = Record<string, string>

export interface AwsFiles {
  configPath: string
  credentialsPath: string
  /** `[default]` and `[profile NAME]` sections of the config file, by profile name. */
  configProfiles: Record<string, Section>
  /** `[sso-session NAME]` sections of the config file. */
  ssoSessions: Record<string, Section>
  /** `[NAME]` sections of the shared credentials file. */
  credentialProfiles: Record<string, Section>
}

export function configFilePath(env: NodeJS.ProcessEnv): string {
  return expandHome(env.AWS_CONFIG_FILE || join(homeDir(env), '.aws', 'config'), env)
}

export function credentialsFilePath(env: NodeJS.ProcessEnv): string {
  return expandHome(env.AWS_SHARED_CREDENTIALS_FILE || join(homeDir(env), '.aws', 'credentials'), env)
}

/** Reads both files; a missing or unreadable file is an empty one, as for the SDK. Also the config file's text. */
export async function loadAwsFiles(env: NodeJS.ProcessEnv = process.env): Promise<AwsFiles & {configText: string}> {
  const configPath = configFilePath(env)
  const credentialsPath = credentialsFilePath(env)
  const [configText, credentialsText] = await Promise.all([readOrEmpty(configPath), readOrEmpty(credentialsPath)])
  return {
    configPath,
    credentialsPath,
    configText,
    ...parseConfigFile(configText),
    credentialProfiles: parseCredentialsFile(credentialsText),
  }
}

/** `[profile NAME]` and `[sso-session NAME]` as whoami's reading takes them (NAME quoted or not). */
const PREFIXED_HEADER = /^(profile|sso-session)\s+(["']?)([\w\-@+.%:/]+)\2$/

export function parseConfigFile(text: string): Pick<AwsFiles, 'configProfiles' | 'ssoSessions'> {
  const profiles = new Map<string, BodyRange[]>()
  const sessions = new Map<string, BodyRange[]>()
  for (const range of scanIniHeaders(text)) {
    const {header} = range
    if (header === 'default') addRange(profiles, 'default', range)
    const prefixed = PREFIXED_HEADER.exec(header)
    if (!prefixed) continue
    addRange(prefixed[1] === 'profile' ? profiles : sessions, prefixed[3] ?? '', range)
  }
  return {configProfiles: lazySections(text, profiles), ssoSessions: lazySections(text, sessions)}
}

export function parseCredentialsFile(text: string): Record<string, Section> {
  const profiles = new Map<string, BodyRange[]>()
  for (const range of scanIniHeaders(text)) addRange(profiles, range.header, range)
  return lazySections(text, profiles)
}

/**
 * INI as the SDK reads it: `;`/`#` comments (at line start or after whitespace), `key = value`,
 * nested sub-sections (`s3 =` then indented keys, stored as `s3.key`). Returns sections in file order.
 */
export function parseIni(text: string): Array<[string, Section]> {
  return scanIniHeaders(text).map(({header, from, to}) => [header, parseBody(text, from, to)])
}

/** A section header as the SDK reads it, and where the section's lines lie in the text: [from, to). */
interface BodyRange {
  header: string
  from: number
  to: number
}

function addRange(byName: Map<string, BodyRange[]>, name: string, range: BodyRange): void {
  // No tool reads a profile by that name (the SDK refuses the file), and as a key it would be an object's prototype.
  if (name === '__proto__') return
  const ranges = byName.get(name)
  if (ranges) ranges.push(range)
  else byName.set(name, [range])
}

/** The SDK's reading of one line without its line break: the text it keeps, comments cut off, trimmed. */
function uncommented(rawLine: string): string {
  // Most lines have no comment character: they skip the comment-splitting expression.
  return (rawLine.includes(';') || rawLine.includes('#') ? (rawLine.split(/(?:^|\s)[;#]/)[0] ?? '') : rawLine).trim()
}

/**
 * The section headers of an INI text, in file order, each with the offsets of its lines. Only a line whose first
 * non-blank character is `[` can be a header, so the scan jumps from `[` to `[` and reads nothing else: with 3,000
 * profiles in the config file, whoami reads the one section it needs (issue 22). Keys before the first header, and
 * `__proto__` sections, belong to no range (the SDK drops them).
 */
function scanIniHeaders(text: string): BodyRange[] {
  const ranges: BodyRange[] = []
  let open: {header: string; from: number} | undefined
  for (let at = text.indexOf('['); at >= 0;) {
    const lineStart = text.lastIndexOf('\n', at - 1) + 1
    let lineEnd = text.indexOf('\n', at)
    if (lineEnd < 0) lineEnd = text.length
    const line = lineStart === at || text.slice(lineStart, at).trim() === '' ? uncommented(text.slice(lineStart, lineEnd)) : ''
    if (line.startsWith('[') && line.endsWith(']')) {
      if (open) ranges.push({header: open.header, from: open.from, to: lineStart})
      const header = line.slice(1, -1).trim()
      open = header === '__proto__' || header === 'profile __proto__' ? undefined : {header, from: Math.min(lineEnd + 1, text.length)}
    }
    at = text.indexOf('[', lineEnd)
  }
  if (open) ranges.push({...open, to: text.length})
  return ranges
}

/** The keys of one section's lines (CRLF or LF), as the SDK reads them. */
function parseBody(text: string, from: number, to: number, into: Section = {}): Section {
  let subSection: string | undefined
  for (const rawLine of text.slice(from, to).split(/\r?\n/)) {
    const line = uncommented(rawLine)
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (value === '') {
      subSection = key
      continue
    }
    if (subSection && rawLine.trimStart() === rawLine) subSection = undefined
    into[subSection ? `${subSection}.${key}` : key] = value
  }
  return into
}

/**
 * Sections by name, each read from its lines the first time it is asked for (a name written twice is the merge of
 * its sections, the later keys winning, as in the SDK). whoami and `exec --server` look up a profile or two of a file
 * that may hold thousands; a Proxy keeps the plain-record shape their code and tests index, list and compare.
 */
function lazySections(text: string, byName: Map<string, BodyRange[]>): Record<string, Section> {
  const made = new Map<string, Section>()
  const section = (name: string): Section | undefined => {
    const ranges = byName.get(name)
    if (!ranges) return undefined
    let merged = made.get(name)
    if (!merged) {
      merged = {}
      for (const {from, to} of ranges) parseBody(text, from, to, merged)
      made.set(name, merged)
    }
    return merged
  }
  return new Proxy({} as Record<string, Section>, {
    get: (_, key) => (typeof key === 'string' ? section(key) : undefined),
    has: (_, key) => typeof key === 'string' && byName.has(key),
    ownKeys: () => [...byName.keys()],
    getOwnPropertyDescriptor: (_, key) =>
      typeof key === 'string' && byName.has(key) ? {value: section(key), enumerable: true, configurable: true, writable: true} : undefined,
  })
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir()
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path.startsWith('~/') ? join(homeDir(env), path.slice(2)) : path
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    // Bytes, then one decode: readFile(path, 'utf8') decodes in chunks through a StringDecoder, which cost ~4 ms on a
    // 650 KB config (the same text, invalid bytes replaced alike).
    return (await readFile(path)).toString('utf8')
  } catch {
    return ''
  }
}
