import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {readConfigText} from '../aws-config/atomic-write.js'
import {ConfigReadError, ConfigSyntaxError} from '../aws-config/errors.js'
import {configRecords, parseConfig, shlexSplit} from '../aws-config/ini.js'
import {configFilePath, credentialsFilePath, displayPath, homeDir} from '../aws-config/paths.js'
import {registerSecret} from '../ui/debug.js'
import {KeylessProfiles} from './keyless-profiles.js'
import {type ProfileRecords, scanProfiles} from './profile-scan.js'
import {findKeyPairs, readBounded} from './scan.js'
import type {Draft, FoundKey} from './types.js'

type Env = NodeJS.ProcessEnv

/** Cache files are small JSON documents; anything bigger is not one of them. */
const CACHE_MAX_BYTES = 256 * 1024

/** Keys of a profile that make the config profile supply credentials its own way. */
export const OWN_CREDENTIAL_KEYS = [
  'credential_process',
  'role_arn',
  'credential_source',
  'web_identity_token_file',
  'login_session',
  'sso_session',
  'sso_start_url',
]

const loc = (file: string | null, line: number | null, profile: string | null, variable: string | null) => ({file, line, profile, variable})

/** AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY in this process's environment. */
export function environmentDrafts(env: Env): Draft[] {
  const id = env.AWS_ACCESS_KEY_ID
  const secret = env.AWS_SECRET_ACCESS_KEY
  if (!id || !secret) return []
  registerSecret(secret)
  registerSecret(env.AWS_SESSION_TOKEN)
  const key: FoundKey = {
    accessKeyId: id,
    secretAccessKey: secret,
    ...(env.AWS_SESSION_TOKEN ? {sessionToken: env.AWS_SESSION_TOKEN} : {}),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
  }
  return [{kind: 'environment-key', location: loc(null, null, null, 'AWS_ACCESS_KEY_ID'), key, temporary: isTemporary(key)}]
}

const isTemporary = (key: FoundKey): boolean => key.accessKeyId.startsWith('ASIA') || Boolean(key.sessionToken)

interface ParsedFile {
  path: string
  shown: string
  /** Its sections and keys (undefined when it cannot be read or parsed). */
  records?: ProfileRecords
  drafts: Draft[]
  /** Whether the file holds any secret (for the permissions finding). */
  holdsSecret: boolean
  exists: boolean
}

/**
 * Reads one AWS file: a file of plain shapes with audit's own scan, any other with the lossless parser; a file the
 * parser cannot parse is one finding plus a plain key search.
 */
async function readAwsFile(path: string, env: Env): Promise<ParsedFile> {
  const shown = displayPath(path, env)
  const out: ParsedFile = {path, shown, drafts: [], holdsSecret: false, exists: true}
  let text: string
  try {
    text = await readConfigText(path)
  } catch (error) {
    if (!(error instanceof ConfigReadError)) throw error
    const line = /line (\d+)/.exec(error.message)
    out.drafts.push({
      kind: 'unreadable',
      location: loc(shown, line ? Number(line[1]) : null, null, null),
      detail: error.message.replace(`${shown} `, '').replace(/^line \d+: /, ''),
      severity: 'medium',
      path,
    })
    // Not text keyless can edit, but AWS tools may still read keys out of it: look for them anyway.
    const bytes = await readBounded(path, 4 * 1024 * 1024).catch(() => undefined)
    if (bytes) out.drafts.push(...rawKeyDrafts(bytes.text, path, shown, file(path, env)))
    out.holdsSecret = out.drafts.some((d) => d.key)
    return out
  }
  try {
    await stat(path)
  } catch {
    out.exists = false
    return out
  }
  try {
    out.records = scanProfiles(text, PROFILE_KEYS) ?? configRecords(parseConfig(text, {path: shown}))
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error
    out.drafts.push({kind: 'unreadable', location: loc(shown, error.line, null, null), detail: error.reason, severity: 'medium', path})
    out.drafts.push(...rawKeyDrafts(text, path, shown, file(path, env)))
  }
  out.holdsSecret = out.drafts.some((d) => d.key)
  return out
}

