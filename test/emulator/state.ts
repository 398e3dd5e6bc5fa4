import {createHash, randomBytes} from 'node:crypto'

import type {Fixture, FixtureAccount, StaticIdentity} from './fixture.js'

/** How the emulator behaves: the CLI flags of main.ts and the options of startEmulator() resolve to this. */
export interface EmulatorConfig {
  fixture: Fixture
  /** Approve each device code when its second CreateToken poll arrives. */
  autoApprove: boolean
  /** Delay before every AWS API answer (not the /_emulator endpoints). */
  latencyMs: number
  /** Portal calls per second (token bucket, burst = this); 0 = unlimited. */
  rateLimit: number
  /** Share (0..1) of portal calls answered with a 500; drawn from a PRNG seeded with faultSeed. */
  faultRate: number
  faultSeed: number
  accessTokenTtlSeconds: number
  rotateRefreshTokens: boolean
  deviceIntervalSeconds: number
  deviceExpiresInSeconds: number
  roleCredentialsTtlSeconds: number
  clientSecretTtlSeconds: number
  verbose: boolean
}

/** AWS defaults: 8 h access tokens, 1 s device poll interval, 10 min device codes, 1 h role credentials, 90-day client secrets. */
export const DEFAULTS = {
  latencyMs: 0,
  rateLimit: 0,
  faultRate: 0,
  faultSeed: 1,
  accessTokenTtlSeconds: 28_800,
  deviceIntervalSeconds: 1,
  deviceExpiresInSeconds: 600,
  roleCredentialsTtlSeconds: 3600,
  clientSecretTtlSeconds: 90 * 24 * 3600,
} as const

export const OPERATIONS = [
  'RegisterClient',
  'StartDeviceAuthorization',
  'Authorize',
  'CreateToken',
  'ListAccounts',
  'ListAccountRoles',
  'GetRoleCredentials',
  'Logout',
  'GetCallerIdentity',
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'GetSigninToken',
  'ConsoleLogin',
  'ConsoleLogout',
] as const
export type Operation = (typeof OPERATIONS)[number]

/** The grant types CreateToken is called with, counted in stats. */
export const GRANTS = ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'] as const

/** The `GET /_emulator/stats` body: requests received per operation (whatever the answer), CreateToken calls per
 * grant type, 429s, injected 500s. */
export interface Stats {
  operations: Record<Operation, number>
  grants: Record<string, number>
  throttled: number
  faults: number
}

export interface Registration {
  clientId: string
  clientSecret: string
  clientName: string
  scopes: string[]
  issuedAt: number // epoch seconds
  expiresAt: number // epoch seconds
  /** As registered; absent: the device-code client of old (device_code and refresh_token). */
  grantTypes?: string[]
  redirectUris?: string[]
  issuerUrl?: string
}

/** An authorization request shown on the approval page, waiting for Allow or Deny. */
export interface AuthRequest {
  id: string
  clientId: string
  redirectUri: string
  state?: string
  codeChallenge: string
  scopes: string[]
  expiresAtMs: number
}

/** An issued authorization code: single use, short-lived, bound to client, redirect URI and PKCE challenge. */
export interface AuthCode {
  clientId: string
  redirectUri: string
  codeChallenge: string
  scopes: string[]
  expiresAtMs: number
  used: boolean
}

export type DeviceStatus = 'pending' | 'approved' | 'denied' | 'consumed'

export interface Device {
  deviceCode: string
  userCode: string
  clientId: string
  expiresAtMs: number
  /** Seconds the client must leave between polls; grows by 5 on each slow_down (RFC 8628 section 3.5). */
  interval: number
  status: DeviceStatus
  /** Epoch ms (emulator clock) of every CreateToken poll for this device code. */
  polls: number[]
}

export interface AccessToken {
  clientId: string
  expiresAtMs: number
  /** The sign-in session this token belongs to: Logout ends it, with every refresh token of it. */
  sessionId: string
}

export interface RefreshToken {
  clientId: string
  sessionId: string
  scopes: string[]
}

