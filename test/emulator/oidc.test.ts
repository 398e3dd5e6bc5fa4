/** sso-oidc through the real SDK v3 client: every operation, every error, the approval page. */
import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  type SSOOIDCServiceException,
  StartDeviceAuthorizationCommand,
} from '@aws-sdk/client-sso-oidc'
import {afterAll, describe, expect, it} from 'vitest'

import {type EmulatorHandle, type EmulatorOptions, startEmulator} from '../helpers/emulator.js'

const START_URL = 'https://keyless-demo.awsapps.com/start'
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const NINETY_DAYS = 90 * 24 * 3600

const emulators: EmulatorHandle[] = []
afterAll(async () => {
  for (const e of emulators) await e.close()
})

async function setup(options: EmulatorOptions = {}) {
  const emulator = await startEmulator({deviceInterval: 0, ...options})
  emulators.push(emulator)
  const oidc = new SSOOIDCClient({region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1})
  /** null registers without scopes (the legacy, refresh-token-less flavour). */
  const register = async (scopes: string[] | null = ['sso:account:access']) =>
    oidc.send(new RegisterClientCommand({clientName: 'keyless-test', clientType: 'public', scopes: scopes ?? undefined}))
  const startDevice = async (client: {clientId?: string; clientSecret?: string}) =>
    oidc.send(new StartDeviceAuthorizationCommand({clientId: client.clientId, clientSecret: client.clientSecret, startUrl: START_URL}))
  const poll = (client: {clientId?: string; clientSecret?: string}, deviceCode: string | undefined) =>
    oidc.send(new CreateTokenCommand({clientId: client.clientId, clientSecret: client.clientSecret, grantType: DEVICE_GRANT, deviceCode}))
  const refresh = (client: {clientId?: string; clientSecret?: string}, refreshToken: string | undefined) =>
    oidc.send(
      new CreateTokenCommand({clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'refresh_token', refreshToken}),
    )
  return {emulator, oidc, register, startDevice, poll, refresh}
}

/** The SDK error with its wire facts: shape name, HTTP status, x-amzn-ErrorType, OAuth error code. */
async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    const e = error as SSOOIDCServiceException & {error?: string; error_description?: string; $response?: {headers: Record<string, string>}}
    return {
      name: e.name,
      status: e.$metadata.httpStatusCode,
      errorType: e.$response?.headers['x-amzn-errortype'],
      error: e.error,
      description: e.error_description,
    }
  }
  throw new Error('expected the call to fail')
}

function wireError(name: string, status: number, error: string) {
  return {name, status, errorType: name, error, description: expect.any(String)}
}

describe('RegisterClient', () => {
  it('issues a client id and a secret that expires in 90 days (epoch seconds)', async () => {
    const {register} = await setup()
    const before = Math.floor(Date.now() / 1000)
    const client = await register()
    expect(client.clientId).toMatch(/^[\w-]{16,}$/)
    expect(client.clientSecret!.length).toBeGreaterThan(500)
    expect(client.clientIdIssuedAt).toBeGreaterThanOrEqual(before)
    expect(client.clientIdIssuedAt).toBeLessThan(before + 60)
    expect(client.clientSecretExpiresAt! - client.clientIdIssuedAt!).toBe(NINETY_DAYS)
  })

  it('rejects a client type other than public', async () => {
    const {oidc} = await setup()
    const result = await failure(oidc.send(new RegisterClientCommand({clientName: 'x', clientType: 'confidential'})))
    expect(result).toEqual(wireError('InvalidClientMetadataException', 400, 'invalid_client_metadata'))
  })

  it('rejects a malformed scope', async () => {
    const {register} = await setup()
    expect(await failure(register(['not a scope']))).toEqual(wireError('InvalidScopeException', 400, 'invalid_scope'))
  })
})

describe('StartDeviceAuthorization', () => {
  it('answers device and user codes, its own approval page, interval and expiresIn', async () => {
    const {emulator, register, startDevice} = await setup({deviceInterval: 1})
    const device = await startDevice(await register())
    expect(device.deviceCode!.length).toBeGreaterThan(50)
    expect(device.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/)
    expect(device.verificationUri).toBe(`${emulator.url}/device`)
    expect(device.verificationUriComplete).toBe(`${emulator.url}/device?user_code=${device.userCode}`)
    expect(device.interval).toBe(1)
    expect(device.expiresIn).toBe(600)
  })

  it('honours --device-interval and --device-expires-in', async () => {
    const {register, startDevice} = await setup({deviceInterval: 7, deviceExpiresIn: 42})
    const device = await startDevice(await register())
    expect([device.interval, device.expiresIn]).toEqual([7, 42])
  })

  it('answers invalid_client (401) for an unknown client or a wrong secret', async () => {
    const {register, startDevice} = await setup()
    const client = await register()
    expect(await failure(startDevice({clientId: 'unknown', clientSecret: 'x'}))).toEqual(
      wireError('InvalidClientException', 401, 'invalid_client'),
    )
    expect(await failure(startDevice({clientId: client.clientId, clientSecret: 'wrong'}))).toEqual(
      wireError('InvalidClientException', 401, 'invalid_client'),
    )
  })

  it('answers invalid_client (401) once the registration expired', async () => {
    const {emulator, register, startDevice} = await setup()
    const client = await register()
    await emulator.advanceClock(NINETY_DAYS + 1)
    expect(await failure(startDevice(client))).toEqual(wireError('InvalidClientException', 401, 'invalid_client'))
  })

  it('rejects a start URL of another Identity Center instance', async () => {
    const {oidc, register} = await setup()
    const client = await register()
    const result = await failure(
      oidc.send(
        new StartDeviceAuthorizationCommand({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          startUrl: 'https://other.awsapps.com/start',
        }),
      ),
    )
    expect(result).toEqual(wireError('InvalidRequestException', 400, 'invalid_request'))
  })
})

