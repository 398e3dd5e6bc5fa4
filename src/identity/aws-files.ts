import {readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {readConfigForProfiles} from '../aws-config/sdk-config-read.js'
import {scanSdkIniHeaders, uncommented, type SdkIniHeaders} from '../aws-config/sdk-ini-headers.js'

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

/**
 * Reads both files; a missing or unreadable file is an empty one, as for the SDK. The config file is read for the
 * profiles in `keep` (and default): `configText` is configForProfiles(the file, keep), what the SDK's STS client is
 * handed (sdk-config-view.ts), read through a small buffer (issue 22: 3,000 profiles are a 740 KB file, of which
 * whoami needs a few hundred bytes). Those profiles and every `[sso-session]` are read from it; another profile, or
 * the list of every name (an error message), from the whole file, read then.
 */
export async function loadAwsFiles(
  env: NodeJS.ProcessEnv,
  keep: ReadonlySet<string>,
): Promise<AwsFiles & {configText: string; configHeaders: SdkIniHeaders}> {
  const configPath = configFilePath(env)
  const credentialsPath = credentialsFilePath(env)
  const credentialsText = readOrEmpty(credentialsPath)
  let configText = ''
  try {
    configText = readConfigForProfiles(configPath, keep)
  } catch {
    // Missing or unreadable: an empty file, as readOrEmpty.
  }
  const configHeaders = scanSdkIniHeaders(configText)
  return {
    configPath,
    credentialsPath,
    configText,
    configHeaders,
    ...configFileFor(keep, parseConfigFile(configText, configHeaders), () => parseConfigFile(readWholeOrEmpty(configPath))),
    credentialProfiles: parseCredentialsFile(await credentialsText),
  }
}

/**
 * The config file's sections, given those read from configForProfiles(file, keep) and the whole file's (made when
 * first asked for). That text holds every section whoami files under a kept profile or default (a header the SDK's
 * pattern reads as another profile's is all it leaves out, and whoami reads such a header as the same profile), and
 * every `[sso-session]` (no header the SDK reads as a profile's is one to whoami): any other name, or a listing of
 * the profiles, needs the whole file.
 */
function configFileFor(
  keep: ReadonlySet<string>,
  kept: Pick<AwsFiles, 'configProfiles' | 'ssoSessions'>,
  whole: () => Pick<AwsFiles, 'configProfiles' | 'ssoSessions'>,
): Pick<AwsFiles, 'configProfiles' | 'ssoSessions'> {
  let wholeFile: Pick<AwsFiles, 'configProfiles' | 'ssoSessions'> | undefined
  const profilesOf = (key: string | symbol) =>
    typeof key === 'string' && (keep.has(key) || key === 'default') ? kept.configProfiles : (wholeFile ??= whole()).configProfiles
  return {
    configProfiles: new Proxy({} as Record<string, Section>, {
      // A symbol (an inspection, a conversion) names no section: it needs no file.
      get: (_, key) => (typeof key === 'string' ? profilesOf(key)[key] : undefined),
      has: (_, key) => typeof key === 'string' && key in profilesOf(key),
      ownKeys: () => Reflect.ownKeys((wholeFile ??= whole()).configProfiles),
      getOwnPropertyDescriptor: (_, key) => (typeof key === 'string' ? Reflect.getOwnPropertyDescriptor(profilesOf(key), key) : undefined),
    }),
    ssoSessions: kept.ssoSessions,
  }
}

/** `[profile NAME]` and `[sso-session NAME]` as whoami's reading takes them (NAME quoted or not). */
const PREFIXED_HEADER = /^(profile|sso-session)\s+(["']?)([\w\-@+.%:/]+)\2$/

/**
 * The headers of the sections filed under one name, in file order; every name with its headers, for a listing. A
 * lookup tests each header that mentions the name, so a file of 3,000 profiles makes nothing per profile for the
 * few names whoami asks for (issue 22); the whole index is made only when the names are listed (an error message).
 */
interface SectionIndex {
  headersOf(name: string): number[]
  all(): Map<string, number[]>
}

export function parseConfigFile(text: string, headers = scanSdkIniHeaders(text)): Pick<AwsFiles, 'configProfiles' | 'ssoSessions'> {
  // A header's [kind, name] as whoami's reading files it: [default] is a profile; [profile NAME], [sso-session NAME].
  const filed = (inner: string): Array<[string, string]> => {
    const header = whoamiHeader(inner)
    if (header === undefined) return []
    const prefixed = PREFIXED_HEADER.exec(header)
    const named: Array<[string, string]> = prefixed ? [[prefixed[1]!, prefixed[3] ?? '']] : []
    return header === 'default' ? [['profile', 'default'], ...named] : named
  }
  const index = (kind: string) =>
    sectionIndex(headers, (inner) =>
      filed(inner)
        .filter(([k]) => k === kind)
        .map(([, name]) => name),
    )
  return {
    configProfiles: lazySections(text, headers, index('profile')),
    ssoSessions: lazySections(text, headers, index('sso-session')),
  }
}

export function parseCredentialsFile(text: string): Record<string, Section> {
  const headers = scanSdkIniHeaders(text)
  return lazySections(
    text,
    headers,
    sectionIndex(headers, (inner) => [whoamiHeader(inner) ?? []].flat()),
  )
}

/**
 * INI as the SDK reads it: `;`/`#` comments (at line start or after whitespace), `key = value`,
 * nested sub-sections (`s3 =` then indented keys, stored as `s3.key`). Returns sections in file order.
 */
export function parseIni(text: string): Array<[string, Section]> {
  const headers = scanSdkIniHeaders(text)
  const sections: Array<[string, Section]> = []
  headers.inner.forEach((inner, n) => {
    const header = whoamiHeader(inner)
    if (header !== undefined) sections.push([header, parseBody(text, ...bodyOf(text, headers, n))])
  })
  return sections
}

/**
 * A header's section name as the SDK files it (trimmed), or undefined for a `__proto__` section, which the SDK drops
 * (its lines belong to no section) and which as a key would be an object's prototype.
 */
function whoamiHeader(inner: string): string | undefined {
  const header = inner.trim()
  return header === '__proto__' || header === 'profile __proto__' ? undefined : header
}

/** The index of the sections whose headers `namesOf` files under a name (one header may file under several). */
function sectionIndex(headers: SdkIniHeaders, namesOf: (inner: string) => string[]): SectionIndex {
  // No tool reads a profile named __proto__ (the SDK refuses the file), and as a key it would be an object's prototype.
  const filedUnder = (n: number) => namesOf(headers.inner[n]!).filter((name) => name !== '__proto__')
  let all: Map<string, number[]> | undefined
  return {
    headersOf(name) {
      if (all) return all.get(name) ?? []
      const found: number[] = []
      // A header files a section under a name only if the name is in its text: the rest are not read at all.
      headers.inner.forEach((inner, n) => {
        if (inner.includes(name) && filedUnder(n).includes(name)) found.push(n)
      })
      return found
    },
    all() {
      if (!all) {
        all = new Map()
        for (let n = 0; n < headers.inner.length; n++) {
          for (const name of filedUnder(n)) {
            const known = all.get(name)
            if (known) known.push(n)
            else all.set(name, [n])
          }
        }
      }
      return all
    },
  }
}

/** Where header n's section lies in the text: [from, to), up to the next header. */
function bodyOf(text: string, headers: SdkIniHeaders, n: number): [number, number] {
  return [headers.bodyFrom[n]!, headers.lineStart[n + 1] ?? text.length]
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
function lazySections(text: string, headers: SdkIniHeaders, index: SectionIndex): Record<string, Section> {
  const made = new Map<string, Section | undefined>()
  const section = (name: string): Section | undefined => {
    if (made.has(name)) return made.get(name)
    const found = index.headersOf(name)
    let merged: Section | undefined
    if (found.length > 0) {
      merged = {}
      for (const n of found) parseBody(text, ...bodyOf(text, headers, n), merged)
    }
    made.set(name, merged)
    return merged
  }
  return new Proxy({} as Record<string, Section>, {
    get: (_, key) => (typeof key === 'string' ? section(key) : undefined),
    has: (_, key) => typeof key === 'string' && section(key) !== undefined,
    ownKeys: () => [...index.all().keys()],
    getOwnPropertyDescriptor: (_, key) => {
      const value = typeof key === 'string' ? section(key) : undefined
      return value ? {value, enumerable: true, configurable: true, writable: true} : undefined
    },
  })
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir()
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path.startsWith('~/') ? join(homeDir(env), path.slice(2)) : path
}

function readWholeOrEmpty(path: string): string {
  try {
    return readFileSync(path).toString('utf8')
  } catch {
    return ''
  }
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
