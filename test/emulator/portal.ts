/**
 * The SSO portal (restJson1, service "SSO" 2019-06-10): ListAccounts, ListAccountRoles, GetRoleCredentials, Logout.
 * The access token comes in `x-amz-sso_bearer_token`; errors carry `x-amzn-ErrorType` and `{"message"}`:
 * 400 InvalidRequestException, 401 UnauthorizedException, 404 ResourceNotFoundException, 429 TooManyRequestsException.
 */
import {type ApiRequest, type ApiResponse, header, json, restJsonError} from './http.js'
import type {AccessToken, EmulatorState, Operation} from './state.js'

/** The model bounds max_result to 1..100; without it a page holds this many. */
const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 100

const ERRORS = {
  InvalidRequestException: 400,
  UnauthorizedException: 401,
  ResourceNotFoundException: 404,
  TooManyRequestsException: 429,
} as const

export function portalError(shape: keyof typeof ERRORS, message: string): ApiResponse {
  return restJsonError(ERRORS[shape], shape, {message})
}

/**
 * What every portal call goes through first, in this order: the operation is counted, the rate limit
 * (429), the injected fault (500), then the bearer token (401). Returns the error to send, or the token.
 */
function admit(state: EmulatorState, operation: Operation, request: ApiRequest): ApiResponse | AccessToken {
  state.count(operation)
  if (!state.takeRateToken()) {
    state.stats.throttled++
    return portalError('TooManyRequestsException', 'Rate exceeded')
  }
  if (state.drawFault()) {
    state.stats.faults++
    return restJsonError(500, 'InternalServerException', {message: 'An internal error occurred (injected by --fault-rate)'})
  }
  const token = state.validAccessToken(header(request, 'x-amz-sso_bearer_token'))
  if (!token) return portalError('UnauthorizedException', 'Session token not found or invalid')
  return token
}

function isError(value: ApiResponse | AccessToken): value is ApiResponse {
  return 'status' in value
}

/** Page tokens are opaque to clients: base64url of the offset, bound to the listing they belong to. */
function encodePageToken(listing: string, offset: number): string {
  return Buffer.from(JSON.stringify({l: listing, o: offset})).toString('base64url')
}

function decodePageToken(listing: string, token: string | null): number | undefined {
  if (!token) return 0
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {l?: unknown; o?: unknown}
    return value.l === listing && Number.isInteger(value.o) && (value.o as number) >= 0 ? (value.o as number) : undefined
  } catch {
    return undefined
  }
}

function paginate<T>(request: ApiRequest, listing: string, items: T[]): {page: T[]; nextToken?: string} | ApiResponse {
  const max = request.query.get('max_result')
  let size = DEFAULT_PAGE_SIZE
  if (max !== null) {
    size = Number(max)
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      return portalError('InvalidRequestException', `max_result must be between 1 and ${MAX_PAGE_SIZE}`)
    }
  }
  const offset = decodePageToken(listing, request.query.get('next_token'))
  if (offset === undefined) return portalError('InvalidRequestException', 'Invalid next token')
  const page = items.slice(offset, offset + size)
  const next = offset + size
  return next < items.length ? {page, nextToken: encodePageToken(listing, next)} : {page}
}

/** `GET /assignment/accounts?next_token=&max_result=` */
export function listAccounts(state: EmulatorState, request: ApiRequest): ApiResponse {
  const token = admit(state, 'ListAccounts', request)
  if (isError(token)) return token
  const result = paginate(request, 'accounts', state.assignedAccounts())
  if ('status' in result) return result
  return json(200, {
    accountList: result.page.map(({accountId, accountName, emailAddress}) => ({accountId, accountName, emailAddress})),
    ...(result.nextToken ? {nextToken: result.nextToken} : {}),
  })
}

/** `GET /assignment/roles?account_id=&next_token=&max_result=` */
export function listAccountRoles(state: EmulatorState, request: ApiRequest): ApiResponse {
  const token = admit(state, 'ListAccountRoles', request)
  if (isError(token)) return token
  const accountId = request.query.get('account_id')
  if (!accountId) return portalError('InvalidRequestException', 'account_id is required')
  const account = state.account(accountId)
  if (!account || account.roles.length === 0) return portalError('ResourceNotFoundException', 'Account not found or not assigned')
  const result = paginate(request, `roles:${accountId}`, account.roles)
  if ('status' in result) return result
  return json(200, {
    roleList: result.page.map((roleName) => ({roleName, accountId})),
    ...(result.nextToken ? {nextToken: result.nextToken} : {}),
  })
}

/** `GET /federation/credentials?account_id=&role_name=` */
export function getRoleCredentials(state: EmulatorState, request: ApiRequest): ApiResponse {
  const token = admit(state, 'GetRoleCredentials', request)
  if (isError(token)) return token
  const accountId = request.query.get('account_id')
  const roleName = request.query.get('role_name')
  if (!accountId || !roleName) return portalError('InvalidRequestException', 'account_id and role_name are required')
  if (!state.account(accountId)?.roles.includes(roleName)) {
    return portalError('ResourceNotFoundException', 'No access')
  }
  const credentials = state.issueRoleCredentials(accountId, roleName)
  return json(200, {
    roleCredentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiresAtMs,
    },
  })
}

/** `POST /logout`: ends the sign-in session (its access and refresh tokens); role credentials stay valid, as on AWS. */
export function logout(state: EmulatorState, request: ApiRequest): ApiResponse {
  const token = admit(state, 'Logout', request)
  if (isError(token)) return token
  state.endSession(token.sessionId)
  return json(200, undefined)
}
