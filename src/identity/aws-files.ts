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

export function parseConfigFile(text: string): Pick<AwsFiles, 'configProfiles' | 'ssoSessions'> {
  const configProfiles: Record<string, Section> = {}
  const ssoSessions: Record<string, Section> = {}
  for (const [header, section] of parseIni(text)) {
    if (header === 'default') configProfiles.default = {...configProfiles.default, ...section}
    const prefixed = /^(profile|sso-session)\s+(["']?)([\w\-@+.%:/]+)\2$/.exec(header)
    if (!prefixed) continue
    const [, kind, , name = ''] = prefixed
    const target = kind === 'profile' ? configProfiles : ssoSessions
    target[name] = {...target[name], ...section}
  }
  return {configProfiles, ssoSessions}
}

export function parseCredentialsFile(text: string): Record<string, Section> {
  const profiles: Record<string, Section> = {}
  for (const [header, section] of parseIni(text)) profiles[header] = {...profiles[header], ...section}
  return profiles
}

/**
 * INI as the SDK reads it: `;`/`#` comments (at line start or after whitespace), `key = value`,
 * nested sub-sections (`s3 =` then indented keys, stored as `s3.key`). Returns sections in file order.
 */
export function parseIni(text: string): Array<[string, Section]> {
  const sections: Array<[string, Section]> = []
  let current: Section | undefined
  let subSection: string | undefined
  for (const rawLine of text.split(/\r?\n/)) {
    // Most lines have no comment character: they skip the comment-splitting expression (issue 22).
    const uncommented = rawLine.includes(';') || rawLine.includes('#') ? (rawLine.split(/(?:^|\s)[;#]/)[0] ?? '') : rawLine
    const line = uncommented.trim()
    if (line.startsWith('[') && line.endsWith(']')) {
      const header = line.slice(1, -1).trim()
      if (header === '__proto__' || header === 'profile __proto__') {
        current = undefined
        continue
      }
      current = {}
      subSection = undefined
      sections.push([header, current])
      continue
    }
    if (!current) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (value === '') {
      subSection = key
      continue
    }
    if (subSection && rawLine.trimStart() === rawLine) subSection = undefined
    current[subSection ? `${subSection}.${key}` : key] = value
  }
  return sections
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir()
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path.startsWith('~/') ? join(homeDir(env), path.slice(2)) : path
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return ''
  }
}
