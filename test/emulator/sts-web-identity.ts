/**
 * STS AssumeRoleWithWebIdentity, as AWS answers it: an unsigned awsQuery call (the token is the caller's proof), the
 * token checked against the IAM OIDC provider of the role's account (its URL is the token's `iss`, its client ids
 * the accepted `aud`), the role's trust policy evaluated with the token's claims, and AWS's errors:
 *   ValidationError 400        a missing or malformed parameter (AWS's "1 validation error detected" wording)
 *   InvalidIdentityToken 400   not a JWT; no provider for its issuer; an audience the provider does not list; a
 *                              signature the identity provider did not make
 *   ExpiredTokenException 400  the token's `exp` has passed (on the emulator's clock)
 *   AccessDenied 403           no such role, or its trust policy does not allow this token
 * The emulator is the identity provider of every issuer: `POST /_emulator/web-identity-token` mints a token (as an
 * EKS pod's projected service-account token or a GitHub Actions job's token), signed with a key only this emulator
 * holds, so a token made anywhere else fails as a forged one does at AWS. Roles and providers are IAM's (iam.ts):
 * created with CreateOpenIDConnectProvider and CreateRole, as `keyless ci oidc --apply` and an EKS cluster's owner do.
 */
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'

import type {ApiRequest, ApiResponse} from './http.js'
import {iamOidcProvider, iamRole} from './iam.js'
import type {EmulatorState} from './state.js'
import {stsError} from './sts.js'
import {constraint, issueRoleSession, notNull, readRoleRequest, stsResult, validation} from './sts-role-session.js'

/** The key the emulator signs its identity tokens with (one per emulator state, never sent anywhere). */
const signingKeys = new WeakMap<EmulatorState, Buffer>()
function signingKey(state: EmulatorState): Buffer {
  let key = signingKeys.get(state)
  if (!key) signingKeys.set(state, (key = randomBytes(32)))
  return key
}

export interface WebIdentityTokenRequest {
  /** `https://...`: the `iss` claim, which STS matches against the account's IAM OIDC providers. */
  issuer: string
  subject: string
  audience: string
  /** Seconds from now (emulator clock) until `exp`; negative for a token that has already expired. */
  expiresInSeconds: number
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A signed JWT (HS256) with `iss`, `sub`, `aud`, `iat` and `exp`, listed among the issued secrets. */
export function mintWebIdentityToken(state: EmulatorState, request: WebIdentityTokenRequest): string {
  const now = state.nowSeconds()
  const payload = {iss: request.issuer, sub: request.subject, aud: request.audience, iat: now, exp: now + request.expiresInSeconds}
  const unsigned = `${b64({alg: 'HS256', typ: 'JWT', kid: 'emulator'})}.${b64(payload)}`
  const token = `${unsigned}.${createHmac('sha256', signingKey(state)).update(unsigned).digest('base64url')}`
  state.learned(token)
  return token
}

interface Claims {
  iss: string
  sub: string
  aud: string
  exp: number
}

/** The token's claims when it is a JWT with the claims STS needs; whether this emulator signed it. */
function readToken(state: EmulatorState, token: string): {claims: Claims; signed: boolean} | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  let claims: Partial<Claims>
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Partial<Claims>
  } catch {
    return undefined
  }
  if (typeof claims !== 'object' || claims === null) return undefined
  if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || typeof claims.aud !== 'string') return undefined
  if (typeof claims.exp !== 'number') return undefined
  const expected = createHmac('sha256', signingKey(state)).update(`${parts[0]}.${parts[1]}`).digest()
  const given = Buffer.from(parts[2]!, 'base64url')
  return {claims: claims as Claims, signed: given.length === expected.length && timingSafeEqual(given, expected)}
}

type Values = string | string[]

