import {homeMismatch} from '../aws-config/paths.js'
import type {AwsFiles, Section} from './aws-files.js'
import {classifyKey, maskAccessKeyId, type KeyKind, type Principal} from './classify.js'
import {awsCliUsesProcessBeforeConfigKey, ignoredCredentialVariables} from './cli-order.js'
import type {CredentialSource} from './source.js'

/** The warning codes of PRODUCT.md section 4 (whoami `--json`): stable, scripts match on them. */
export type WarningCode =
  | 'root'
  | 'long-term-key'
  | 'env-overrides-profile'
  | 'credentials-file-shadows-profile'
  | 'sso-keys-shadow-credential-process'
  | 'home-differs'
  | 'default-profile-variable'
  | 'terraform-uses-long-term-key'
  | 'terraform-uses-web-identity'
  | 'ignored-environment-variable'

export interface Warning {
  code: WarningCode
  message: string
}

export interface WarningInput {
  principal: Principal
  keyKind: KeyKind
  maskedKey: string
  source: CredentialSource
  /** The profile the AWS CLI and Terraform use (`--profile`, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else `default`). */
  profile: string
  /** True when the profile came from `--profile` (it then beats environment keys, as in the AWS CLI). */
  profileFromFlag: boolean
  files: AwsFiles
  env: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
}

/** Keys that make a config-file profile produce credentials by itself. */
const CREDENTIAL_KEYS = [
  'aws_access_key_id',
  'credential_process',
  'role_arn',
  'credential_source',
  'web_identity_token_file',
  'login_session',
]

