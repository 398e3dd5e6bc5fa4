import {serverDescription} from '../sso/errors.js'
import {KeylessError, printable} from '../errors.js'
import type {AwsFiles} from './aws-files.js'
import type {CredentialSource} from './source.js'

/**
 * Turns what the AWS SDK throws into one line that says what went wrong and what to do next.
 * Nothing here ever echoes a secret: messages are built from names, masked key ids and file paths.
 */

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])

interface SdkError {
  name?: string
  code?: string
  message?: string
  $metadata?: {httpStatusCode?: number}
}

export interface ResolutionContext {
  profile: string
  /** The profile was asked for (`--profile`, AWS_PROFILE or AWS_DEFAULT_PROFILE), not the implicit `default`. */
  profileExplicit: boolean
  files: AwsFiles
  /** Credential variables of the environment every AWS tool ignores (ignoredCredentialVariables). */
  ignored?: string[]
}

/** A named profile that is in neither file: fail before the SDK wanders off to instance metadata. */
export function missingProfileError(context: ResolutionContext): KeylessError | undefined {
  const {profile, files} = context
  if (!context.profileExplicit) return undefined
  if (files.configProfiles[profile] || files.credentialProfiles[profile]) return undefined
  const known = [...new Set([...Object.keys(files.configProfiles), ...Object.keys(files.credentialProfiles)])].sort()
  return new KeylessError(
    `profile [${profile}] is not in ${files.configPath} or ${files.credentialsPath}`,
    known.length > 0 ? `use one of: ${known.join(', ')}` : 'run: keyless profiles sync (it writes a profile per account and role)',
  )
}

/**
 * A role-chaining profile (`role_arn` + `source_profile`) whose source profile, or one further down the chain,
 * is in neither file: name it, rather than the SDK's "could not load credentials".
 */
export function missingSourceProfileError(context: ResolutionContext): KeylessError | undefined {
  const {files} = context
  const section = (name: string) => {
    const config = files.configProfiles[name]
    const credentials = files.credentialProfiles[name]
    return config || credentials ? {...config, ...credentials} : undefined
  }
  const seen = new Set<string>()
  let name = context.profile
  for (let current = section(name); current?.role_arn && current.source_profile && !seen.has(name); current = section(name)) {
    seen.add(name)
    const source = current.source_profile
    if (!section(source)) {
      const known = [...new Set([...Object.keys(files.configProfiles), ...Object.keys(files.credentialProfiles)])].sort()
      return new KeylessError(
        `profile [${name}] takes its credentials from source_profile = ${source}, which is not in ${files.configPath} or ${files.credentialsPath}`,
        `set source_profile to one of: ${known.join(', ')} (or add [profile ${source}])`,
      )
    }
    name = source
  }
  return undefined
}

/** An error from the SDK credential provider chain. */
export function explainResolutionError(error: unknown, context: ResolutionContext): KeylessError {
  if (error instanceof KeylessError) return error
  const {profile, files} = context
  const message = firstLine((error as SdkError)?.message ?? String(error))
  const section = {...files.configProfiles[profile], ...files.credentialProfiles[profile]}
  const full = (error as SdkError)?.message ?? ''
  if (full.startsWith('Command failed:') || /credential_process/.test(full)) {
    // exec() errors read "Command failed: <command>\n<stderr>": the process's own last line says why.
    const said = lastLine(full.split('\n').slice(1).join('\n'))
    const cause = said ? said.replace(/^keyless:\s*/, '') : message
    return new KeylessError(
      `credential_process of profile [${profile}] failed: ${cause}`,
      said && /run: /.test(said) ? undefined : `run its command by hand to see why: ${section.credential_process ?? '(see the profile)'}`,
    )
  }
  if (/SSO session (token )?associated with (this )?profile|run 'aws sso login'|aws sso login/i.test(full)) {
    if (section.credential_process) {
      return new KeylessError(
        `the SSO session of profile [${profile}] has expired or is missing (its sso_* keys win over its credential_process in the AWS CLI and SDKs)`,
        `run: aws sso login --profile ${profile}, or remove the sso_* keys from [profile ${profile}]`,
      )
    }
    return new KeylessError(`the SSO session of profile [${profile}] has expired or is missing`, `run: aws sso login --profile ${profile}`)
  }
  if (/Could not load credentials from any providers/.test(full) || /Could not resolve credentials using profile/.test(full)) {
    const where = context.profileExplicit
      ? `profile [${profile}] has no usable credentials`
      : `no AWS_ACCESS_KEY_ID in the environment, no usable profile [${profile}] in ${files.configPath} or ${files.credentialsPath}`
    const ignored = context.ignored ?? []
    const fix = 'run: keyless login && keyless profiles sync, then export AWS_PROFILE=<profile> (or pass --profile)'
    if (ignored.length > 0) {
      // A half-unset key: say why the variables did not count, as no AWS tool does.
      return new KeylessError(
        `no AWS credentials found (${where}); ${ignored.join(' and ')} ${ignored.length > 1 ? 'are' : 'is'} set without ` +
          'AWS_ACCESS_KEY_ID, which every AWS tool ignores',
        `export AWS_ACCESS_KEY_ID with its secret, or unset ${ignored.join(' ')} and ${fix}`,
      )
    }
    return new KeylessError(`no AWS credentials found (${where})`, fix)
  }
  return new KeylessError(`could not load AWS credentials: ${message}`, 'check the profile with: keyless whoami --profile <name>')
}

