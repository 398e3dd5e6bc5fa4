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
import {createHash} from 'node:crypto'

import type {ApiRequest, ApiResponse} from './http.js'
import type {EmulatorState, IssuedCredentials} from './state.js'
import {authenticate, stsError} from './sts.js'
import {constraint, issueRoleSession, readRoleRequest, stsResult, validation} from './sts-role-session.js'

export const AUDITOR_EXTERNAL_ID = 'keyless-external-id'
/** AWS: "role chaining limits your session to a maximum of one hour". */
const CHAINED_MAX_SECONDS = 3600

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
  const externalId = params.get('ExternalId')
  const role = readRoleRequest(params, () =>
    externalId !== null && (externalId.length < 2 || externalId.length > 1224 || !/^[\w+=,.@:/-]*$/.test(externalId))
      ? constraint(externalId, 'externalId', 'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*')
      : undefined,
  )
  if ('status' in role) return role
  const {roleArn, account, roleName} = role
  const exists = state.config.fixture.accounts.some((a) => a.accountId === account) && (roleName === 'Deployer' || roleName === 'Auditor')
  if (!exists || !trusts(state, caller, roleName, externalId)) {
    return stsError(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`)
  }
  // The caller's credentials are temporary (an SSO role or an assumed role): this is role chaining.
  if (caller.sessionToken !== undefined && role.durationSeconds > CHAINED_MAX_SECONDS) {
    return validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.')
  }
  const roleId = `AROA${hex(`role:${account}:${roleName}`, 17).toUpperCase()}`
  return stsResult('AssumeRole', issueRoleSession(state, role, roleId).xml)
}
