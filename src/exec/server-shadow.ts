import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {configFilePath, credentialsFilePath, displayPath, expandHome, homeDir} from '../aws-config/paths.js'
import {parseCredentialProcess} from '../aws-config/profiles.js'
import {KeylessError} from '../errors.js'
import {parseConfigFile, parseCredentialsFile, parseIni, type Section} from '../identity/aws-files.js'

/**
 * `exec --server` hands the command a container-credentials endpoint and removes AWS_PROFILE. With no profile
 * named, every AWS tool reads the profile `default` before it asks that endpoint: botocore (the AWS CLI, boto3)
 * runs assume-role, web identity, SSO, the credentials file, credential_process and the config file's keys of
 * `[default]` first, then AWS_CREDENTIAL_FILE and the boto config, and only then the container provider; the JS
 * SDK's defaultProvider runs fromIni and fromProcess (profile `default`) before remoteProvider; the Go SDK's
 * resolveCredsFromProfile takes source_profile, static keys, credential_source, web identity, SSO and
 * credential_process of `default` before the container endpoint. No environment variable makes them all skip
 * `[default]` without hiding the user's other profiles (a named empty profile would have to be written; an empty
 * AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE hides every profile), so keyless refuses instead, naming what
 * would win. Plain `exec` puts the keys in the environment, which every tool takes before any profile.
 */

/** Keys of a profile that make one of the AWS tools take its credentials from it (SSO keys: Go's hasSSOConfiguration). */
const CREDENTIAL_KEYS = [
  'role_arn',
  'source_profile',
  'credential_source',
  'web_identity_token_file',
  'sso_session',
  'sso_start_url',
  'sso_region',
  'sso_account_id',
  'sso_role_name',
  'login_session',
  'credential_process',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
] as const

const STATIC_KEYS = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'])

export interface ServerShadow {
  /** Where, as the user knows it: `[default] in ~/.aws/credentials`, `~/.boto`. */
  where: string
  /** What it holds: `static keys`, `credential_process`, `sso_session, sso_account_id`. */
  holds: string
  /** Which tools read it before the endpoint. */
  readers: string
  /** Only static keys: `keyless audit --fix` removes them. */
  staticKeys: boolean
  /** `[default]` is keyless's own profile of this role: the command gets that role, through credential_process. */
  keylessRole?: {session: string; accountId: string; roleName: string}
}

export interface ShadowFiles {
  env: NodeJS.ProcessEnv
  /** The config file's text ('' when there is none). */
  config: string
  /** The shared credentials file's text. */
  credentials: string
  /** Other files by path (AWS_CREDENTIAL_FILE, the boto configs): undefined when absent. */
  read: (path: string) => string | undefined
}

const EVERY_TOOL = 'the AWS CLI and every AWS SDK'
const BOTOCORE = 'the AWS CLI and boto3'

function credentialKeys(section: Section | undefined): string[] {
  if (!section) return []
  const names = new Set(Object.keys(section).map((k) => k.toLowerCase()))
  return CREDENTIAL_KEYS.filter((k) => names.has(k))
}

function describeKeys(keys: string[]): string {
  const other = keys.filter((k) => !STATIC_KEYS.has(k))
  return [...(other.length < keys.length ? ['static keys'] : []), ...other].join(', ')
}

/**
 * What would give the command its credentials before exec --server's endpoint, in botocore's order (the first
 * one found is the one the AWS CLI uses); undefined when nothing would. Pure: the files come in as text.
 */