const file = (path: string, env: Env): 'credentials' | 'config' => (path === credentialsFilePath(env) ? 'credentials' : 'config')

function rawKeyDrafts(text: string, path: string, shown: string, which: 'credentials' | 'config'): Draft[] {
  return findKeyPairs(text).map((pair) => ({
    kind: which === 'credentials' ? ('credentials-file-key' as const) : ('config-file-key' as const),
    location: loc(shown, pair.line, null, pair.variable),
    key: pair.key,
    temporary: isTemporary(pair.key),
    path,
  }))
}

/**
 * The keys of a profile that decide its findings, read in one pass over its keys (a getKey per key looked up
 * searched each of 3,000 profiles seven times), as key numbers of the file's records (a value is cut out of the text
 * only when a finding needs it). As getKey reads them: names are lower-cased, and the parser refuses a key set
 * twice, so the first is the only one. -1: not there.
 */
interface ProfileKeys {
  accessKeyId: number
  secretAccessKey: number
  sessionToken: number
  securityToken: number
  region: number
  credentialProcess: number
  keylessSession: boolean
  /** Any `sso_*` key. */
  sso: boolean
  loginSession: number
  roleArn: number
}

/** The keys profileKeys reads, in the order of ProfileKeys; `sso_*`: any key whose name starts with `sso_`. */
export const PROFILE_KEYS = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
  'region',
  'credential_process',
  'keyless_session',
  'login_session',
  'role_arn',
  'sso_*',
] as const
const WIDTH = PROFILE_KEYS.length

/** Section `section`'s keys in `table` (records.keysOfEach(PROFILE_KEYS)). */
function profileKeys(table: Int32Array, section: number): ProfileKeys {
  const row = section * WIDTH
  return {
    accessKeyId: table[row] as number,
    secretAccessKey: table[row + 1] as number,
    sessionToken: table[row + 2] as number,
    securityToken: table[row + 3] as number,
    region: table[row + 4] as number,
    credentialProcess: table[row + 5] as number,
    keylessSession: (table[row + 6] as number) >= 0,
    loginSession: table[row + 7] as number,
    roleArn: table[row + 8] as number,
    sso: (table[row + 9] as number) >= 0,
  }
}

/**
 * A keyless profile and nothing else that makes a finding (no key, no sso_*, login_session or role_arn): the
 * profile of nearly every section of a large organisation's file, told from the table alone.
 */
function onlyKeyless(table: Int32Array, section: number): boolean {
  const row = section * WIDTH
  return (
    (table[row + 5] as number) >= 0 &&
    (table[row + 6] as number) >= 0 &&
    (table[row] as number) < 0 &&
    (table[row + 7] as number) < 0 &&
    (table[row + 8] as number) < 0 &&
    (table[row + 9] as number) < 0
  )
}

const valueOf = (records: ProfileRecords, k: number): string | undefined => (k < 0 ? undefined : records.keyValue(k))

function keyOf(records: ProfileRecords, keys: ProfileKeys, region: string | undefined): FoundKey | undefined {
  const accessKeyId = valueOf(records, keys.accessKeyId)
  const secretAccessKey = valueOf(records, keys.secretAccessKey)
  if (!accessKeyId) return undefined
  registerSecret(secretAccessKey)
  const sessionToken = valueOf(records, keys.sessionToken) ?? valueOf(records, keys.securityToken)
  registerSecret(sessionToken)
  return {accessKeyId, secretAccessKey: secretAccessKey ?? '', ...(sessionToken ? {sessionToken} : {}), region}
}

/**
 * A section's profile name, as sectionProfileName (remove-keys.ts) gives it: `default`, the header in the credentials
 * file, a `[profile NAME]`'s name in the config file; undefined for any other section of the config file.
 */
