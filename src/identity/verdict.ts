import {EXIT, KeylessError} from '../errors.js'
import type {Identity} from './identity.js'

/**
 * What `--strict` and `--expect-account` make of an identity: undefined when it passes, else the error
 * to exit with. A wrong account (exit 4) is reported before a strict violation (exit 3): deploying to
 * the wrong account is the bigger mistake, and the warnings already name the root or static key.
 */
export function verdict(identity: Identity, options: {strict: boolean; expectAccounts: string[]}): KeylessError | undefined {
  const {expectAccounts, strict} = options
  if (expectAccounts.length > 0 && !expectAccounts.includes(identity.account)) {
    const wanted = expectAccounts.length === 1 ? expectAccounts[0] : `one of ${expectAccounts.join(', ')}`
    return new KeylessError(
      `these credentials are for account ${identity.account}, not ${wanted} (--expect-account)`,
      'switch credentials (export AWS_PROFILE=<profile for that account>, or pass --profile)',
      EXIT.accountMismatch,
    )
  }
  // The AWS CLI's account is right, but Terraform would take other credentials (terraform-identity.ts).
  const terraform = identity.terraform
  if (expectAccounts.length > 0 && terraform && !(terraform.account && expectAccounts.includes(terraform.account))) {
    const wanted = expectAccounts.length === 1 ? expectAccounts[0] : `one of ${expectAccounts.join(', ')}`
    const taken =
      terraform.source === 'web-identity'
        ? `the web identity's role AWS_ROLE_ARN=${terraform.roleArn || '(unset)'}`
        : `the long-term key ${terraform.accessKeyId} of profile [${identity.profile}]`
    return new KeylessError(
      terraform.account
        ? `Terraform and the AWS SDK for Go would use ${taken}, in account ${terraform.account}, not ${wanted} (--expect-account)`
        : `cannot confirm the account Terraform would use: it takes ${taken}, and ${terraform.unconfirmed ?? 'its account is unknown'} (--expect-account)`,
      terraform.source === 'web-identity'
        ? 'run: unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN, or set the profile in the Terraform provider block'
        : `remove the key from [${identity.profile}] (keyless audit --fix), then deactivate it in IAM`,
      EXIT.accountMismatch,
    )
  }
  if (strict && identity.principalKind === 'root') {
    return new KeylessError(
      `refusing: these are the account root's credentials for ${identity.account} (--strict)`,
      'use an IAM Identity Center role instead: run: keyless login, then export AWS_PROFILE=<a keyless profile>',
      EXIT.strictViolation,
    )
  }
  // The SSO role or the credential_process passes, but Terraform would take the long-term key beside it in the same
  // profile (warnings.ts).
  if (strict && identity.warnings.some((w) => w.code === 'terraform-uses-long-term-key')) {
    const instead = identity.source === 'credential-process' ? 'its credential_process' : 'its SSO role'
    return new KeylessError(
      `refusing: profile [${identity.profile}] also holds a long-term access key, which Terraform and the AWS SDKs for Go and JavaScript use instead of ${instead} (--strict)`,
      `remove the key from [${identity.profile}] (keyless audit --fix), then deactivate it in IAM`,
      EXIT.strictViolation,
    )
  }
  if (strict && identity.keyKind === 'long-term') {
    return new KeylessError(
      `refusing: ${identity.accessKeyId} is a long-term access key from ${identity.sourceDetail} (--strict)`,
      'use short-lived credentials instead: run: keyless profiles sync, then export AWS_PROFILE=<a keyless profile>',
      EXIT.strictViolation,
    )
  }
  return undefined
}

/** `--expect-account` values must be 12-digit account ids (a typo must not silently never match). */
export function checkAccountIds(values: string[]): string[] {
  for (const value of values) {
    if (!/^\d{12}$/.test(value)) {
      throw new KeylessError(
        `--expect-account ${JSON.stringify(value)} is not a 12-digit AWS account id`,
        'pass it as --expect-account 111111111111 (repeat the flag for more accounts)',
        EXIT.usage,
      )
    }
  }
  return values
}
