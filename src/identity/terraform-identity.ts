import type {AwsFiles} from './aws-files.js'
import {maskAccessKeyId} from './classify.js'
import type {Warning} from './warnings.js'

/**
 * What Terraform (the AWS SDK for Go) runs as where it takes other credentials than the AWS CLI, whose identity whoami
 * shows: the environment's web identity beside an assume-role profile (warning terraform-uses-web-identity), or a
 * profile's long-term key beside its SSO keys or its credential_process (terraform-uses-long-term-key). `whoami --expect-account` guards
 * `terraform apply`, so the account must hold for those credentials too (verdict.ts).
 */
export interface TerraformIdentity {
  /** What Terraform takes instead. */
  source: 'web-identity' | 'long-term-key'
  /** Its account: AWS_ROLE_ARN's, or the key's as STS answers (asked only for --expect-account); else null. */
  account: string | null
  /** The web identity's role: AWS_ROLE_ARN. */
  roleArn?: string
  /** The long-term key, masked (`AKIA************0001`). */
  accessKeyId?: string
  /** Why the account is not known, where it was looked for: the key's masked id and what STS said. */
  unconfirmed?: string
}

/** A static key, and the caller's identity STS gives for it (GetCallerIdentity signed with it). */
export type IdentifyKey = (key: {accessKeyId: string; secretAccessKey: string}) => Promise<{account: string}>

/** A role ARN's account: `arn:PARTITION:iam::ACCOUNT:role/NAME`. */
const ROLE_ARN = /^arn:[a-z-]+:iam::(\d{12}):role\/./

/**
 * Terraform's identity where its warnings say it differs from the AWS CLI's; undefined where it does not. The web
 * identity's account is its role ARN's (no call: STS either gives that role or fails Terraform's run). The key's is
 * asked of STS only when `identifyKey` is given (--expect-account): the key is never sent anywhere otherwise.
 */
export async function terraformIdentity(
  warnings: readonly Warning[],
  context: {profile: string; files: AwsFiles; env: NodeJS.ProcessEnv; identifyKey?: IdentifyKey},
): Promise<TerraformIdentity | undefined> {
  const {profile, files, env, identifyKey} = context
  const codes = new Set(warnings.map((w) => w.code))
  if (codes.has('terraform-uses-web-identity')) {
    const roleArn = env.AWS_ROLE_ARN ?? ''
    const account = ROLE_ARN.exec(roleArn)?.[1]
    return account
      ? {source: 'web-identity', account, roleArn}
      : {source: 'web-identity', account: null, roleArn, unconfirmed: `AWS_ROLE_ARN is not a role ARN`}
  }
  if (!codes.has('terraform-uses-long-term-key')) return undefined
  // The Go SDK's order within a profile: the credentials file's static key before the config file's (warnings.ts).
  const section = {...files.configProfiles[profile], ...files.credentialProfiles[profile]}
  const key = section.aws_access_key_id ?? ''
  const secretAccessKey = section.aws_secret_access_key
  const accessKeyId = maskAccessKeyId(key)
  if (!identifyKey) return {source: 'long-term-key', account: null, accessKeyId}
  if (!secretAccessKey) return {source: 'long-term-key', account: null, accessKeyId, unconfirmed: 'it has no aws_secret_access_key'}
  try {
    return {source: 'long-term-key', account: (await identifyKey({accessKeyId: key, secretAccessKey})).account, accessKeyId}
  } catch (error) {
    const name = (error as {name?: string})?.name ?? 'Error'
    return {source: 'long-term-key', account: null, accessKeyId, unconfirmed: `STS did not identify it (${name})`}
  }
}