describe('CreateToken, device_code grant', () => {
  it('is authorization_pending until approved, then issues Bearer tokens with a refresh token', async () => {
    const {emulator, register, startDevice, poll} = await setup()
    const client = await register()
    const device = await startDevice(client)
    expect(await failure(poll(client, device.deviceCode))).toEqual(wireError('AuthorizationPendingException', 400, 'authorization_pending'))
    await emulator.approve(device.userCode!)
    const token = await poll(client, device.deviceCode)
    expect(token.tokenType).toBe('Bearer')
    expect(token.expiresIn).toBe(28_800)
    expect(token.accessToken!.length).toBeGreaterThan(100)
    expect(token.refreshToken!.length).toBeGreaterThan(100)
    // A device code works once.
    expect(await failure(poll(client, device.deviceCode))).toEqual(wireError('InvalidGrantException', 400, 'invalid_grant'))
  })

  it('issues no refresh token when the registration lacks sso:account:access', async () => {
    const {emulator, register, startDevice, poll} = await setup({accessTokenTtl: 900})
    const client = await register(null)
    const device = await startDevice(client)
    await emulator.approve(device.userCode!)
    const token = await poll(client, device.deviceCode)
    expect(token.accessToken).toBeTruthy()
    expect(token.refreshToken).toBeUndefined()
    expect(token.expiresIn).toBe(900)
  })

  it('answers slow_down when polled faster than interval, and adds 5 s to the interval', async () => {
    const {emulator, register, startDevice, poll} = await setup({deviceInterval: 1})
    const client = await register()
    const device = await startDevice(client)
    expect((await failure(poll(client, device.deviceCode))).name).toBe('AuthorizationPendingException')
    expect(await failure(poll(client, device.deviceCode))).toEqual(wireError('SlowDownException', 400, 'slow_down'))
    const {devices} = await emulator.polls()
    expect(devices).toEqual([{userCode: device.userCode, polls: [expect.any(Number), expect.any(Number)], interval: 6}])
    expect(devices[0]!.polls[1]! - devices[0]!.polls[0]!).toBeLessThan(1000)
  })

  it('answers expired_token after expiresIn', async () => {
    const {emulator, register, startDevice, poll} = await setup()
    const client = await register()
    const device = await startDevice(client)
    await emulator.advanceClock(601)
    expect(await failure(poll(client, device.deviceCode))).toEqual(wireError('ExpiredTokenException', 400, 'expired_token'))
  })

  it('answers access_denied after Deny', async () => {
    const {emulator, register, startDevice, poll} = await setup()
    const client = await register()
    const device = await startDevice(client)
    await emulator.deny(device.userCode!)
    expect(await failure(poll(client, device.deviceCode))).toEqual(wireError('AccessDeniedException', 400, 'access_denied'))
  })

  it('answers invalid_grant for an unknown device code and invalid_client for a wrong secret', async () => {
    const {register, startDevice, poll} = await setup()
    const client = await register()
    const device = await startDevice(client)
    expect(await failure(poll(client, 'no-such-device-code'))).toEqual(wireError('InvalidGrantException', 400, 'invalid_grant'))
    expect(await failure(poll({clientId: client.clientId, clientSecret: 'wrong'}, device.deviceCode))).toEqual(
      wireError('InvalidClientException', 401, 'invalid_client'),
    )
  })

  it('answers unsupported_grant_type for other grants', async () => {
    const {oidc, register} = await setup()
    const client = await register()
    const result = await failure(
      oidc.send(new CreateTokenCommand({clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'password', code: 'x'})),
    )
    expect(result).toEqual(wireError('UnsupportedGrantTypeException', 400, 'unsupported_grant_type'))
  })

  it('--auto-approve approves on the second poll', async () => {
    const {register, startDevice, poll} = await setup({autoApprove: true})
    const client = await register()
    const device = await startDevice(client)
    expect((await failure(poll(client, device.deviceCode))).name).toBe('AuthorizationPendingException')
    expect((await poll(client, device.deviceCode)).accessToken).toBeTruthy()
  })
})