function profileNameAt(records: ProfileRecords, section: number, file: 'credentials' | 'config'): string | undefined {
  const type = records.sectionType(section)
  if (type === 'default') return 'default'
  if (file === 'credentials') return records.sectionHeader(section)
  return type === 'profile' ? records.sectionName(section) : undefined
}

/** Profiles with keys, credential_process, SSO, login and assume-role profiles, shadowing, file permissions. */
export async function awsFileDrafts(env: Env): Promise<Draft[]> {
  const {drafts, keylessProfiles} = await awsFileSources(env)
  // Each keyless profile's draft where it was found among the others.
  const all: Draft[] = []
  let next = 0
  for (let j = 0; j < (keylessProfiles?.count ?? 0); j++) {
    while (next < keylessProfiles!.before(j)) all.push(drafts[next++]!)
    all.push(keylessProfiles!.draft(j))
  }
  return [...all, ...drafts.slice(next)]
}

/**
 * awsFileDrafts's findings, the keyless profiles of the config file apart: as numbers (KeylessProfiles), each noting
 * how many of the drafts came before it.
 */
export async function awsFileSources(env: Env): Promise<{drafts: Draft[]; keylessProfiles?: KeylessProfiles}> {
  // Both reads at once: one file's text is scanned while the other's bytes are on their way.
  const [credentials, config] = await Promise.all([readAwsFile(credentialsFilePath(env), env), readAwsFile(configFilePath(env), env)])
  const drafts = [...credentials.drafts, ...config.drafts]
  // The files' sections and keys read where the parser recorded them: no section or key object is made.
  const credentialsRecords = credentials.records
  const configRecordsOf = config.records
  const keylessProfiles = configRecordsOf && new KeylessProfiles(configRecordsOf, config.shown, config.path, configRecordsOf.sectionCount)
  // Every section's keys in one call (one loop V8 compiles while it runs; a call per section ran as cold code).
  const credentialsKeys = credentialsRecords?.keysOfEach(PROFILE_KEYS)
  const configKeys = configRecordsOf?.keysOfEach(PROFILE_KEYS)
  // The config profile of each credentials profile: made only when the credentials file has profiles to look up.
  let configProfiles: Map<string, number> | undefined
  const configProfile = (name: string): number | undefined => {
    if (!configProfiles) {
      configProfiles = new Map()
      for (let section = 0; section < (configRecordsOf?.sectionCount ?? 0); section++) {
        const profile = profileNameAt(configRecordsOf!, section, 'config')
        if (profile) configProfiles.set(profile, section)
      }
    }
    return configProfiles.get(name)
  }

  for (let section = 0; section < (credentialsRecords?.sectionCount ?? 0); section++) {
    const records = credentialsRecords!
    const name = profileNameAt(records, section, 'credentials') as string
    const keys = profileKeys(credentialsKeys!, section)
    if (!valueOf(records, keys.accessKeyId)) continue
    const configSection = configProfile(name)
    const configKey = (key: string): number => (configSection === undefined ? -1 : configRecordsOf!.findKey(configSection, key))
    const region = valueOf(records, keys.region) ?? valueOf(configRecordsOf!, configKey('region'))
    const key = keyOf(records, keys, region)!
    drafts.push({
      kind: 'credentials-file-key',
      location: loc(credentials.shown, records.keyLine(keys.accessKeyId) + 1, name, null),
      key,
      temporary: isTemporary(key),
      path: credentials.path,
      action: {type: 'remove-key', file: 'credentials', path: credentials.path, profile: name},
    })
    credentials.holdsSecret = true
    const own = configSection !== undefined && OWN_CREDENTIAL_KEYS.filter((k) => configKey(k) >= 0)
    if (own && own.length > 0) {
      drafts.push({
        kind: 'shadowed-profile',
        location: loc(credentials.shown, records.sectionStart(section) + 1, name, null),
        detail: `its key in ${credentials.shown} wins over the ${own[0]} of ${config.shown}`,
        path: credentials.path,
      })
    }
  }

  if (configRecordsOf) configProfileDrafts(config, configRecordsOf, configKeys!, drafts, keylessProfiles!)

  for (const f of [credentials, config]) {
    if (!f.exists || process.platform === 'win32') continue
    const mode = await stat(f.path).then(
      (s) => s.mode,
      () => 0,
    )
    if ((mode & 0o044) === 0) continue
    drafts.push({
      kind: 'file-permissions',
      location: loc(f.shown, null, null, null),
      holdsSecret: f.holdsSecret,
      path: f.path,
      action: {type: 'chmod', path: f.path},
    })
  }
  return {drafts, keylessProfiles}
}

