import type {AwsFiles} from './aws-files.js'
import {classifyArn, classifyKey, maskAccessKeyId, type KeyKind, type PrincipalKind} from './classify.js'
import type {CredentialSource, SourceKind} from './source.js'
import type {TerraformIdentity} from './terraform-identity.js'
import {warningsFor, type Warning} from './warnings.js'

/** What `keyless whoami --json` prints (PRODUCT.md section 4); these field names are the contract. */
export interface Identity {
  account: string
  arn: string
  userId: string
  principalKind: PrincipalKind
  keyKind: KeyKind
  /** Masked: `AKIA************0001`. The full key id, the secret and the session token are never shown. */
  accessKeyId: string
  /** `environment`, `credentials-file`, `config-file`, `credential-process`, `sso`, `assume-role`, ... */
  source: SourceKind
  /** The same for people, naming the file, profile or variables. */
  sourceDetail: string
  /** The profile the credentials came from; null for environment variables and other non-profile sources. */
  profile: string | null
  /** Temporary credentials only: when they expire (ISO 8601, UTC), or null when the source did not say. */
  expiresAt?: string | null
  /** Role, user or permission set name, and the role session name, when the ARN has them. */
  principalName?: string
  sessionName?: string
  warnings: Warning[]
  /**
   * Where Terraform (the AWS SDK for Go) would take other credentials than these (the warnings say which): what it
   * takes and that account, which `--expect-account` checks too.
   */
  terraform?: TerraformIdentity
}

export interface CallerIdentity {
  Account?: string
  Arn?: string
  UserId?: string
}

export interface IdentityInput {
  caller: CallerIdentity
  accessKeyId: string
  hasSessionToken: boolean
  expiration?: Date
  source: CredentialSource
  profile: string
  profileFromFlag: boolean
  files: AwsFiles
  env: NodeJS.ProcessEnv
}

/** Puts together the GetCallerIdentity answer, the credentials' shape and their source. Pure. */
export function buildIdentity(input: IdentityInput): Identity {
  const arn = input.caller.Arn ?? ''
  const principal = classifyArn(arn)
  const keyKind = classifyKey(input.accessKeyId, input.hasSessionToken)
  const masked = maskAccessKeyId(input.accessKeyId)
  const identity: Identity = {
    account: input.caller.Account ?? principal.account,
    arn,
    userId: input.caller.UserId ?? '',
    principalKind: principal.kind,
    keyKind,
    accessKeyId: masked,
    source: input.source.kind,
    sourceDetail: input.source.detail,
    profile: input.source.profile ?? null,
    ...(keyKind === 'temporary' ? {expiresAt: input.expiration ? input.expiration.toISOString() : null} : {}),
    ...(principal.name ? {principalName: principal.name} : {}),
    ...(principal.sessionName ? {sessionName: principal.sessionName} : {}),
    warnings: [],
  }
  identity.warnings = warningsFor({
    principal,
    keyKind,
    maskedKey: masked,
    source: input.source,
    profile: input.profile,
    profileFromFlag: input.profileFromFlag,
    files: input.files,
    env: input.env,
  })
  return identity
}