export function serverShadow(files: ShadowFiles): ServerShadow | undefined {
  const {env} = files
  const configPath = displayPath(configFilePath(env), env)
  const credentialsPath = displayPath(credentialsFilePath(env), env)
  const config = parseConfigFile(files.config).configProfiles.default
  const credentials = parseCredentialsFile(files.credentials).default
  const inConfig = credentialKeys(config)
  const inCredentials = credentialKeys(credentials)
  const shadow = (where: string, keys: string[], readers = EVERY_TOOL): ServerShadow => ({
    where,
    holds: describeKeys(keys),
    readers,
    staticKeys: keys.every((k) => STATIC_KEYS.has(k)),
  })
  // botocore: assume role, web identity and SSO of [default] (either file) first, then the credentials file's keys.
  const early = inConfig.filter((k) => !STATIC_KEYS.has(k) && k !== 'credential_process')
  if (early.length > 0) return shadow(`[default] in ${configPath}`, inConfig)
  if (inCredentials.length > 0) return shadow(`[default] in ${credentialsPath}`, inCredentials)
  if (inConfig.length > 0) {
    const found = shadow(`[default] in ${configPath}`, inConfig)
    const target = parseCredentialProcess(config?.credential_process)
    const session = config?.keyless_session
    if (target && session && inConfig.length === 1) return {...found, keylessRole: {session, ...target}}
    return found
  }
  // botocore alone, after the profile and before the container endpoint: the EC2 tools' file and the boto config.
  if (env.AWS_CREDENTIAL_FILE) {
    const text = files.read(expandHome(env.AWS_CREDENTIAL_FILE, env))
    if (text !== undefined && /^\s*AWSAccessKeyId\s*=/m.test(text)) {
      return {where: `AWS_CREDENTIAL_FILE (${env.AWS_CREDENTIAL_FILE})`, holds: 'static keys', readers: BOTOCORE, staticKeys: true}
    }
  }
  const botoFiles = env.BOTO_CONFIG ? [env.BOTO_CONFIG] : ['/etc/boto.cfg', join(homeDir(env), '.boto')]
  for (const file of botoFiles) {
    const text = files.read(expandHome(file, env))
    if (text === undefined) continue
    const section = parseIni(text).find(([header]) => header === 'Credentials')?.[1]
    if (section && 'aws_access_key_id' in section) {
      return {
        where: `[Credentials] in ${displayPath(expandHome(file, env), env)}`,
        holds: 'static keys',
        readers: BOTOCORE,
        staticKeys: true,
      }
    }
  }
  return undefined
}

/** serverShadow over the files as they are now (a missing or unreadable file counts as empty, as for the SDKs). */
export async function findServerShadow(env: NodeJS.ProcessEnv): Promise<ServerShadow | undefined> {
  const read = async (path: string) => readFile(path, 'utf8').catch(() => undefined)
  const candidates = [
    ...(env.AWS_CREDENTIAL_FILE ? [expandHome(env.AWS_CREDENTIAL_FILE, env)] : []),
    ...(env.BOTO_CONFIG ? [env.BOTO_CONFIG] : ['/etc/boto.cfg', join(homeDir(env), '.boto')]).map((f) => expandHome(f, env)),
  ]
  const [config, credentials, ...others] = await Promise.all([
    read(configFilePath(env)),
    read(credentialsFilePath(env)),
    ...candidates.map((path) => read(path)),
  ])
  const byPath = new Map(candidates.map((path, i) => [path, others[i]]))
  return serverShadow({env, config: config ?? '', credentials: credentials ?? '', read: (path) => byPath.get(path)})
}

/** True when the shadow is keyless's own profile of exactly this role (the command gets the chosen role anyway). */
export function servesSameRole(shadow: ServerShadow, role: {session: string; accountId: string; roleName: string}): boolean {
  const own = shadow.keylessRole
  return own !== undefined && own.session === role.session && own.accountId === role.accountId && own.roleName === role.roleName
}

/** The one line exec --server refuses with. */
export function serverShadowError(shadow: ServerShadow, label: string): KeylessError {
  const holds = shadow.keylessRole ? `keyless's profile of ${shadow.keylessRole.accountId}/${shadow.keylessRole.roleName}` : shadow.holds
  const remove = shadow.staticKeys ? 'remove the key: keyless audit --fix' : `move those keys out of ${shadow.where}`
  return new KeylessError(
    `exec --server would run the command with ${shadow.where} (${holds}), not ${label}: ${shadow.readers} read it before the endpoint`,
    `run the same exec without --server (keys in the environment win over any profile), or ${remove}`,
  )
}