/**
 * The config file's profiles (`table`: their keys, keysOfEach(PROFILE_KEYS)): drafts added to `drafts`, keyless
 * profiles to `keylessProfiles`. A function of its own, not a loop in awsFileSources: V8 compiles a synchronous
 * function's loop while it runs (on-stack replacement), which it did not for the async one's.
 */
function configProfileDrafts(
  config: ParsedFile,
  records: ProfileRecords,
  table: Int32Array,
  drafts: Draft[],
  keylessProfiles: KeylessProfiles,
): void {
  // Each place and value is made only for the finding that shows it: a keyless profile needs none.
  const at = (section: number, name: string) => loc(config.shown, records.sectionStart(section) + 1, name, null)
  for (let section = 0; section < records.sectionCount; section++) {
    const type = records.sectionType(section)
    // profileNameAt's name, without making it: `default`, or a profile's name unless it is "".
    if (type !== 'default' && (type !== 'profile' || !records.hasName(section))) continue
    if (onlyKeyless(table, section)) {
      keylessProfiles.add(section, drafts.length)
      continue
    }
    const name = profileNameAt(records, section, 'config')!
    const keys = profileKeys(table, section)
    const key = keys.accessKeyId < 0 ? undefined : keyOf(records, keys, valueOf(records, keys.region))
    if (key) {
      drafts.push({
        kind: 'config-file-key',
        location: {...at(section, name), line: records.keyLine(keys.accessKeyId) + 1},
        key,
        temporary: isTemporary(key),
        path: config.path,
        action: {type: 'remove-key', file: 'config', path: config.path, profile: name},
      })
      config.holdsSecret = true
    }
    if (keys.credentialProcess >= 0) {
      if (keys.keylessSession) keylessProfiles.add(section, drafts.length)
      else
        drafts.push({
          kind: 'credential-process-profile',
          location: at(section, name),
          detail: programOf(records.keyValue(keys.credentialProcess)),
          path: config.path,
        })
      if (keys.sso)
        drafts.push({
          kind: 'shadowed-profile',
          location: at(section, name),
          detail: 'its sso_* keys win over its credential_process',
          path: config.path,
        })
    } else if (keys.sso) {
      drafts.push({kind: 'sso-profile', location: at(section, name), path: config.path})
    }
    if (keys.loginSession >= 0)
      drafts.push({
        kind: 'login-session-profile',
        location: at(section, name),
        detail: records.keyValue(keys.loginSession),
        path: config.path,
      })
    if (keys.roleArn >= 0) drafts.push({kind: 'assume-role-profile', location: at(section, name), path: config.path})
  }
}

/** The program a credential_process line runs (its first word, as the SDKs split it). */
function programOf(command: string): string {
  return shlexSplit(command)?.[0] ?? command.split(/\s+/)[0] ?? command
}