/** IAM's StringLike: `*` any run of characters, `?` one; case-sensitive. */
function like(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${source}$`, 's').test(value)
}

/**
 * One condition operator over the request's keys, as IAM evaluates it for single-valued keys: the positive operators
 * match when the key is present and any listed value matches; the negated ones when no listed value does (a missing
 * key included). `...IfExists` matches a missing key. An operator IAM has and this model does not is no match.
 */
function conditionHolds(operator: string, block: Record<string, Values>, keys: Record<string, string>): boolean {
  const base = operator.replace(/^For(?:Any|All)Value:/, '')
  const ifExists = base.endsWith('IfExists')
  const name = ifExists ? base.slice(0, -'IfExists'.length) : base
  const test = {
    StringEquals: (p: string, v: string) => p === v,
    StringLike: like,
    StringNotEquals: (p: string, v: string) => p === v,
    StringNotLike: like,
  }[name]
  if (!test) return false
  const negated = name.startsWith('StringNot')
  return Object.entries(block).every(([key, wanted]) => {
    const value = keys[key.toLowerCase()]
    if (value === undefined) return negated || ifExists
    const any = (Array.isArray(wanted) ? wanted : [wanted]).some((pattern) => test(String(pattern), value))
    return negated ? !any : any
  })
}

const listed = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value])

/**
 * Whether the role's trust policy lets this token in: a Deny statement that matches refuses; else an Allow that
 * matches admits. A statement matches when its Principal names the provider (`Federated`), its Action covers
 * sts:AssumeRoleWithWebIdentity and every condition holds, over the keys `HOST:aud` and `HOST:sub`.
 */
function trustAllows(document: string, providerArn: string, host: string, claims: Claims): boolean {
  let policy: {Statement?: unknown}
  try {
    policy = JSON.parse(document) as {Statement?: unknown}
  } catch {
    return false
  }
  const keys = {[`${host}:aud`.toLowerCase()]: claims.aud, [`${host}:sub`.toLowerCase()]: claims.sub}
  const matches = (statement: Record<string, unknown>): boolean => {
    const principal = statement.Principal as Record<string, unknown> | string | undefined
    const federated = typeof principal === 'object' && principal !== null ? listed(principal.Federated) : []
    if (!federated.includes(providerArn)) return false
    const actions = listed(statement.Action)
    if (!actions.some((a) => a === 'sts:AssumeRoleWithWebIdentity' || a === 'sts:*' || a === '*')) return false
    const condition = (statement.Condition ?? {}) as Record<string, Record<string, Values>>
    return Object.entries(condition).every(([operator, block]) => conditionHolds(operator, block, keys))
  }
  const statements = listed(policy.Statement).filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null)
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false
  return statements.some((s) => s.Effect === 'Allow' && matches(s))
}

const invalidToken = (message: string) => stsError(400, 'InvalidIdentityToken', message)

export function handleAssumeRoleWithWebIdentity(state: EmulatorState, _request: ApiRequest, params: URLSearchParams): ApiResponse {
  state.count('AssumeRoleWithWebIdentity')
  if (params.get('Version') !== '2011-06-15') {
    return stsError(
      400,
      'InvalidAction',
      `Could not find operation AssumeRoleWithWebIdentity for version ${params.get('Version') ?? '(none)'}`,
    )
  }
  const token = params.get('WebIdentityToken')
  const asked = readRoleRequest(params, () =>
    token === null
      ? notNull('webIdentityToken')
      : token.length < 4
        ? constraint('***', 'webIdentityToken', 'Member must have length greater than or equal to 4')
        : undefined,
  )
  if ('status' in asked) return asked
  const {roleArn, account, roleName} = asked
  const read = readToken(state, token!)
  if (!read) return invalidToken('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)')
  const {claims} = read
  const provider = iamOidcProvider(state, account, claims.iss)
  if (!provider) return invalidToken(`No OpenIDConnect provider found in your account for ${claims.iss}`)
  if (!provider.ClientIDList.includes(claims.aud)) return invalidToken('Incorrect token audience')
  if (!read.signed) {
    return invalidToken(
      'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
    )
  }
  if (claims.exp <= state.nowSeconds()) {
    return stsError(
      400,
      'ExpiredTokenException',
      `Token expired: current date/time ${state.nowSeconds()} must be before the expiration date/time ${claims.exp}`,
    )
  }
  const role = iamRole(state, account, roleName)
  const host = claims.iss.replace(/^https:\/\//, '').replace(/\/$/, '')
  if (!role || role.Arn !== roleArn || !trustAllows(role.AssumeRolePolicyDocument, provider.Arn, host, claims)) {
    return stsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity')
  }
  if (asked.durationSeconds > role.MaxSessionDuration) {
    return validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.')
  }
  const {xml} = issueRoleSession(state, asked, role.RoleId)
  return stsResult('AssumeRoleWithWebIdentity', {
    SubjectFromWebIdentityToken: claims.sub,
    Audience: claims.aud,
    AssumedRoleUser: xml.AssumedRoleUser,
    Credentials: xml.Credentials,
    Provider: provider.Arn,
  })
}
