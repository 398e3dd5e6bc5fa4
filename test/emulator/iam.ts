/**
 * IAM over its query protocol, as `keyless ci oidc --apply` and `keyless ci check` (and the AWS CLI) call it: a
 * form-encoded `POST /` with `Action=...&Version=2010-05-08`, SigV4 checked like STS, XML answers wrapped in
 * `<ActionResponse><ActionResult>`, lists as `<member>` elements, policy documents URL-encoded, and IAM's errors
 * (`<ErrorResponse><Error><Type/><Code/><Message/></Error>`: NoSuchEntity 404, EntityAlreadyExists 409,
 * MalformedPolicyDocument 400, ValidationError 400, AccessDenied 403) as botocore's iam model has them.
 *
 * Accounts start with no roles and no OIDC provider; IAM users come from the fixture's static identities
 * (`arn:aws:iam::ACCT:user/NAME`), each with one managed and one inline policy, so `--copy-user-policies` has
 * something to copy. SSO roles named ReadOnlyAccess may read but not write, as the AWS managed policy allows.
 */
import {createHash} from 'node:crypto'

import {queryError, queryResult} from './aws-query.js'
import {type ApiRequest, type ApiResponse, header} from './http.js'
import type {EmulatorState, Principal} from './state.js'
import {authenticate} from './sts.js'

const NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/'
export const IAM_VERSION = '2010-05-08'

interface Role {
  RoleName: string
  RoleId: string
  Arn: string
  Path: string
  CreateDate: string
  AssumeRolePolicyDocument: string
  Description?: string
  MaxSessionDuration: number
  attached: string[]
  inline: Map<string, string>
}

interface Provider {
  Arn: string
  Url: string
  ClientIDList: string[]
  ThumbprintList: string[]
  CreateDate: string
}

interface User {
  UserName: string
  accessKeyIds: string[]
  attached: string[]
  inline: Map<string, string>
}

interface Account {
  roles: Map<string, Role>
  providers: Map<string, Provider>
  users: Map<string, User>
}

/** The IAM calls the emulator answered, in order (for tests: "the second run creates nothing"). */
export interface IamCall {
  action: string
  account: string
  status: number
}

const stores = new WeakMap<EmulatorState, {accounts: Map<string, Account>; calls: IamCall[]}>()

function store(state: EmulatorState) {
  let s = stores.get(state)
  if (!s) {
    s = {accounts: new Map(), calls: []}
    stores.set(state, s)
  }
  return s
}

/** What IAM was asked, in order. */
export function iamCalls(state: EmulatorState): IamCall[] {
  return store(state).calls
}

/** Forgets every role, provider and call (with POST /_emulator/reset's state or a test's own). */
export function resetIam(state: EmulatorState): void {
  stores.delete(state)
}

function account(state: EmulatorState, id: string): Account {
  const s = store(state)
  let a = s.accounts.get(id)
  if (!a) {
    a = {roles: new Map(), providers: new Map(), users: new Map()}
    for (const identity of state.config.fixture.staticIdentities) {
      const m = /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(identity.arn)
      if (!m || m[1] !== id) continue
      const user = a.users.get(m[2]!) ?? {
        UserName: m[2]!,
        accessKeyIds: [],
        attached: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'],
        inline: new Map([
          [
            'deploy-site',
            JSON.stringify({Version: '2012-10-17', Statement: [{Effect: 'Allow', Action: 'cloudfront:CreateInvalidation', Resource: '*'}]}),
          ],
        ]),
      }
      user.accessKeyIds.push(identity.accessKeyId)
      a.users.set(user.UserName, user)
    }
    s.accounts.set(id, a)
  }
  return a
}

/** The role `name` of `account`, as IAM holds it (for STS's AssumeRoleWithWebIdentity). */
export function iamRole(state: EmulatorState, accountId: string, name: string): Readonly<Role> | undefined {
  return account(state, accountId).roles.get(name)
}

