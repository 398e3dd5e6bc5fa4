import type {AwsFiles, Section} from './aws-files.js'

/**
 * The AWS CLI's order for a profile (botocore's credential resolver): assume role (`role_arn`), web identity,
 * then SSO (`sso_account_id` / `sso_role_name`), then static keys from the credentials file, then
 * `credential_process`, then static keys from the config file. Terraform and the JS SDK's default chain also
 * take SSO first. The SDK's fromIni alone puts `credential_process` and static keys before SSO, so whoami asks
 * this first: when the CLI would use SSO, whoami resolves SSO and nothing else.
 */
export function awsCliUsesSso(profile: string, files: AwsFiles): boolean {
  const section: Section = {...files.configProfiles[profile], ...files.credentialProfiles[profile]}
  if (section.role_arn || section.web_identity_token_file) return false
  return section.sso_account_id !== undefined || section.sso_role_name !== undefined
}
