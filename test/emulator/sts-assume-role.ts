/**
 * STS AssumeRole over awsQuery, as AWS answers it: the caller SigV4-checked like GetCallerIdentity, the request
 * validated with AWS's ValidationError wording, the target role's trust decided by a small fixed model, and the
 * one-hour cap of role chaining (credentials of an assumed role, SSO roles included, assuming another role).
 *
 * The roles (in every account of the fixture):
 *   Deployer  trusts the SSO roles AdministratorAccess and PowerUserAccess, and Deployer sessions (a further hop).
 *   Auditor   trusts any SSO role of the fixture's accounts, with the ExternalId `keyless-external-id`.
 * Anything else (another role, an IAM user's key, ReadOnlyAccess into Deployer) is AccessDenied, the error AWS
 * gives for a role that does not exist as well as for one whose trust policy says no. (Not in /_emulator/stats:
 * the operation counters stay those of PRODUCT.md section 8.)
 */
import {createHash, randomBytes, randomUUID} from 'node:crypto'

import type {ApiRequest, ApiResponse} from './http.js'
import type {EmulatorState, IssuedCredentials} from './state.js'
import {xmlResponse} from './aws-query.js'
import {authenticate, NAMESPACE, stsError} from './sts.js'

export const AUDITOR_EXTERNAL_ID = 'keyless-external-id'
const DEFAULT_DURATION_SECONDS = 3600
/** AWS: "role chaining limits your session to a maximum of one hour". */
const CHAINED_MAX_SECONDS = 3600

const validation = (message: string) => stsError(400, 'ValidationError', message)
const constraint = (value: string, member: string, rule: string) =>
  validation(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`)

function hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length)
}

/** Whether `caller` may assume `roleName` in `account` (the trust policies of the model above). */
function trusts(state: EmulatorState, caller: IssuedCredentials, roleName: string, externalId: string | null): boolean {
  const sso = /:assumed-role\/AWSReservedSSO_([\w+=,.@-]+)_[0-9a-f]{16}\//.exec(caller.arn)?.[1]
  const known = state.config.fixture.accounts.some((a) => a.accountId === caller.account)
  if (!known) return false
  if (roleName === 'Deployer')
    return sso === 'AdministratorAccess' || sso === 'PowerUserAccess' || /:assumed-role\/Deployer\//.test(caller.arn)
  if (roleName === 'Auditor') return sso !== undefined && externalId === AUDITOR_EXTERNAL_ID
  return false
}

export async function handleAssumeRole(state: EmulatorState, request: ApiRequest, params: URLSearchParams): Promise<ApiResponse> {
  // Every AssumeRole request received, whatever the answer (as the other operations are counted).
  state.count('AssumeRole')
  if (params.get('Version') !== '2011-06-15') {
    return stsError(400, 'InvalidAction', `Could not find operation AssumeRole for version ${params.get('Version') ?? '(none)'}`)
  }
  const caller = await authenticate(state, request)
  if ('status' in caller) return caller
  const roleArn = params.get('RoleArn')
  const sessionName = params.get('RoleSessionName')
  if (roleArn === null)
    return validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
  if (sessionName === null) {
    return validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
  }
  if (sessionName.length < 2) return constraint(sessionName, 'roleSessionName', 'Member must have length greater than or equal to 2')
  if (sessionName.length > 64) return constraint(sessionName, 'roleSessionName', 'Member must have length less than or equal to 64')
  if (!/^[\w+=,.@-]*$/.test(sessionName)) {
    return constraint(sessionName, 'roleSessionName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*')
  }
  const externalId = params.get('ExternalId')
  if (externalId !== null && (externalId.length < 2 || externalId.length > 1224 || !/^[\w+=,.@:/-]*$/.test(externalId))) {
    return constraint(externalId, 'externalId', 'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*')
  }
  const durationParam = params.get('DurationSeconds')
  const duration = durationParam === null ? DEFAULT_DURATION_SECONDS : Number(durationParam)
  if (!Number.isInteger(duration) || duration < 900) {
    return constraint(String(durationParam), 'durationSeconds', 'Member must have value greater than or equal to 900')
  }
  if (duration > 43200) return constraint(String(durationParam), 'durationSeconds', 'Member must have value less than or equal to 43200')
  const arn = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(roleArn)
  if (!arn) return validation(`${roleArn} is invalid`)
  const [, account, roleName] = arn as unknown as [string, string, string]
  const exists = state.config.fixture.accounts.some((a) => a.accountId === account) && (roleName === 'Deployer' || roleName === 'Auditor')
  if (!exists || !trusts(state, caller, roleName, externalId)) {
    return stsError(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`)
  }
  // The caller's credentials are temporary (an SSO role or an assumed role): this is role chaining.
  if (caller.sessionToken !== undefined && duration > CHAINED_MAX_SECONDS) {
    return validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.')
  }
  const roleId = `AROA${hex(`role:${account}:${roleName}`, 17).toUpperCase()}`
  const credentials: IssuedCredentials = {
    accessKeyId: `ASIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `FwoGZXIvYXdzE${randomBytes(300).toString('base64url')}`,
    expiresAtMs: state.nowMs() + duration * 1000,
    account,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    userId: `${roleId}:${sessionName}`,
  }
  state.learned(credentials.secretAccessKey)
  state.learned(credentials.sessionToken!)
  state.credentials.set(credentials.accessKeyId, credentials)
  const requestId = randomUUID()
  return xmlResponse(
    200,
    {
      AssumeRoleResponse: {
        '@_xmlns': NAMESPACE,
        AssumeRoleResult: {
          Credentials: {
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            SessionToken: credentials.sessionToken,
            Expiration: new Date(credentials.expiresAtMs!).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
          AssumedRoleUser: {AssumedRoleId: credentials.userId, Arn: credentials.arn},
        },
        ResponseMetadata: {RequestId: requestId},
      },
    },
    requestId,
  )
}
