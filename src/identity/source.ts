import type {AwsFiles, Section} from './aws-files.js'

/**
 * Where the credentials in use came from, named from the credential feature ids the AWS SDK records on
 * the credentials it resolves (`credentials.$source`), completed with the config/credentials files.
 */

export type SourceKind =
  | 'environment'
  | 'credentials-file'
  | 'config-file'
  | 'credential-process'
  | 'sso'
  | 'assume-role'
  | 'web-identity'
  | 'container'
  | 'instance-metadata'
  | 'login'
  | 'unknown'

export interface CredentialSource {
  kind: SourceKind
  /** The profile the credentials were resolved for (absent for environment variables). */
  profile?: string
  /** For people: `credentials file /home/me/.aws/credentials, profile [default]`. */
  detail: string
}

/** Feature ids from `@aws-sdk/types` (feature-ids.d.ts) that name a credential source. */
type FeatureIds = Record<string, string> | undefined

export interface SourceInput {
  features: FeatureIds
  /** The profile whoami resolved with the SDK chain (`--profile`, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else `default`). */
  profile: string
  files: AwsFiles
  env: NodeJS.ProcessEnv
}

export function describeSource({features, profile, files, env}: SourceInput): CredentialSource {
  const has = (...ids: string[]) => ids.some((id) => features?.[id] !== undefined)
  const config = files.configProfiles[profile]
  const credentials = files.credentialProfiles[profile]
  // Chained sources record every link (an assumed role records its source profile's static keys too),
  // so the outermost mechanism is checked first.
  if (has('CREDENTIALS_PROFILE_SOURCE_PROFILE', 'CREDENTIALS_STS_ASSUME_ROLE')) {
    const section = {...config, ...credentials}
    const via = section.source_profile
      ? `source_profile ${section.source_profile}`
      : `credential_source ${section.credential_source ?? '?'}`
    return {kind: 'assume-role', profile, detail: `profile [${profile}] assumes ${section.role_arn ?? 'a role'} (${via})`}
  }
  if (has('CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN', 'CREDENTIALS_STS_ASSUME_ROLE_WEB_ID')) {
    const inProfile = has('CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN')
    return inProfile
      ? {kind: 'web-identity', profile, detail: `web identity token of profile [${profile}]`}
      : environmentWebIdentitySource()
  }
  if (has('CREDENTIALS_ENV_VARS')) return environmentSource(env)
  if (has('CREDENTIALS_PROFILE_PROCESS', 'CREDENTIALS_PROCESS')) {
    const file = credentials?.credential_process ? files.credentialsPath : files.configPath
    return {kind: 'credential-process', profile, detail: `credential_process of profile [${profile}] in ${file}`}
  }
  if (has('CREDENTIALS_PROFILE_SSO', 'CREDENTIALS_PROFILE_SSO_LEGACY', 'CREDENTIALS_SSO', 'CREDENTIALS_SSO_LEGACY')) {
    const session = config?.sso_session
    const how = session ? `sso-session ${session}` : `start URL ${config?.sso_start_url ?? '?'}`
    return {kind: 'sso', profile, detail: `SSO profile [${profile}] (${how})`}
  }
  if (has('CREDENTIALS_PROFILE')) return staticProfileSource(profile, files)
  if (has('CREDENTIALS_HTTP')) return {kind: 'container', detail: 'container credentials endpoint'}
  if (has('CREDENTIALS_IMDS')) return {kind: 'instance-metadata', detail: 'EC2 instance metadata'}
  if (has('CREDENTIALS_PROFILE_LOGIN', 'CREDENTIALS_LOGIN')) {
    return {kind: 'login', profile, detail: `console login session of profile [${profile}]`}
  }
  return inferSource(profile, files, env)
}

/** The web identity token named by AWS_WEB_IDENTITY_TOKEN_FILE, for the role AWS_ROLE_ARN names. */
export function environmentWebIdentitySource(): CredentialSource {
  return {kind: 'web-identity', detail: 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)'}
}

export function environmentSource(env: NodeJS.ProcessEnv): CredentialSource {
  const variables = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', ...(env.AWS_SESSION_TOKEN ? ['AWS_SESSION_TOKEN'] : [])]
  return {kind: 'environment', detail: `environment variables ${variables.join(', ')}`}
}

function staticProfileSource(profile: string, files: AwsFiles): CredentialSource {
  // The SDK lays the credentials file over the config file, key by key: the key comes from the
  // credentials file whenever that file's section carries one.
  if (files.credentialProfiles[profile]?.aws_access_key_id) {
    return {kind: 'credentials-file', profile, detail: `credentials file ${files.credentialsPath}, profile [${profile}]`}
  }
  return {kind: 'config-file', profile, detail: `config file ${files.configPath}, profile [${profile}]`}
}

/** For an SDK that records no feature ids: the SDK's own order (static keys, web identity, process, SSO). */
function inferSource(profile: string, files: AwsFiles, env: NodeJS.ProcessEnv): CredentialSource {
  const section: Section = {...files.configProfiles[profile], ...files.credentialProfiles[profile]}
  if (section.aws_access_key_id) return staticProfileSource(profile, files)
  if (section.credential_process) return describeSource({features: {CREDENTIALS_PROFILE_PROCESS: 'v'}, profile, files, env})
  if (Object.keys(section).some((key) => key.startsWith('sso_'))) {
    return describeSource({features: {CREDENTIALS_PROFILE_SSO: 'r'}, profile, files, env})
  }
  return {kind: 'unknown', detail: 'unknown source'}
}
