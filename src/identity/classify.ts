/**
 * Pure classification of what STS GetCallerIdentity returned and of the access key in use.
 * No I/O: everything here is table-tested in test/unit/identity-classify.test.ts.
 */

export type PrincipalKind = 'root' | 'iam-user' | 'sso-role' | 'assumed-role' | 'federated-user' | 'unknown'
export type KeyKind = 'long-term' | 'temporary' | 'unknown'

export interface Principal {
  kind: PrincipalKind
  /** The account id the ARN names (empty when the ARN is not recognised). */
  account: string
  /** User name, role name (for sso-role the permission set name), or federated user name. */
  name?: string
  /** The role session name of an assumed role (for SSO: the Identity Center user name). */
  sessionName?: string
}

// arn:PARTITION:SERVICE::ACCOUNT:RESOURCE (partitions: aws, aws-cn, aws-us-gov, aws-iso, ...).
const ARN = /^arn:[a-z][a-z0-9-]*:(iam|sts)::(\d{12}):(.+)$/
// Identity Center roles are named AWSReservedSSO_<permission set>_<16 hex>.
const SSO_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/

/** What kind of principal an ARN from GetCallerIdentity names. */
export function classifyArn(arn: string): Principal {
  const match = ARN.exec(arn)
  if (!match) return {kind: 'unknown', account: ''}
  const [, service, account = '', resource = ''] = match
  if (service === 'iam' && resource === 'root') return {kind: 'root', account}
  if (service === 'iam' && resource.startsWith('user/')) {
    return {kind: 'iam-user', account, name: resource.slice(resource.lastIndexOf('/') + 1)}
  }
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const [, role = '', ...session] = resource.split('/')
    const sessionName = session.join('/') || undefined
    const sso = SSO_ROLE.exec(role)
    if (sso) return {kind: 'sso-role', account, name: sso[1], sessionName}
    return {kind: 'assumed-role', account, name: role, sessionName}
  }
  if (service === 'sts' && resource.startsWith('federated-user/')) {
    return {kind: 'federated-user', account, name: resource.slice('federated-user/'.length)}
  }
  return {kind: 'unknown', account}
}

/**
 * `AKIA` keys are an IAM user's (or the root's) long-term keys; `ASIA` keys come from STS and expire.
 * A key with another prefix counts as temporary when it arrived with a session token.
 */
export function classifyKey(accessKeyId: string, hasSessionToken: boolean): KeyKind {
  if (accessKeyId.startsWith('AKIA')) return 'long-term'
  if (accessKeyId.startsWith('ASIA')) return 'temporary'
  return hasSessionToken ? 'temporary' : 'unknown'
}

/** `AKIAEMULATORROOT0001` -> `AKIA************0001`: enough to recognise a key, not enough to use it. */
export function maskAccessKeyId(accessKeyId: string): string {
  if (accessKeyId.length <= 8) return '*'.repeat(accessKeyId.length)
  return accessKeyId.slice(0, 4) + '*'.repeat(accessKeyId.length - 8) + accessKeyId.slice(-4)
}

/** `3h 05m`, `42m`, `expired`: the time left until `expiresAt`, for people. */
export function formatTimeLeft(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime()
  if (ms <= 0) return 'expired'
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 1) return 'under a minute'
  const hours = Math.floor(minutes / 60)
  if (hours === 0) return `${minutes}m`
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`
}
