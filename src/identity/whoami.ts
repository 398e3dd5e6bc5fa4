import {KeylessError} from '../errors.js'
import {AWS_HTTP_OPTIONS, withCallLimits} from '../sso/clients.js'
import {debug, registerSecret, sdkLogger} from '../ui/debug.js'
import {loadAwsFiles, type AwsFiles} from './aws-files.js'
import {maskAccessKeyId} from './classify.js'
import {explainResolutionError, explainStsError, missingProfileError, missingSourceProfileError} from './explain.js'
import {buildIdentity, type Identity} from './identity.js'
import {ProviderTrail} from './provider-trail.js'
import {awsCliUsesProcessBeforeConfigKey, awsCliUsesSso, ignoredCredentialVariables, profileInUse} from './cli-order.js'
import {narrowSdkConfigView} from '../aws-config/sdk-config-view.js'
import {clientSts, credentialProviders} from '../sdk-modules.js'
import {describeSource, environmentSource, environmentWebIdentitySource, type CredentialSource} from './source.js'
import {terraformIdentity} from './terraform-identity.js'
import {assumeWithWebIdentity, environmentWebIdentity, type EnvironmentWebIdentity} from './web-identity.js'

/** One retry for a dropped connection; more only delays the one-line error a script is waiting for. */
const STS_MAX_ATTEMPTS = 2
/** STS is global: any region works when neither the profile nor the environment names one. */
const DEFAULT_STS_REGION = 'us-east-1'

export interface WhoamiOptions {
  /** `--profile`: beats AWS_PROFILE, AWS_DEFAULT_PROFILE and environment keys, as the AWS CLI's `--profile` does. */
  profile?: string
  env?: NodeJS.ProcessEnv
  /**
   * Ask STS whose long-term key Terraform would take instead of the profile's SSO role (terraform-identity.ts): for
   * --expect-account, which must hold for it too. Without it, that key is never sent anywhere.
   */
  identifyTerraformKey?: boolean
}

interface ResolvedCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
  $source?: Record<string, string>
}

/**
 * Resolves the credentials every AWS tool would use here, asks STS who they belong to, and classifies
 * the answer. The AWS SDK is loaded only now, so `keyless whoami` starts fast.
 *
 * Precedence (as the AWS CLI, boto3 and the other SDKs): `--profile`; else AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY in the environment, even when AWS_PROFILE is set (the AWS SDK for JavaScript v3
 * alone prefers AWS_PROFILE there, but the AWS CLI and Terraform use the keys, and whoami must show what
 * they will use); else a web identity in the environment (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN), which the
 * AWS CLI and Terraform take before the profile's own credentials (environmentWebIdentity); else the SDK's default
 * chain for the profile the AWS CLI and Terraform use (AWS_PROFILE, else AWS_DEFAULT_PROFILE, else `default`:
 * profileInUse): the config and credentials files (static keys, credential_process, SSO, assumed roles), container,
 * instance metadata.
 */
export async function whoami(options: WhoamiOptions = {}): Promise<Identity> {
  quietNodeVersionWarning()
  const env = options.env ?? process.env
  const profileFromFlag = Boolean(options.profile)
  const inUse = profileInUse(options.profile, env)
  const profile = inUse.name
  // Named to the SDK whenever it is not what the SDK finds by itself (it reads AWS_PROFILE, never AWS_DEFAULT_PROFILE).
  const sdkProfile = inUse.origin === '--profile' || inUse.origin === 'AWS_DEFAULT_PROFILE' ? profile : undefined
  // The profiles the SDK's STS client may read settings of (this one, and default's; the SDK reads AWS_PROFILE of
  // this process): whoami's own reading of the config file keeps those and leaves out the other profiles.
  const keep = new Set([profile, ...(process.env.AWS_PROFILE ? [process.env.AWS_PROFILE] : [])])
  const files = await loadAwsFiles(env, keep)
  const context = {profile, profileExplicit: inUse.origin !== 'default', files, ignored: ignoredCredentialVariables(env)}
  if (!profileFromFlag) {
    const half = halfSetOfEnvironmentKeys(env)
    if (half) throw half
  }
  const envKeys = !profileFromFlag && Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
  if (!envKeys) {
    const missing = missingProfileError(context) ?? missingSourceProfileError(context)
    if (missing) throw missing
  }

  // An EKS pod's or a CI job's web identity: the AWS CLI takes it before the profile's own credentials.
  const webIdentity = envKeys ? undefined : environmentWebIdentity(profile, profileFromFlag, files, env)
  const credentials = await resolveCredentials(envKeys, sdkProfile, context, webIdentity)
  registerSecret(credentials.secretAccessKey)
  registerSecret(credentials.sessionToken)
  const source: CredentialSource = envKeys
    ? environmentSource(env)
    : webIdentity
      ? environmentWebIdentitySource()
      : describeSource({features: credentials.$source, profile, files, env})
  debug('whoami', 'credentials resolved', {source, features: credentials.$source})

  // The STS client reads only this profile's settings (and default's): it gets the file without the others.
  await narrowSdkConfigView(files.configPath, files.configText, keep, files.configHeaders)
  const region = stsRegion(env, files, profile)
  const endpoint = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || `https://sts.${region}.amazonaws.com`
  const {STSClient, GetCallerIdentityCommand} = clientSts()
  /** GetCallerIdentity signed with these credentials. */
  const callerOf = async (signing: {accessKeyId: string; secretAccessKey: string; sessionToken?: string}) => {
    // STS answers GetCallerIdentity in milliseconds; a dead network must fail the guard in seconds, not hang it.
    const client = withCallLimits(
      new STSClient({
        region,
        ...(sdkProfile ? {profile: sdkProfile} : {}),
        credentials: signing,
        maxAttempts: STS_MAX_ATTEMPTS,
        requestHandler: AWS_HTTP_OPTIONS,
        logger: sdkLogger,
      }),
    )
    try {
      return await client.send(new GetCallerIdentityCommand({}))
    } finally {
      client.destroy()
    }
  }
  let caller
  try {
    caller = await callerOf({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    })
  } catch (error) {
    debug('whoami', 'GetCallerIdentity failed', {name: (error as Error)?.name})
    throw explainStsError(error, {maskedKey: maskAccessKeyId(credentials.accessKeyId), source, endpoint})
  }

  const identity = buildIdentity({
    caller,
    accessKeyId: credentials.accessKeyId,
    hasSessionToken: Boolean(credentials.sessionToken),
    expiration: credentials.expiration,
    source,
    profile,
    profileFromFlag,
    files,
    env,
  })
  const identifyKey = options.identifyTerraformKey
    ? async (key: {accessKeyId: string; secretAccessKey: string}) => {
        registerSecret(key.secretAccessKey)
        const {Account} = await callerOf(key)
        if (!Account) throw new Error('GetCallerIdentity gave no account')
        return {account: Account}
      }
    : undefined
  const terraform = await terraformIdentity(identity.warnings, {profile, files, env, identifyKey})
  if (terraform) identity.terraform = terraform
  return identity
}