export interface CallContext {
  maskedKey: string
  source: CredentialSource
  endpoint: string
}

/** An error from STS GetCallerIdentity. */
export function explainStsError(error: unknown, context: CallContext): KeylessError {
  const err = (error ?? {}) as SdkError
  const {maskedKey, source, endpoint} = context
  const from = `from ${source.detail}`
  switch (err.name) {
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'RequestExpired':
      return new KeylessError(`the temporary credentials ${maskedKey} (${from}) have expired`, renewFix(source))
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
      return new KeylessError(
        `AWS does not recognise access key ${maskedKey} (${from}): it was deleted, deactivated or mistyped`,
        source.kind === 'environment'
          ? 'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN, or export a valid key'
          : `fix or remove the key of ${source.detail}`,
      )
    case 'SignatureDoesNotMatch':
    case 'IncompleteSignature':
      return new KeylessError(
        `the secret access key paired with ${maskedKey} (${from}) is wrong: AWS rejected the request signature`,
        source.kind === 'environment'
          ? 'export the matching AWS_SECRET_ACCESS_KEY, or better, switch to short-lived credentials: run: keyless profiles sync'
          : `fix the secret of ${source.detail}, or better, switch to short-lived credentials: run: keyless profiles sync`,
      )
    default:
      break
  }
  if (err.name === 'ResponseTooLargeError') {
    return new KeylessError(
      `${endpoint} sent an answer too large (over 1 MB): not AWS STS (a proxy?)`,
      'check the network, proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL, then retry',
    )
  }
  const code = err.code ?? /\b(E[A-Z]{4,})\b/.exec(err.message ?? '')?.[1] ?? ''
  if (NETWORK_CODES.has(code) || err.name === 'TimeoutError' || err.name === 'RequestTimeout') {
    return new KeylessError(
      `cannot reach STS at ${endpoint} (${code || err.name})`,
      'check the network, proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL, then retry',
    )
  }
  const status = err.$metadata?.httpStatusCode
  return new KeylessError(
    `STS GetCallerIdentity failed: ${err.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}${serverDescription(err.message) ? `: ${serverDescription(err.message)}` : ''}`,
    `check the credentials ${from}, and AWS_ENDPOINT_URL if set`,
  )
}

/** An error of STS AssumeRoleWithWebIdentity (or of reaching it), for the environment's web identity. */
export function explainWebIdentityError(error: unknown, identity: {tokenFile: string; roleArn: string}): KeylessError {
  const err = (error ?? {}) as SdkError
  const what = `STS refused the web identity token in ${identity.tokenFile} for ${identity.roleArn}`
  const said = serverDescription(err.message)
  switch (err.name) {
    case 'ExpiredTokenException':
      return new KeylessError(`${what}: the token has expired`, 'get a fresh token from its issuer (on EKS the kubelet renews it in place)')
    case 'InvalidIdentityTokenException':
    case 'IDPRejectedClaimException':
      return new KeylessError(
        `${what}: ${said || err.name}`,
        "the role's account needs an IAM OIDC provider for the token's issuer, listing its audience",
      )
    case 'AccessDenied':
    case 'AccessDeniedException':
      return new KeylessError(
        `${what}: the role does not trust it`,
        "check the role's trust policy: its Federated principal and the aud and sub it allows",
      )
  }
  const code = err.code ?? /\b(E[A-Z]{4,})\b/.exec(err.message ?? '')?.[1] ?? ''
  if (NETWORK_CODES.has(code) || err.name === 'TimeoutError' || err.name === 'RequestTimeout') {
    return new KeylessError(
      `cannot reach STS to assume ${identity.roleArn} with the web identity token (${code || err.name})`,
      'check the network, proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL, then retry',
    )
  }
  const status = err.$metadata?.httpStatusCode
  return new KeylessError(
    `STS AssumeRoleWithWebIdentity failed for ${identity.roleArn}: ${err.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}${said ? `: ${said}` : ''}`,
    'check AWS_ROLE_ARN and the network, and AWS_ENDPOINT_URL if set',
  )
}

function renewFix(source: CredentialSource): string {
  switch (source.kind) {
    case 'environment':
      return 'export fresh credentials, or unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN and use a profile'
    case 'credential-process':
      return `run the credential_process of profile [${source.profile}] again (keyless refreshes its own: run: keyless login)`
    case 'sso':
      return `run: aws sso login --profile ${source.profile}`
    default:
      return `get fresh credentials for ${source.detail}`
  }
}

function firstLine(text: string): string {
  return printable(text.split('\n')[0] ?? '').trim()
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => printable(line).trim())
    .filter(Boolean)
  return lines.at(-1) ?? ''
}
