/**
 * sso-oidc (restJson1, service "SSO OIDC" 2019-06-10): RegisterClient, StartDeviceAuthorization, CreateToken.
 * Errors as the model says: HTTP status of the shape (400, 401 for InvalidClientException, 500 for
 * InternalServerException), `x-amzn-ErrorType: <Shape>`, body `{"error": <oauth code>, "error_description"}`.
 */
import {type ApiRequest, type ApiResponse, json, parseJsonObject, restJsonError} from './http.js'
import type {EmulatorState} from './state.js'

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const REFRESH_TOKEN_GRANT = 'refresh_token'
/** RFC 8628 section 3.5: after slow_down the client must wait 5 s longer, for this and every later poll. */
const SLOW_DOWN_INCREMENT_SECONDS = 5

/** The OIDC error shapes with their status and OAuth `error` code. */
const ERRORS = {
  InvalidRequestException: [400, 'invalid_request'],
  InvalidClientException: [401, 'invalid_client'],
  InvalidClientMetadataException: [400, 'invalid_client_metadata'],
  InvalidScopeException: [400, 'invalid_scope'],
  InvalidGrantException: [400, 'invalid_grant'],
  UnsupportedGrantTypeException: [400, 'unsupported_grant_type'],
  AuthorizationPendingException: [400, 'authorization_pending'],
  SlowDownException: [400, 'slow_down'],
  AccessDeniedException: [400, 'access_denied'],
  ExpiredTokenException: [400, 'expired_token'],
} as const satisfies Record<string, readonly [number, string]>

export type OidcErrorShape = keyof typeof ERRORS

export function oidcError(shape: OidcErrorShape, description: string): ApiResponse {
  const [status, error] = ERRORS[shape]
  return restJsonError(status, shape, {error, error_description: description})
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

/** `POST /client/register` */
export function registerClient(state: EmulatorState, request: ApiRequest): ApiResponse {
  state.count('RegisterClient')
  const input = parseJsonObject(request.body)
  if (!input) return oidcError('InvalidRequestException', 'Request body is not valid JSON')
  const clientName = str(input.clientName)
  const clientType = str(input.clientType)
  if (!clientName) return oidcError('InvalidRequestException', 'clientName is required')
  if (!clientType) return oidcError('InvalidRequestException', 'clientType is required')
  if (clientType !== 'public') return oidcError('InvalidClientMetadataException', `Unsupported client type: ${clientType}`)
  const scopes = input.scopes ?? []
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^[\w.-]+:[\w.:*-]+$/.test(s))) {
    return oidcError('InvalidScopeException', 'Invalid scope requested')
  }
  const registration = state.register(clientName, scopes as string[])
  return json(200, {
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    clientIdIssuedAt: registration.issuedAt,
    clientSecretExpiresAt: registration.expiresAt,
  })
}