async function resolveCredentials(
  envKeys: boolean,
  sdkProfile: string | undefined,
  context: {profile: string; profileExplicit: boolean; files: AwsFiles},
  webIdentity: EnvironmentWebIdentity | undefined,
): Promise<ResolvedCredentials> {
  const trail = new ProviderTrail(sdkLogger)
  if (webIdentity) return assumeWithWebIdentity(webIdentity, stsRegion(process.env, context.files, context.profile), trail)
  const {fromEnv, fromNodeProviderChain, fromProcess, fromSSO} = credentialProviders()
  try {
    if (envKeys) return (await fromEnv({logger: trail})()) as ResolvedCredentials
    // The AWS CLI takes a profile's sso_* keys before its credentials-file keys and its credential_process, and
    // fails when the SSO session is gone; the SDK chain would fall through to them. The guard judges what the CLI uses.
    if (awsCliUsesSso(context.profile, context.files)) {
      return (await fromSSO({profile: context.profile, logger: trail})()) as ResolvedCredentials
    }
    // Nor does it take a config-file key before the profile's credential_process, as the SDK chain would.
    if (awsCliUsesProcessBeforeConfigKey(context.profile, context.files)) {
      return (await fromProcess({profile: context.profile, logger: trail})()) as ResolvedCredentials
    }
    return (await fromNodeProviderChain({
      ...(sdkProfile ? {profile: sdkProfile} : {}),
      logger: trail,
      // The STS client of an assumed role (role_arn + source_profile) gets the region whoami uses; left to
      // itself it prints a warning about defaulting to us-east-1.
      clientConfig: {region: stsRegion(process.env, context.files, context.profile)},
    })()) as ResolvedCredentials
  } catch (error) {
    const cause = trail.profileFailure()
    throw explainResolutionError(cause ? new Error(cause) : error, context)
  }
}

/**
 * An access key id in the environment without its secret. The tools disagree on it (the AWS CLI and boto3 fail with
 * PartialCredentialsError; Terraform and the JavaScript SDK silently use a profile instead), so the guard cannot say
 * what a tool will use: it names the variable and the fix instead of guessing. A secret or a session token without
 * a key id is ignored by every one of them: whoami judges the profile they use, and warns (warnings.ts).
 */
export function halfSetOfEnvironmentKeys(env: NodeJS.ProcessEnv): KeylessError | undefined {
  if (env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY) {
    return new KeylessError(
      'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not (the AWS CLI and boto3 fail on this; Terraform and the JavaScript SDK silently use a profile instead)',
      'set both, or run: unset AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN',
    )
  }
  return undefined
}

/** As the AWS CLI: AWS_REGION, AWS_DEFAULT_REGION, the profile's region; STS is global, so any default works. */
function stsRegion(env: NodeJS.ProcessEnv, files: AwsFiles, profile: string): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || files.configProfiles[profile]?.region || DEFAULT_STS_REGION
}

/**
 * The SDK prints a multi-line Node-version notice unless this variable is exactly "true" ("1" does not
 * count); whoami's stderr is for its own warnings and its one error line.
 */
function quietNodeVersionWarning(): void {
  const value = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
  if (value === undefined || value === '1') process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
}
