import type {AwsFiles, Section} from './aws-files.js'

/**
 * The AWS CLI's order for a profile (botocore's credential resolver): assume role (`role_arn`), web identity,
 * then SSO (`sso_account_id` / `sso_role_name`), then static keys from the credentials file, then
 * `credential_process`, then static keys from the config file. Terraform (the Go SDK) also takes SSO before
 * `credential_process`, but a profile's static keys before both (warnings.ts warns); the JS SDK's default chain
 * (fromIni) takes static keys and `credential_process` before SSO. whoami asks this first: when the CLI would use
 * SSO, whoami resolves SSO and nothing else.
 */
export function awsCliUsesSso(profile: string, files: AwsFiles): boolean {
  const section: Section = {...files.configProfiles[profile], ...files.credentialProfiles[profile]}
  if (section.role_arn || section.web_identity_token_file) return false
  return section.sso_account_id !== undefined || section.sso_role_name !== undefined
}

/**
 * The AWS CLI runs the profile's `credential_process` where the JS SDK's default chain (and Terraform) would take a
 * static key of the same profile: the key (id and secret) is in the config file, which botocore reads after
 * `credential_process`, and no role, web identity, SSO or credentials-file key comes first. Elsewhere the SDK's chain
 * and the AWS CLI agree on a profile with a `credential_process`.
 */
export function awsCliUsesProcessBeforeConfigKey(profile: string, files: AwsFiles): boolean {
  const config: Section = files.configProfiles[profile] ?? {}
  const credentials: Section = files.credentialProfiles[profile] ?? {}
  const section: Section = {...config, ...credentials}
  if (!section.credential_process || section.role_arn || section.web_identity_token_file) return false
  if (awsCliUsesSso(profile, files) || credentials.aws_access_key_id !== undefined) return false
  return Boolean(config.aws_access_key_id && config.aws_secret_access_key)
}

/** Where the profile in use was named. */
export type ProfileOrigin = '--profile' | 'AWS_PROFILE' | 'AWS_DEFAULT_PROFILE' | 'default'

/**
 * The profile the AWS CLI and Terraform use: `--profile`; else AWS_PROFILE; else AWS_DEFAULT_PROFILE, which the AWS
 * CLI and the Go SDK (Terraform) read after AWS_PROFILE, and boto3 before it; else `default`. The AWS SDK for
 * JavaScript v3 alone ignores AWS_DEFAULT_PROFILE (whoami warns where the tools part ways: warnings.ts).
 */
export function profileInUse(flag: string | undefined, env: NodeJS.ProcessEnv): {name: string; origin: ProfileOrigin} {
  if (flag) return {name: flag, origin: '--profile'}
  if (env.AWS_PROFILE) return {name: env.AWS_PROFILE, origin: 'AWS_PROFILE'}
  if (env.AWS_DEFAULT_PROFILE) return {name: env.AWS_DEFAULT_PROFILE, origin: 'AWS_DEFAULT_PROFILE'}
  return {name: 'default', origin: 'default'}
}

/**
 * A secret or a session token in the environment without an access key id: the AWS CLI, boto3, Terraform and the
 * AWS SDK for JavaScript all pass over them and go on to the profile (a key id without its secret instead makes the
 * AWS CLI and boto3 fail: whoami.ts).
 */
export function ignoredCredentialVariables(env: NodeJS.ProcessEnv): string[] {
  return env.AWS_ACCESS_KEY_ID ? [] : ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].filter((name) => env[name])
}