/** Who a key pair is, for GetCallerIdentity. */
export interface Principal {
  account: string
  arn: string
  userId: string
}

export interface IssuedCredentials extends Principal {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** Epoch ms; undefined for static (long-term) keys. */
  expiresAtMs?: number
  /** A static key IAM deactivated: STS rejects it exactly as a deleted one. */
  inactive?: boolean
}

/** mulberry32: a tiny seeded PRNG, so `--fault-rate` picks the same calls on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Authorization codes and pending authorization requests live 5 minutes (RFC 6749 4.1.2: "a maximum
 * authorization code lifetime of 10 minutes is RECOMMENDED"; Identity Center's are shorter). */
export const AUTH_CODE_TTL_MS = 5 * 60 * 1000

const USER_CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ'
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

function opaque(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString('base64url')
}

function hashHex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length)
}

/** All mutable state of one emulator. The protocol modules read and change it; nothing else does. */
export class EmulatorState {
  readonly config: EmulatorConfig
  accounts: FixtureAccount[] = []
  registrations = new Map<string, Registration>()
  devices = new Map<string, Device>()
  authRequests = new Map<string, AuthRequest>()
  authCodes = new Map<string, AuthCode>()
  accessTokens = new Map<string, AccessToken>()
  refreshTokens = new Map<string, RefreshToken>()
  credentials = new Map<string, IssuedCredentials>()
  /** federation getSigninToken: each token's role session, when it was issued (emulator clock), whether login spent it. */
  signinTokens = new Map<string, {arn: string; issuedAtMs: number; used: boolean}>()
  stats: Stats = emptyStats()
  /** STS requests being answered right now, and the most ever at once (GET /_emulator/concurrency). */
  stsInFlight = 0
  stsPeak = 0
  issued: string[] = []
  /** Added to the wall clock: POST /_emulator/clock moves time forward so expiry is testable without waiting. */
  clockOffsetMs = 0
  private random: () => number = Math.random
  private bucketTokens = 0
  private bucketCheckedAt = 0

  constructor(config: EmulatorConfig) {
    this.config = config
    this.reset()
  }

  /** Back to a freshly started server: fixture assignments, no registrations, tokens, counters or issued secrets. */
  reset(): void {
    this.accounts = this.config.fixture.accounts.map((a) => ({...a, roles: [...a.roles]}))
    this.registrations.clear()
    this.devices.clear()
    this.authRequests.clear()
    this.authCodes.clear()
    this.accessTokens.clear()
    this.refreshTokens.clear()
    this.credentials.clear()
    this.signinTokens.clear()
    for (const identity of this.config.fixture.staticIdentities) this.credentials.set(identity.accessKeyId, staticCredentials(identity))
    this.stats = emptyStats()
    this.stsInFlight = 0
    this.stsPeak = 0
    this.issued = []
    this.clockOffsetMs = 0
    this.random = seededRandom(this.config.faultSeed)
    this.bucketTokens = this.config.rateLimit
    this.bucketCheckedAt = performance.now()
  }

  /** Forgets every access and refresh token, as a restarted Identity Center would. Registrations survive. */
  revokeAllTokens(): void {
    this.accessTokens.clear()
    this.refreshTokens.clear()
  }

