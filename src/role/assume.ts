import {narrowSdkConfigToProfileInUse} from '../aws-config/sdk-config-view.js'
import {KeylessError, printable} from '../errors.js'
import type {RoleCredentials} from '../sso/types.js'
import {registerSecret} from '../ui/debug.js'
import type {ChainHop} from './profiles.js'
import {clientSts} from '../sdk-modules.js'

/**
 * A role chain's credentials: STS AssumeRole with the previous hop's credentials, hop by hop from the keyless
 * source role (what the AWS CLI and the SDKs do for `role_arn` + `source_profile`). Not cached: each hop is one
 * call, and the chain's end expires within the hour that role chaining allows anyway.
 */
export async function assumeChain(
  source: RoleCredentials,
  chain: readonly ChainHop[],
  options: {region: string; profile: string; env?: NodeJS.ProcessEnv},
): Promise<RoleCredentials> {
  await narrowSdkConfigToProfileInUse()
  const {STSClient, AssumeRoleCommand} = clientSts()
  let credentials = source
  for (const hop of chain) {
    const client = new STSClient({
      region: options.region,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
      maxAttempts: 2,
    })
    try {
      const out = await client.send(
        new AssumeRoleCommand({
          RoleArn: hop.roleArn,
          // botocore names an unnamed session botocore-session-<epoch>: keyless's are keyless-<epoch>.
          RoleSessionName: hop.sessionName ?? `keyless-${Math.floor(Date.now() / 1000)}`,
          ExternalId: hop.externalId,
          DurationSeconds: hop.durationSeconds,
        }),
      )
      const c = out.Credentials
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('AssumeRole returned no credentials')
      credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiresAt: c.Expiration.toISOString(),
      }
      registerSecret(credentials.secretAccessKey)
      registerSecret(credentials.sessionToken)
    } catch (error) {
      const name = (error as {name?: string}).name ?? 'Error'
      const message = printable((error as Error).message ?? String(error)).slice(0, 300)
      throw new KeylessError(
        `profile ${options.profile}: AssumeRole of ${hop.roleArn} failed (${name}: ${message})`,
        name === 'AccessDenied'
          ? "check that the role's trust policy allows the source profile's role, and its external_id"
          : `check role_arn, role_session_name, external_id and duration_seconds of [profile ${options.profile}]`,
      )
    } finally {
      client.destroy()
    }
  }
  return credentials
}
