/**
 * What STS's AssumeRole and AssumeRoleWithWebIdentity share: the checks of RoleArn, RoleSessionName and
 * DurationSeconds (AWS's ValidationError wording, in AWS's order), and the role session they issue.
 */
import {randomBytes, randomUUID} from 'node:crypto'

import type {ApiResponse} from './http.js'
import {xmlResponse} from './aws-query.js'
import type {EmulatorState, IssuedCredentials} from './state.js'
import {NAMESPACE, stsError} from './sts.js'

const DEFAULT_DURATION_SECONDS = 3600

export const validation = (message: string) => stsError(400, 'ValidationError', message)
export const notNull = (member: string) =>
  validation(`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`)
export const constraint = (value: string, member: string, rule: string) =>
  validation(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`)

export interface RoleRequest {
  roleArn: string
  account: string
  roleName: string
  sessionName: string
  durationSeconds: number
}

/** The request's role, session name and duration, or AWS's answer to what is missing or malformed in them. */
export function readRoleRequest(
  params: URLSearchParams,
  extraChecks: () => ApiResponse | undefined = () => undefined,
): RoleRequest | ApiResponse {
  const roleArn = params.get('RoleArn')
  const sessionName = params.get('RoleSessionName')
  if (roleArn === null) return notNull('roleArn')
  if (sessionName === null) return notNull('roleSessionName')
  if (sessionName.length < 2) return constraint(sessionName, 'roleSessionName', 'Member must have length greater than or equal to 2')
  if (sessionName.length > 64) return constraint(sessionName, 'roleSessionName', 'Member must have length less than or equal to 64')
  if (!/^[\w+=,.@-]*$/.test(sessionName)) {
    return constraint(sessionName, 'roleSessionName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*')
  }
  // The operation's own parameters (AssumeRole's ExternalId, the web identity's token) are checked here, in AWS's order.
  const extra = extraChecks()
  if (extra) return extra
  const durationParam = params.get('DurationSeconds')
  const durationSeconds = durationParam === null ? DEFAULT_DURATION_SECONDS : Number(durationParam)
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900) {
    return constraint(String(durationParam), 'durationSeconds', 'Member must have value greater than or equal to 900')
  }
  if (durationSeconds > 43200) {
    return constraint(String(durationParam), 'durationSeconds', 'Member must have value less than or equal to 43200')
  }
  const arn = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(roleArn)
  if (!arn) return validation(`${roleArn} is invalid`)
  return {roleArn, account: arn[1]!, roleName: arn[2]!, sessionName, durationSeconds}
}

/**
 * A new role session (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`, its user id `ROLEID:SESSION`), known to STS
 * from now on, its secrets listed among the issued ones; and the `<Credentials>` and `<AssumedRoleUser>` of the answer.
 */
export function issueRoleSession(
  state: EmulatorState,
  request: RoleRequest,
  roleId: string,
): {credentials: IssuedCredentials; xml: {Credentials: Record<string, string>; AssumedRoleUser: Record<string, string>}} {
  const {account, roleName, sessionName, durationSeconds} = request
  const credentials: IssuedCredentials = {
    accessKeyId: `ASIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `FwoGZXIvYXdzE${randomBytes(300).toString('base64url')}`,
    expiresAtMs: state.nowMs() + durationSeconds * 1000,
    account,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    userId: `${roleId}:${sessionName}`,
  }
  state.learned(credentials.secretAccessKey)
  state.learned(credentials.sessionToken!)
  state.credentials.set(credentials.accessKeyId, credentials)
  return {
    credentials,
    xml: {
      Credentials: {
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        SessionToken: credentials.sessionToken!,
        Expiration: new Date(credentials.expiresAtMs!).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      AssumedRoleUser: {AssumedRoleId: credentials.userId, Arn: credentials.arn},
    },
  }
}

/** `<ActionResponse xmlns=STS><ActionResult>result</ActionResult><ResponseMetadata/></ActionResponse>`, 200. */
export function stsResult(action: string, result: Record<string, unknown>): ApiResponse {
  const requestId = randomUUID()
  return xmlResponse(
    200,
    {[`${action}Response`]: {'@_xmlns': NAMESPACE, [`${action}Result`]: result, ResponseMetadata: {RequestId: requestId}}},
    requestId,
  )
}
