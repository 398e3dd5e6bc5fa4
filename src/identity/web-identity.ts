import {readFileSync} from 'node:fs'

import {KeylessError} from '../errors.js'
import {registerSecret} from '../ui/debug.js'
import type {AwsFiles} from './aws-files.js'
import {explainWebIdentityError} from './explain.js'
import type {ProviderTrail} from './provider-trail.js'
import {credentialProviders} from '../sdk-modules.js'

/** The web identity in the environment the AWS CLI would take: the token's file, the role to assume with it. */
export interface EnvironmentWebIdentity {
  tokenFile: string
  roleArn: string
  sessionName?: string
}

/**
 * The environment's web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN: an EKS pod with IRSA, a CI job) when
 * the AWS CLI would use it for this profile, in botocore's order: after environment keys (the caller checks those)
 * and the profile's own assume role (`role_arn` without a `web_identity_token_file` of its own), before the profile's
 * SSO, keys and credential_process; left out when the profile was named on the command line (`--profile`). Each
 * setting is the environment's, else the profile's (botocore's AssumeRoleWithWebIdentityProvider). The AWS SDK for Go
 * (Terraform) takes it before any profile the environment names; the AWS SDK for JavaScript after the profile.
 * Throws, as the AWS CLI fails, when there is a token and no role to assume with it.
 */
export function environmentWebIdentity(
  profile: string,
  profileFromFlag: boolean,
  files: AwsFiles,
  env: NodeJS.ProcessEnv,
): EnvironmentWebIdentity | undefined {
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE
  if (profileFromFlag || !tokenFile) return undefined
  const section = {...files.configProfiles[profile], ...files.credentialProfiles[profile]}
  if (section.role_arn && !section.web_identity_token_file) return undefined
  const roleArn = env.AWS_ROLE_ARN || section.role_arn
  if (!roleArn) {
    throw new KeylessError(
      'AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: the AWS CLI and Terraform fail here',
      'set AWS_ROLE_ARN to the role to assume, or unset AWS_WEB_IDENTITY_TOKEN_FILE',
    )
  }
  const sessionName = env.AWS_ROLE_SESSION_NAME || section.role_session_name
  return {tokenFile, roleArn, ...(sessionName ? {sessionName} : {})}
}

export interface WebIdentityCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/**
 * The role's credentials from STS AssumeRoleWithWebIdentity, through the SDK's own provider. The token is read here
 * (not by the provider) so that it is registered as a secret before any request or error could carry it, and so that
 * an unreadable file gets its own one-line error.
 */
export async function assumeWithWebIdentity(
  identity: EnvironmentWebIdentity,
  region: string,
  logger: ProviderTrail,
): Promise<WebIdentityCredentials> {
  let token: string
  try {
    token = readFileSync(identity.tokenFile, 'ascii')
  } catch (error) {
    throw new KeylessError(
      `cannot read the web identity token AWS_WEB_IDENTITY_TOKEN_FILE=${identity.tokenFile} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      'point AWS_WEB_IDENTITY_TOKEN_FILE at the token, or unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN',
    )
  }
  registerSecret(token)
  const {fromWebToken} = credentialProviders()
  try {
    return await fromWebToken({
      webIdentityToken: token,
      roleArn: identity.roleArn,
      ...(identity.sessionName ? {roleSessionName: identity.sessionName} : {}),
      logger,
      clientConfig: {region},
    })()
  } catch (error) {
    throw explainWebIdentityError(error, identity)
  }
}