/** The account's IAM OIDC provider for the token issuer `issuer` (`https://HOST[/PATH]`), as STS looks it up. */
export function iamOidcProvider(state: EmulatorState, accountId: string, issuer: string): Readonly<Provider> | undefined {
  const host = issuer.replace(/^https:\/\//, '').replace(/\/$/, '')
  if (!issuer.startsWith('https://')) return undefined
  return account(state, accountId).providers.get(`arn:aws:iam::${accountId}:oidc-provider/${host}`)
}

export function iamError(status: number, code: string, message: string): ApiResponse {
  return queryError(NAMESPACE, status, code, message)
}

function ok(action: string, result: Record<string, unknown> | undefined): ApiResponse {
  return queryResult(NAMESPACE, action, result)
}

/** `Name.member.1`, `Name.member.2`... */
function members(params: URLSearchParams, name: string): string[] {
  const out: string[] = []
  for (let n = 1; params.has(`${name}.member.${n}`); n++) out.push(params.get(`${name}.member.${n}`)!)
  return out
}

function roleXml(role: Role): Record<string, unknown> {
  return {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: role.CreateDate,
    // IAM returns policy documents URL-encoded (RFC 3986).
    AssumeRolePolicyDocument: encodeURIComponent(role.AssumeRolePolicyDocument),
    ...(role.Description ? {Description: role.Description} : {}),
    MaxSessionDuration: role.MaxSessionDuration,
  }
}

const WRITES = new Set([
  'CreateOpenIDConnectProvider',
  'CreateRole',
  'AttachRolePolicy',
  'PutRolePolicy',
  'UpdateAssumeRolePolicy',
  'DeleteRole',
])
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/

/** True for a request meant for IAM: its SigV4 scope names `iam`, or it asks for IAM's API version. */
export function isIamRequest(request: ApiRequest): boolean {
  if (request.method !== 'POST' || request.path !== '/') return false
  if (/Credential=[^/]+\/\d{8}\/[^/]+\/iam\/aws4_request/.test(header(request, 'authorization') ?? '')) return true
  return new URLSearchParams(request.body.toString('utf8')).get('Version') === IAM_VERSION
}

export async function handleIam(state: EmulatorState, request: ApiRequest): Promise<ApiResponse> {
  const params = new URLSearchParams(request.body.toString('utf8'))
  const action = params.get('Action') ?? ''
  const caller = await authenticate(state, request)
  if ('status' in caller) return caller
  const response = answer(state, caller, action, params)
  store(state).calls.push({action, account: caller.account, status: response.status})
  return response
}

function answer(state: EmulatorState, caller: Principal, action: string, params: URLSearchParams): ApiResponse {
  if (params.get('Version') !== IAM_VERSION)
    return iamError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? '(none)'}`)
  const acct = account(state, caller.account)
  const now = new Date(state.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const roleName = params.get('RoleName') ?? ''
  if (WRITES.has(action) && /AWSReservedSSO_ReadOnlyAccess_/.test(caller.arn)) {
    const resource = roleName ? `arn:aws:iam::${caller.account}:role/${roleName}` : `arn:aws:iam::${caller.account}:oidc-provider/*`
    return iamError(
      403,
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: iam:${action} on resource: ${resource} because no identity-based policy allows the iam:${action} action`,
    )
  }
  const noRole = () => iamError(404, 'NoSuchEntity', `The role with name ${roleName} cannot be found.`)
  switch (action) {
    case 'ListOpenIDConnectProviders':
      return ok(action, {OpenIDConnectProviderList: {member: [...acct.providers.values()].map((p) => ({Arn: p.Arn}))}})
    case 'GetOpenIDConnectProvider': {
      const p = acct.providers.get(params.get('OpenIDConnectProviderArn') ?? '')
      if (!p)
        return iamError(404, 'NoSuchEntity', `OpenIDConnect Provider not found for arn ${params.get('OpenIDConnectProviderArn') ?? ''}`)
      return ok(action, {
        Url: p.Url.replace(/^https:\/\//, ''),
        ClientIDList: {member: p.ClientIDList},
        ThumbprintList: {member: p.ThumbprintList},
        CreateDate: p.CreateDate,
      })
    }
    case 'CreateOpenIDConnectProvider': {
      const url = params.get('Url') ?? ''
      if (!/^https:\/\/[^/\s]+/.test(url))
        return iamError(
          400,
          'ValidationError',
          `1 validation error detected: Value '${url}' at 'url' failed to satisfy constraint: url must be https`,
        )
      const host = url.replace(/^https:\/\//, '').replace(/\/$/, '')
      const arn = `arn:aws:iam::${caller.account}:oidc-provider/${host}`
      if (acct.providers.has(arn)) return iamError(409, 'EntityAlreadyExists', `Provider with url ${url} already exists.`)
      acct.providers.set(arn, {
        Arn: arn,
        Url: url,
        ClientIDList: members(params, 'ClientIDList'),
        ThumbprintList: members(params, 'ThumbprintList'),
        CreateDate: now,
      })
      return ok(action, {OpenIDConnectProviderArn: arn})
    }
    case 'GetRole': {
      const role = acct.roles.get(roleName)
      return role ? ok(action, {Role: roleXml(role)}) : noRole()
    }
    case 'ListRoles': {
      const all = [...acct.roles.values()].sort((a, b) => a.RoleName.localeCompare(b.RoleName))
      const start = Number(params.get('Marker') ?? 0) || 0
      const max = Math.min(1000, Number(params.get('MaxItems') ?? 100) || 100)
      const page = all.slice(start, start + max)
      const truncated = start + max < all.length
      return ok(action, {Roles: {member: page.map(roleXml)}, IsTruncated: truncated, ...(truncated ? {Marker: String(start + max)} : {})})
    }
    case 'CreateRole': {
      if (!ROLE_NAME.test(roleName))
        return iamError(
          400,
          'ValidationError',
          `1 validation error detected: Value '${roleName}' at 'roleName' failed to satisfy constraint`,
        )
      const document = params.get('AssumeRolePolicyDocument') ?? ''
      try {
        JSON.parse(document)
      } catch {
        return iamError(400, 'MalformedPolicyDocument', 'This policy contains invalid Json')
      }
      const max = Number(params.get('MaxSessionDuration') ?? 3600)
      if (!(max >= 3600 && max <= 43200))
        return iamError(
          400,
          'ValidationError',
          `1 validation error detected: Value '${max}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200`,
        )
      if (acct.roles.has(roleName)) return iamError(409, 'EntityAlreadyExists', `Role with name ${roleName} already exists.`)
      const path = params.get('Path') ?? '/'
      const role: Role = {
        RoleName: roleName,
        RoleId:
          'AROA' +
          createHash('sha256')
            .update(caller.account + roleName)
            .digest('hex')
            .slice(0, 17)
            .toUpperCase(),
        Arn: `arn:aws:iam::${caller.account}:role${path}${roleName}`,
        Path: path,
        CreateDate: now,
        AssumeRolePolicyDocument: document,
        Description: params.get('Description') ?? undefined,
        MaxSessionDuration: max,
        attached: [],
        inline: new Map(),
      }
      acct.roles.set(roleName, role)
      return ok(action, {Role: roleXml(role)})
    }
    case 'UpdateAssumeRolePolicy': {
      const role = acct.roles.get(roleName)
      if (!role) return noRole()
      role.AssumeRolePolicyDocument = params.get('PolicyDocument') ?? ''
      return ok(action, undefined)
    }
    case 'AttachRolePolicy': {
      const role = acct.roles.get(roleName)
      if (!role) return noRole()
      const arn = params.get('PolicyArn') ?? ''
      if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(arn))
        return iamError(404, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`)
      if (!role.attached.includes(arn)) role.attached.push(arn)
      return ok(action, undefined)
    }
    case 'ListAttachedRolePolicies': {
      const role = acct.roles.get(roleName)
      if (!role) return noRole()
      return ok(action, {AttachedPolicies: {member: role.attached.map(policyEntry)}, IsTruncated: false})
    }
    case 'PutRolePolicy': {
      const role = acct.roles.get(roleName)
      if (!role) return noRole()
      role.inline.set(params.get('PolicyName') ?? '', params.get('PolicyDocument') ?? '')
      return ok(action, undefined)
    }
    case 'ListRolePolicies': {
      const role = acct.roles.get(roleName)
      if (!role) return noRole()
      return ok(action, {PolicyNames: {member: [...role.inline.keys()]}, IsTruncated: false})
    }
    case 'GetAccessKeyLastUsed': {
      const id = params.get('AccessKeyId') ?? ''
      const user = [...acct.users.values()].find((u) => u.accessKeyIds.includes(id))
      // IAM answers for a key of another account, or none, with AccessDenied (nothing tells whether it exists).
      if (!user)
        return iamError(
          403,
          'AccessDenied',
          `User: ${caller.arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${id}`,
        )
      return ok(action, {UserName: user.UserName, AccessKeyLastUsed: {Region: 'us-east-1', ServiceName: 's3', LastUsedDate: now}})
    }
    case 'ListAttachedUserPolicies': {
      const user = acct.users.get(params.get('UserName') ?? '')
      if (!user) return iamError(404, 'NoSuchEntity', `The user with name ${params.get('UserName') ?? ''} cannot be found.`)
      return ok(action, {AttachedPolicies: {member: user.attached.map(policyEntry)}, IsTruncated: false})
    }
    case 'ListUserPolicies': {
      const user = acct.users.get(params.get('UserName') ?? '')
      if (!user) return iamError(404, 'NoSuchEntity', `The user with name ${params.get('UserName') ?? ''} cannot be found.`)
      return ok(action, {PolicyNames: {member: [...user.inline.keys()]}, IsTruncated: false})
    }
    case 'GetUserPolicy': {
      const user = acct.users.get(params.get('UserName') ?? '')
      const name = params.get('PolicyName') ?? ''
      const document = user?.inline.get(name)
      if (!user || document === undefined) return iamError(404, 'NoSuchEntity', `The user policy with name ${name} cannot be found.`)
      return ok(action, {UserName: user.UserName, PolicyName: name, PolicyDocument: encodeURIComponent(document)})
    }
    default:
      return iamError(400, 'InvalidAction', `Could not find operation ${action} for version ${IAM_VERSION}`)
  }
}

function policyEntry(arn: string): Record<string, string> {
  return {PolicyName: arn.slice(arn.lastIndexOf('/') + 1), PolicyArn: arn}
}