describe('the approval page', () => {
  it('shows the code with Approve and Deny buttons; Approve lets CreateToken succeed', async () => {
    const {register, startDevice, poll} = await setup()
    const client = await register()
    const device = await startDevice(client)
    const page = await fetch(device.verificationUriComplete!)
    expect(page.status).toBe(200)
    const text = await page.text()
    expect(text).toContain(device.userCode)
    expect(text).toMatch(/<form method="post" action="\/device">/)
    expect(text).toMatch(/<button[^>]*value="approve"[^>]*>Approve<\/button>/)
    expect(text).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/)
    const approved = await fetch(new URL('/device', device.verificationUri!), {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({user_code: device.userCode!, action: 'approve'}).toString(),
    })
    expect(approved.status).toBe(200)
    expect(await approved.text()).toContain('You can close this window')
    expect((await poll(client, device.deviceCode)).accessToken).toBeTruthy()
    // The code is spent: the page no longer offers it.
    expect((await fetch(device.verificationUriComplete!)).status).toBe(404)
  })

  it('Deny makes CreateToken answer access_denied', async () => {
    const {register, startDevice, poll} = await setup()
    const client = await register()
    const device = await startDevice(client)
    const denied = await fetch(new URL('/device', device.verificationUri!), {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: `user_code=${device.userCode}&action=deny`,
    })
    expect(await denied.text()).toContain('You can close this window')
    expect((await failure(poll(client, device.deviceCode))).name).toBe('AccessDeniedException')
  })
})

describe('CreateToken, refresh_token grant', () => {
  async function signedIn(options: EmulatorOptions = {}) {
    const env = await setup(options)
    const client = await env.register()
    const device = await env.startDevice(client)
    await env.emulator.approve(device.userCode!)
    const token = await env.poll(client, device.deviceCode)
    return {...env, client, token}
  }

  it('refreshes with the same refresh token again and again by default', async () => {
    const {client, token, refresh} = await signedIn()
    const first = await refresh(client, token.refreshToken)
    const second = await refresh(client, token.refreshToken)
    expect(first.accessToken).not.toBe(token.accessToken)
    expect(second.accessToken).not.toBe(first.accessToken)
    expect(first.refreshToken).toBe(token.refreshToken)
    expect(first.tokenType).toBe('Bearer')
  })

  it('with --rotate-refresh-tokens each refresh token works once', async () => {
    const {client, token, refresh} = await signedIn({rotateRefreshTokens: true})
    const first = await refresh(client, token.refreshToken)
    expect(first.refreshToken).toBeTruthy()
    expect(first.refreshToken).not.toBe(token.refreshToken)
    expect(await failure(refresh(client, token.refreshToken))).toEqual(wireError('InvalidGrantException', 400, 'invalid_grant'))
    expect((await refresh(client, first.refreshToken)).accessToken).toBeTruthy()
  })

  it('answers invalid_grant for an unknown refresh token, invalid_client for an expired registration', async () => {
    const {emulator, client, token, refresh} = await signedIn()
    expect(await failure(refresh(client, 'aorAAAAAGunknown'))).toEqual(wireError('InvalidGrantException', 400, 'invalid_grant'))
    await emulator.advanceClock(NINETY_DAYS)
    expect(await failure(refresh(client, token.refreshToken))).toEqual(wireError('InvalidClientException', 401, 'invalid_client'))
  })

  it('answers invalid_grant after revoke-all', async () => {
    const {emulator, client, token, refresh} = await signedIn()
    await emulator.revokeAll()
    expect((await failure(refresh(client, token.refreshToken))).name).toBe('InvalidGrantException')
  })
})

describe('control endpoints', () => {
  it('stats count each operation; issued lists every secret; reset clears both', async () => {
    const {emulator, register, startDevice, poll} = await setup({autoApprove: true})
    const client = await register()
    const device = await startDevice(client)
    await failure(poll(client, device.deviceCode))
    const token = await poll(client, device.deviceCode)
    expect(await emulator.stats()).toEqual({
      operations: {
        RegisterClient: 1,
        StartDeviceAuthorization: 1,
        Authorize: 0,
        CreateToken: 2,
        ListAccounts: 0,
        ListAccountRoles: 0,
        GetRoleCredentials: 0,
        Logout: 0,
        GetCallerIdentity: 0,
        AssumeRole: 0,
        AssumeRoleWithWebIdentity: 0,
        GetSigninToken: 0,
        ConsoleLogin: 0,
        ConsoleLogout: 0,
      },
      grants: {authorization_code: 0, [DEVICE_GRANT]: 2, refresh_token: 0},
      throttled: 0,
      faults: 0,
    })
    const issued = await emulator.issued()
    expect(issued).toEqual(expect.arrayContaining([client.clientSecret, device.deviceCode, token.accessToken, token.refreshToken]))
    expect(issued).not.toContain(client.clientId)
    await emulator.reset()
    expect((await emulator.stats()).operations.CreateToken).toBe(0)
    expect(await emulator.issued()).toEqual([])
    expect((await failure(startDevice(client))).name).toBe('InvalidClientException')
  })

  it('approve of an unknown user code is an error', async () => {
    const {emulator} = await setup()
    await expect(emulator.approve('NOPE-NOPE')).rejects.toThrow(/404/)
  })
})