/** The plaintext caches of the AWS CLI and SDKs: SSO tokens and registrations, role credentials, `aws login`. */
export async function cacheDrafts(env: Env): Promise<Draft[]> {
  const home = homeDir(env)
  const drafts: Draft[] = []
  const dirs: Array<[Draft['kind'], string]> = [
    ['sso-cache', join(home, '.aws', 'sso', 'cache')],
    ['cli-cache', join(home, '.aws', 'cli', 'cache')],
    // The directory the JS SDK's login provider reads (AWS_LOGIN_CACHE_DIRECTORY overrides it there too).
    ['login-cache', env.AWS_LOGIN_CACHE_DIRECTORY || join(home, '.aws', 'login', 'cache')],
  ]
  const now = Date.now()
  for (const [kind, dir] of dirs) {
    let names: string[]
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        drafts.push({
          kind: 'unreadable',
          location: loc(displayPath(dir, env), null, null, null),
          detail: `cannot be read (${code}): not checked`,
          severity: 'medium',
          path: dir,
        })
      }
      continue
    }
    for (const name of names) {
      const path = join(dir, name)
      const shown = displayPath(path, env)
      let data: Record<string, unknown> | undefined
      try {
        const {text, truncated} = await readBounded(path, CACHE_MAX_BYTES)
        const parsed: unknown = truncated ? undefined : JSON.parse(text)
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>
      } catch {
        data = undefined
      }
      if (!data) {
        drafts.push({
          kind: 'unreadable',
          location: loc(shown, null, null, null),
          detail: 'not a JSON cache file keyless can read: what it holds is unknown',
          severity: 'info',
          path,
        })
        continue
      }
      drafts.push({...describeCache(kind, data, now), location: loc(shown, null, null, null), path, action: {type: 'delete-cache', path}})
    }
  }
  return drafts
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined

function iso(value: unknown): string | null {
  const t = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN
  return Number.isFinite(t) ? new Date(t).toISOString() : null
}

/** Which secrets a cache file holds and when they expire. Values are looked at for presence only. */
export function describeCache(kind: Draft['kind'], data: Record<string, unknown>, nowMs: number): Omit<Draft, 'location'> {
  const expired = (at: string | null): boolean => at !== null && Date.parse(at) <= nowMs
  if (kind === 'cli-cache') {
    const c = obj(data.Credentials) ?? {}
    const expiresAt = iso(c.Expiration)
    const id = str(c.AccessKeyId)
    return {
      kind,
      holds: str(c.SecretAccessKey) ? ['role-credentials'] : [],
      expiresAt,
      status: expired(expiresAt) ? 'expired' : 'valid',
      ...(id ? {key: {accessKeyId: id, secretAccessKey: ''}, temporary: true} : {}),
    }
  }
  if (kind === 'login-cache') {
    const access = obj(data.accessToken) ?? {}
    const expiresAt = iso(access.expiresAt)
    const holds = [
      ...(str(access.secretAccessKey) ? ['role-credentials'] : []),
      ...(str(data.refreshToken) ? ['refresh-token'] : []),
      ...(str(data.dpopKey) ? ['private-key'] : []),
    ]
    // Its credentials are identified with STS like any key: whose they are decides how bad the file is.
    const id = str(access.accessKeyId)
    const secret = str(access.secretAccessKey)
    registerSecret(secret)
    registerSecret(str(access.sessionToken))
    const key =
      id && secret
        ? {accessKeyId: id, secretAccessKey: secret, ...(str(access.sessionToken) ? {sessionToken: str(access.sessionToken)} : {})}
        : undefined
    return {kind, holds, expiresAt, status: expired(expiresAt) ? 'expired' : 'valid', ...(key ? {key, temporary: true} : {})}
  }
  // sso-cache: a token file (accessToken, refreshToken, and a copy of the client) or a registration file.
  const accessExpires = str(data.accessToken) ? iso(data.expiresAt) : null
  const registrationExpires = iso(data.registrationExpiresAt) ?? (str(data.accessToken) ? null : iso(data.expiresAt))
  const holds = [
    ...(str(data.accessToken) ? ['access-token'] : []),
    ...(str(data.refreshToken) ? ['refresh-token'] : []),
    ...(str(data.clientSecret) ? ['client-secret'] : []),
  ]
  const live = (str(data.accessToken) && !expired(accessExpires)) || (str(data.clientSecret) && !expired(registrationExpires))
  return {kind, holds, expiresAt: accessExpires ?? registrationExpires, status: live || str(data.refreshToken) ? 'valid' : 'expired'}
}