/** Start URLs compare as Identity Center does: scheme and host case-insensitive, trailing `/` and `#/` ignored. */
function sameStartUrl(a: string, b: string): boolean {
  const norm = (u: string) => u.trim().replace(/#\/?$/, '').replace(/\/+$/, '').toLowerCase()
  return norm(a) === norm(b)
}

/** `POST /device_authorization` */
export function startDeviceAuthorization(state: EmulatorState, request: ApiRequest): ApiResponse {
  state.count('StartDeviceAuthorization')
  const input = parseJsonObject(request.body)
  if (!input) return oidcError('InvalidRequestException', 'Request body is not valid JSON')
  const startUrl = str(input.startUrl)
  if (!str(input.clientId) || !str(input.clientSecret) || !startUrl) {
    return oidcError('InvalidRequestException', 'clientId, clientSecret and startUrl are required')
  }
  const registration = state.validClient(input.clientId, input.clientSecret)
  if (!registration) return oidcError('InvalidClientException', 'Invalid client or client secret expired')
  if (!sameStartUrl(startUrl, state.config.fixture.startUrl)) {
    return oidcError('InvalidRequestException', 'Invalid start URL: no Identity Center instance with this start URL')
  }
  const device = state.startDevice(registration.clientId)
  const verificationUri = `${request.baseUrl}/device`
  return json(200, {
    deviceCode: device.deviceCode,
    userCode: device.userCode,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${device.userCode}`,
    expiresIn: state.config.deviceExpiresInSeconds,
    interval: device.interval,
  })
}

/** `POST /token` */
export function createToken(state: EmulatorState, request: ApiRequest): ApiResponse {
  state.count('CreateToken')
  const input = parseJsonObject(request.body)
  if (!input) return oidcError('InvalidRequestException', 'Request body is not valid JSON')
  const grantType = str(input.grantType)
  if (!str(input.clientId) || !str(input.clientSecret) || !grantType) {
    return oidcError('InvalidRequestException', 'clientId, clientSecret and grantType are required')
  }
  const registration = state.validClient(input.clientId, input.clientSecret)
  if (!registration) return oidcError('InvalidClientException', 'Invalid client or client secret expired')
  if (grantType === DEVICE_CODE_GRANT) return deviceCodeGrant(state, registration.clientId, registration.scopes, str(input.deviceCode))
  if (grantType === REFRESH_TOKEN_GRANT) return refreshTokenGrant(state, registration.clientId, str(input.refreshToken))
  return oidcError('UnsupportedGrantTypeException', `Unsupported grant type: ${grantType}`)
}

function tokenResponse(tokens: {accessToken: string; refreshToken?: string; expiresIn: number}): ApiResponse {
  return json(200, {
    accessToken: tokens.accessToken,
    tokenType: 'Bearer',
    expiresIn: tokens.expiresIn,
    ...(tokens.refreshToken ? {refreshToken: tokens.refreshToken} : {}),
  })
}

function deviceCodeGrant(state: EmulatorState, clientId: string, scopes: string[], deviceCode: string | undefined): ApiResponse {
  if (!deviceCode) return oidcError('InvalidRequestException', 'deviceCode is required for the device_code grant')
  const device = state.devices.get(deviceCode)
  if (!device || device.clientId !== clientId) return oidcError('InvalidGrantException', 'Invalid device code provided')
  const now = state.nowMs()
  const previousPoll = device.polls.at(-1)
  device.polls.push(now)
  if (device.status === 'consumed') return oidcError('InvalidGrantException', 'Device code has already been used')
  if (device.expiresAtMs <= now) return oidcError('ExpiredTokenException', 'Device code has expired')
  if (device.status === 'denied') return oidcError('AccessDeniedException', 'The user denied the authorization request')
  if (state.config.autoApprove && device.status === 'pending' && device.polls.length >= 2) device.status = 'approved'
  if (previousPoll !== undefined && now - previousPoll < device.interval * 1000) {
    device.interval += SLOW_DOWN_INCREMENT_SECONDS
    return oidcError('SlowDownException', 'Client is polling too fast')
  }
  if (device.status === 'pending') return oidcError('AuthorizationPendingException', 'Authorization is still pending')
  device.status = 'consumed'
  return tokenResponse(state.issueTokens(clientId, scopes, state.newSessionId()))
}

function refreshTokenGrant(state: EmulatorState, clientId: string, refreshToken: string | undefined): ApiResponse {
  if (!refreshToken) return oidcError('InvalidRequestException', 'refreshToken is required for the refresh_token grant')
  const record = state.refreshTokens.get(refreshToken)
  if (!record || record.clientId !== clientId) return oidcError('InvalidGrantException', 'Invalid refresh token provided')
  if (state.config.rotateRefreshTokens) {
    state.refreshTokens.delete(refreshToken)
    return tokenResponse(state.issueTokens(clientId, record.scopes, record.sessionId))
  }
  return tokenResponse(state.issueTokens(clientId, record.scopes, record.sessionId, refreshToken))
}