  nowMs(): number {
    return Date.now() + this.clockOffsetMs
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000)
  }

  count(operation: Operation): void {
    this.stats.operations[operation]++
  }

  private issue(secret: string): string {
    this.issued.push(secret)
    return secret
  }

  /** A secret the emulator did not issue but learned (a PKCE verifier): listed with the issued ones for leak scans. */
  learned(secret: string): void {
    if (!this.issued.includes(secret)) this.issued.push(secret)
  }

  /** A pending authorization request (the approval page's form refers to it by id). */
  startAuthRequest(request: Omit<AuthRequest, 'id' | 'expiresAtMs'>): AuthRequest {
    const pending: AuthRequest = {...request, id: randomBytes(16).toString('hex'), expiresAtMs: this.nowMs() + AUTH_CODE_TTL_MS}
    this.authRequests.set(pending.id, pending)
    return pending
  }

  /** An authorization code for an approved request. */
  issueAuthCode(request: Omit<AuthRequest, 'id' | 'expiresAtMs'>): string {
    const code = this.issue(opaque('', 48))
    this.authCodes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      expiresAtMs: this.nowMs() + AUTH_CODE_TTL_MS,
      used: false,
    })
    return code
  }

  /** Client registration; secrets as long as real ones (a client secret is a ~1 KB JWE), so chunking is exercised. */
  register(
    clientName: string,
    scopes: string[],
    extra: Pick<Registration, 'grantTypes' | 'redirectUris' | 'issuerUrl'> = {},
  ): Registration {
    const issuedAt = this.nowSeconds()
    const registration: Registration = {
      clientId: opaque('', 16),
      clientSecret: this.issue(opaque('eyJraWQiOiJrZXktZW11bGF0b3IiLCJhbGciOiJIUzM4NCJ9.', 900)),
      clientName,
      scopes,
      issuedAt,
      expiresAt: issuedAt + this.config.clientSecretTtlSeconds,
      ...extra,
    }
    this.registrations.set(registration.clientId, registration)
    return registration
  }

  /** The registration for a client id and secret, or undefined when unknown, mismatched or past its expiry. */
  validClient(clientId: unknown, clientSecret: unknown): Registration | undefined {
    if (typeof clientId !== 'string') return undefined
    const registration = this.registrations.get(clientId)
    if (!registration || registration.clientSecret !== clientSecret) return undefined
    if (registration.expiresAt <= this.nowSeconds()) return undefined
    return registration
  }

  startDevice(clientId: string): Device {
    let userCode: string
    do userCode = `${randomFrom(USER_CODE_LETTERS, 4)}-${randomFrom(USER_CODE_LETTERS, 4)}`
    while (this.deviceByUserCode(userCode))
    const device: Device = {
      deviceCode: this.issue(opaque('', 96)),
      userCode,
      clientId,
      expiresAtMs: this.nowMs() + this.config.deviceExpiresInSeconds * 1000,
      interval: this.config.deviceIntervalSeconds,
      status: 'pending',
      polls: [],
    }
    this.devices.set(device.deviceCode, device)
    return device
  }

  deviceByUserCode(userCode: string): Device | undefined {
    const wanted = userCode.trim().toUpperCase()
    for (const device of this.devices.values()) if (device.userCode === wanted) return device
    return undefined
  }

  /** Approve or deny a pending, unexpired device code; false when there is none by that user code. */
  decide(userCode: string, approve: boolean): boolean {
    const device = this.deviceByUserCode(userCode)
    if (!device || device.status !== 'pending' || device.expiresAtMs <= this.nowMs()) return false
    device.status = approve ? 'approved' : 'denied'
    return true
  }

  /** A new access token (and refresh token when the scopes allow one) for a sign-in session. */
  issueTokens(clientId: string, scopes: string[], sessionId: string, keepRefreshToken?: string) {
    const accessToken = this.issue(opaque('aoaAAAAAG', 450))
    this.accessTokens.set(accessToken, {
      clientId,
      sessionId,
      expiresAtMs: this.nowMs() + this.config.accessTokenTtlSeconds * 1000,
    })
    let refreshToken: string | undefined
    if (keepRefreshToken) refreshToken = keepRefreshToken
    else if (scopes.includes('sso:account:access')) {
      refreshToken = this.issue(opaque('aorAAAAAG', 450))
      this.refreshTokens.set(refreshToken, {clientId, sessionId, scopes})
    }
    return {accessToken, refreshToken, expiresIn: this.config.accessTokenTtlSeconds}
  }

  newSessionId(): string {
    return randomBytes(8).toString('hex')
  }

  /** The access token's record when it is known, unexpired and not logged out. */
  validAccessToken(token: string | undefined): AccessToken | undefined {
    if (!token) return undefined
    const record = this.accessTokens.get(token)
    if (!record || record.expiresAtMs <= this.nowMs()) return undefined
    return record
  }

  /** Logout: ends the sign-in session, so its access tokens and refresh tokens all stop working. */
  endSession(sessionId: string): void {
    for (const [token, record] of this.accessTokens) if (record.sessionId === sessionId) this.accessTokens.delete(token)
    for (const [token, record] of this.refreshTokens) if (record.sessionId === sessionId) this.refreshTokens.delete(token)
  }

  account(accountId: string): FixtureAccount | undefined {
    return this.accounts.find((a) => a.accountId === accountId)
  }

  /** Accounts the user can see: those with at least one role assigned. */
  assignedAccounts(): FixtureAccount[] {
    return this.accounts.filter((a) => a.roles.length > 0)
  }

  /** Adds or removes one role assignment; an unknown account is created when a role is added to it. */
  setAssignment(accountId: string, roleName: string, assigned: boolean, accountName?: string): FixtureAccount {
    let account = this.account(accountId)
    if (!account) {
      account = {
        accountId,
        accountName: accountName ?? `account-${accountId}`,
        emailAddress: `${accountName ?? `account-${accountId}`}@keyless-demo.example.com`,
        roles: [],
      }
      this.accounts.push(account)
    }
    const has = account.roles.includes(roleName)
    if (assigned && !has) account.roles.push(roleName)
    if (!assigned && has) account.roles = account.roles.filter((r) => r !== roleName)
    return account
  }

  /** STS-style temporary credentials for an SSO role session (ASIA key, AWSReservedSSO_ role). */
  issueRoleCredentials(accountId: string, roleName: string): IssuedCredentials {
    const permissionSetHash = hashHex(`permission-set:${roleName}`, 16)
    const roleId = `AROA${hashHex(`role:${accountId}:${roleName}`, 17).toUpperCase()}`
    const credentials: IssuedCredentials = {
      accessKeyId: `ASIA${randomFrom(UPPER_ALNUM, 16)}`,
      secretAccessKey: this.issue(randomBytes(30).toString('base64')),
      sessionToken: this.issue(opaque('IQoJb3JpZ2luX2VjE', 600)),
      expiresAtMs: this.nowMs() + this.config.roleCredentialsTtlSeconds * 1000,
      account: accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_${permissionSetHash}/${this.config.fixture.user}`,
      userId: `${roleId}:${this.config.fixture.user}`,
    }
    this.credentials.set(credentials.accessKeyId, credentials)
    return credentials
  }

  /** A federation SigninToken for a role session (long and opaque, as AWS's are). */
  issueSigninToken(arn: string): string {
    const token = this.issue(opaque('', 600))
    this.signinTokens.set(token, {arn, issuedAtMs: this.nowMs(), used: false})
    return token
  }

  /** Token bucket over all portal calls: false means answer 429. */
  takeRateToken(): boolean {
    const rate = this.config.rateLimit
    if (rate <= 0) return true
    const now = performance.now()
    this.bucketTokens = Math.min(rate, this.bucketTokens + ((now - this.bucketCheckedAt) / 1000) * rate)
    this.bucketCheckedAt = now
    if (this.bucketTokens < 1) return false
    this.bucketTokens -= 1
    return true
  }

  /** Whether this portal call gets an injected 500 (deterministic sequence per seed). */
  drawFault(): boolean {
    if (this.config.faultRate <= 0) return false
    return this.random() < this.config.faultRate
  }

  /** `GET /_emulator/polls`. */
  pollReport() {
    return {
      devices: [...this.devices.values()].map((d) => ({userCode: d.userCode, polls: [...d.polls], interval: d.interval})),
    }
  }
}

function emptyStats(): Stats {
  const operations = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<Operation, number>
  return {operations, grants: Object.fromEntries(GRANTS.map((g) => [g, 0])), throttled: 0, faults: 0}
}

function staticCredentials(identity: StaticIdentity): IssuedCredentials {
  return {
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
    account: identity.account,
    arn: identity.arn,
    userId: identity.userId,
    ...(identity.sessionToken ? {sessionToken: identity.sessionToken} : {}),
    ...(identity.status === 'Inactive' ? {inactive: true} : {}),
  }
}
