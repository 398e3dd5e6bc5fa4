/**
 * sso-oidc (restJson1, service "SSO OIDC" 2019-06-10): RegisterClient, StartDeviceAuthorization, CreateToken
 * (device_code, refresh_token and authorization_code with PKCE grants; the browser side, /authorize, is authorize.ts).
 * Errors as the model says: HTTP status of the shape (400, 401 for InvalidClientException, 500 for
 * InternalServerException), `x-amzn-ErrorType: <Shape>`, body `{"error": <oauth code>, "error_description"}`.
 */
import {createHash} from 'node:crypto'

import {type ApiRequest, type ApiResponse, json, parseJsonObject, restJsonError} from './http.js'
import type {EmulatorState, Registration} from './state.js'

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const REFRESH_TOKEN_GRANT = 'refresh_token'
const AUTHORIZATION_CODE_GRANT = 'authorization_code'
/** What RegisterClient accepts in grantTypes (the model's documented values). */
const KNOWN_GRANTS = [AUTHORIZATION_CODE_GRANT, REFRESH_TOKEN_GRANT, DEVICE_CODE_GRANT, 'urn:ietf:params:oauth:grant-type:jwt-bearer']
/** A registration without grantTypes is the classic device-code client. */
const DEFAULT_GRANTS = [DEVICE_CODE_GRANT, REFRESH_TOKEN_GRANT]
/** RFC 8628 section 3.5: after slow_down the client must wait 5 s longer, for this and every later poll. */
const SLOW_DOWN_INCREMENT_SECONDS = 5

/** The OIDC error shapes with their status and OAuth `error` code. */
const ERRORS = {
  InvalidRequestException: [400, 'invalid_request'],
  InvalidClientException: [401, 'invalid_client'],
  InvalidClientMetadataException: [400, 'invalid_client_metadata'],
  InvalidScopeException: [400, 'invalid_scope'],
  InvalidGrantException: [400, 'invalid_grant'],
  InvalidRedirectUriException: [400, 'invalid_redirect_uri'],
  UnauthorizedClientException: [400, 'unauthorized_client'],
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
  const grantTypes = input.grantTypes
  if (
    grantTypes !== undefined &&
    (!Array.isArray(grantTypes) || grantTypes.length === 0 || !grantTypes.every((g) => typeof g === 'string'))
  ) {
    return oidcError('InvalidRequestException', 'grantTypes must be a non-empty list of strings')
  }
  const unknown = (grantTypes as string[] | undefined)?.find((g) => !KNOWN_GRANTS.includes(g))
  if (unknown) return oidcError('UnsupportedGrantTypeException', `Unsupported grant type: ${unknown}`)
  const redirectUris = input.redirectUris
  if (
    redirectUris !== undefined &&
    (!Array.isArray(redirectUris) || !redirectUris.every((u) => typeof u === 'string' && validRedirectUri(u)))
  ) {
    return oidcError('InvalidRedirectUriException', 'Invalid redirect URI')
  }
  const issuerUrl = input.issuerUrl
  if (issuerUrl !== undefined && (typeof issuerUrl !== 'string' || !sameStartUrl(issuerUrl, state.config.fixture.startUrl))) {
    return oidcError('InvalidRequestException', 'Invalid issuer URL: no Identity Center instance with this URL')
  }
  if ((grantTypes as string[] | undefined)?.includes(AUTHORIZATION_CODE_GRANT)) {
    if (!Array.isArray(redirectUris) || redirectUris.length === 0)
      return oidcError('InvalidRedirectUriException', 'redirectUris are required for the authorization_code grant')
    if (issuerUrl === undefined) return oidcError('InvalidRequestException', 'issuerUrl is required for the authorization_code grant')
  }
  const registration = state.register(clientName, scopes as string[], {
    ...(grantTypes ? {grantTypes: grantTypes as string[]} : {}),
    ...(redirectUris ? {redirectUris: redirectUris as string[]} : {}),
    ...(typeof issuerUrl === 'string' ? {issuerUrl} : {}),
  })
  return json(200, {
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    clientIdIssuedAt: registration.issuedAt,
    clientSecretExpiresAt: registration.expiresAt,
  })
}

/** A redirect URI a public client may register: https, or http on a loopback IP (RFC 8252 7.3), no fragment. */
function validRedirectUri(uri: string): boolean {
  try {
    const url = new URL(uri)
    if (url.hash || url.username || url.password) return false
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname))
  } catch {
    return false
  }
}

/** The grant types a registration may use. */
export function grantsOf(registration: Registration): string[] {
  return registration.grantTypes ?? DEFAULT_GRANTS
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
  if (Object.hasOwn(state.stats.grants, grantType)) state.stats.grants[grantType]!++
  const registration = state.validClient(input.clientId, input.clientSecret)
  if (!registration) return oidcError('InvalidClientException', 'Invalid client or client secret expired')
  if (KNOWN_GRANTS.includes(grantType) && !grantsOf(registration).includes(grantType)) {
    return oidcError('UnauthorizedClientException', `The client is not registered for the ${grantType} grant`)
  }
  if (grantType === AUTHORIZATION_CODE_GRANT) return authorizationCodeGrant(state, registration, input)
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

/** RFC 7636 4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/

/**
 * CreateToken with grantType authorization_code: the code must be one this client got, unused and unexpired; the
 * redirect URI the same as in the authorization request; SHA-256 of the verifier the challenge (S256). Any
 * redemption attempt uses the code up (RFC 6749 4.1.2: a code is used once). Failures are InvalidGrantException.
 */
function authorizationCodeGrant(state: EmulatorState, registration: Registration, input: Record<string, unknown>): ApiResponse {
  const code = str(input.code)
  const redirectUri = str(input.redirectUri)
  const verifier = str(input.codeVerifier)
  if (!code || !redirectUri || !verifier) {
    return oidcError('InvalidRequestException', 'code, redirectUri and codeVerifier are required for the authorization_code grant')
  }
  state.learned(verifier)
  const record = state.authCodes.get(code)
  if (!record || record.clientId !== registration.clientId) return oidcError('InvalidGrantException', 'Invalid authorization code provided')
  if (record.used) return oidcError('InvalidGrantException', 'Authorization code has already been used')
  record.used = true
  if (record.expiresAtMs <= state.nowMs()) return oidcError('InvalidGrantException', 'Authorization code has expired')
  if (record.redirectUri !== redirectUri) return oidcError('InvalidGrantException', 'Redirect URI does not match the authorization request')
  const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url')
  if (!VERIFIER.test(verifier) || challenge !== record.codeChallenge)
    return oidcError('InvalidGrantException', 'Code verifier does not match the code challenge')
  return tokenResponse(state.issueTokens(registration.clientId, record.scopes, state.newSessionId()))
}