/** Every warning that applies, loudest first. */
export function warningsFor(input: WarningInput): Warning[] {
  const {principal, keyKind, maskedKey, source, profile, profileFromFlag, files, env} = input
  const warnings: Warning[] = []
  if (principal.kind === 'root') {
    warnings.push({
      code: 'root',
      message:
        `you are the account root of ${principal.account}: nothing can limit what these credentials do; ` +
        'delete the root access keys and use an IAM Identity Center role (keyless login)',
    })
  }
  if (keyKind === 'long-term') {
    const where = source.kind === 'environment' ? 'environment variable AWS_ACCESS_KEY_ID' : source.detail
    warnings.push({
      code: 'long-term-key',
      message:
        `${maskedKey} is a long-term access key that never expires (from ${where}); ` +
        'remove it, deactivate it in IAM, and use short-lived credentials (keyless profiles sync); ' +
        'keyless audit finds every other long-term key on this machine',
    })
  }
  const profileVariable = env.AWS_PROFILE ? 'AWS_PROFILE' : env.AWS_DEFAULT_PROFILE ? 'AWS_DEFAULT_PROFILE' : undefined
  if (source.kind === 'environment' && profileVariable && !profileFromFlag) {
    warnings.push({
      code: 'env-overrides-profile',
      message:
        `AWS_ACCESS_KEY_ID in the environment overrides ${profileVariable}=${env[profileVariable]}: the AWS CLI and Terraform ` +
        'use the key, not the profile; run: unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN',
    })
  }
  if (source.kind === 'web-identity' && source.profile === undefined && profileVariable && !profileFromFlag) {
    warnings.push({
      code: 'env-overrides-profile',
      message:
        `AWS_WEB_IDENTITY_TOKEN_FILE in the environment overrides ${profileVariable}=${env[profileVariable]}: the AWS CLI and ` +
        `Terraform assume ${env.AWS_ROLE_ARN || 'its role'} with its token, not the profile (the AWS SDK for JavaScript takes the ` +
        'profile); run: unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN',
    })
  }
  const stray = ignoredCredentialVariables(env)
  if (!profileFromFlag && stray.length > 0) {
    warnings.push({
      code: 'ignored-environment-variable',
      message:
        `${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} set without AWS_ACCESS_KEY_ID: every AWS tool ignores ` +
        `${stray.length > 1 ? 'them' : 'it'} (a leftover of an old session) and uses the profile; run: unset ${stray.join(' ')}`,
    })
  }
  // AWS_DEFAULT_PROFILE: the AWS CLI and Terraform read it after AWS_PROFILE, boto3 before it, the JavaScript SDK never.
  if (!profileFromFlag && source.kind !== 'environment' && env.AWS_DEFAULT_PROFILE && env.AWS_DEFAULT_PROFILE !== env.AWS_PROFILE) {
    warnings.push({
      code: 'default-profile-variable',
      message: env.AWS_PROFILE
        ? `AWS_PROFILE=${env.AWS_PROFILE} and AWS_DEFAULT_PROFILE=${env.AWS_DEFAULT_PROFILE} differ: the AWS CLI and Terraform ` +
          `use [${env.AWS_PROFILE}], boto3 and the tools built on it [${env.AWS_DEFAULT_PROFILE}]; run: unset AWS_DEFAULT_PROFILE`
        : `profile [${profile}] comes from AWS_DEFAULT_PROFILE, which the AWS CLI, Terraform and boto3 read but the AWS SDK ` +
          `for JavaScript (the CDK, ...) ignores: it uses [default]; run: export AWS_PROFILE=${profile}; unset AWS_DEFAULT_PROFILE`,
    })
  }
  const usesProfile = source.kind !== 'environment' && source.profile !== undefined
  const credentialsSection = files.credentialProfiles[profile]
  const configSection = files.configProfiles[profile]
  if (
    usesProfile &&
    source.kind !== 'sso' &&
    credentialsSection?.aws_access_key_id &&
    configSection &&
    shadowed(configSection, credentialsSection)
  ) {
    warnings.push({
      code: 'credentials-file-shadows-profile',
      message:
        `profile [${profile}] in the credentials file ${files.credentialsPath} shadows profile [${profile}] of ` +
        `${files.configPath}: its static key is used instead; remove [${profile}] from ${files.credentialsPath}`,
    })
  }
  const merged: Section = {...configSection, ...credentialsSection}
  if (usesProfile && merged.credential_process && Object.keys(merged).some((key) => key.startsWith('sso_'))) {
    warnings.push({
      code: 'sso-keys-shadow-credential-process',
      message:
        `profile [${profile}] has sso_* keys next to its credential_process: the AWS CLI, boto3 and Terraform ` +
        `use SSO and never run credential_process; remove the sso_* keys from [profile ${profile}] in ${files.configPath}`,
    })
  }
  // A profile with sso_* keys and a long-term key: the AWS CLI and boto3 take SSO first, but the Go SDK (Terraform:
  // resolveCredsFromProfile) and the JS SDK's default chain (fromIni) take a profile's static keys first. So with a
  // credential_process and a key in the config file, which botocore reads after the process (cli-order.ts). --strict fails.
  const judgedBeside =
    source.kind === 'sso'
      ? 'sso_* keys'
      : source.kind === 'credential-process' && awsCliUsesProcessBeforeConfigKey(profile, files)
        ? 'a credential_process'
        : undefined
  const staticKey = judgedBeside ? merged.aws_access_key_id : undefined
  if (judgedBeside && staticKey && classifyKey(staticKey, false) === 'long-term') {
    const file = credentialsSection?.aws_access_key_id ? files.credentialsPath : files.configPath
    warnings.push({
      code: 'terraform-uses-long-term-key',
      message:
        `profile [${profile}] has ${judgedBeside} and the long-term key ${maskAccessKeyId(staticKey)} (in ${file}): the AWS CLI and boto3 ` +
        `${source.kind === 'sso' ? 'use its SSO role' : 'run its credential_process'}, but Terraform and the AWS SDKs for Go and JavaScript (the CDK, ...) use the key; ` +
        `remove it from [${profile}] in ${file} (keyless audit --fix), then deactivate it in IAM`,
    })
  }
  // A profile's assume role goes before the environment's web identity in the AWS CLI (botocore's resolver), after it
  // in Terraform (the Go SDK takes the web identity before any profile not set in its own configuration).
  if (source.kind === 'assume-role' && !profileFromFlag && env.AWS_WEB_IDENTITY_TOKEN_FILE) {
    warnings.push({
      code: 'terraform-uses-web-identity',
      message:
        `profile [${profile}] assumes its role_arn in the AWS CLI and boto3, but Terraform and the AWS SDK for Go take the web ` +
        `identity in AWS_WEB_IDENTITY_TOKEN_FILE (AWS_ROLE_ARN=${env.AWS_ROLE_ARN || '(unset)'}) first; ` +
        'run: unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN, or set the profile in the Terraform provider block',
    })
  }
  // Windows: tools that read HOME and tools that read USERPROFILE see different ~/.aws folders.
  const home = homeMismatch(env, input.platform)
  if (home) warnings.push({code: 'home-differs', message: home})
  return warnings
}

/** The config profile means to supply credentials its own way, and the credentials file's key wins. */
function shadowed(config: Section, credentials: Section): boolean {
  if (Object.keys(config).some((key) => key.startsWith('sso_'))) return true
  return CREDENTIAL_KEYS.some((key) => config[key] !== undefined && config[key] !== credentials[key])
}
