/** The authorization-code grant of the emulator: RegisterClient with grant types, GET/POST /authorize, CreateToken
 * with authorization_code, through the real SDK v3 client and plain HTTP (what a browser does). */
import {createHash, randomBytes} from 'node:crypto'

import {CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, type SSOOIDCServiceException} from '@aws-sdk/client-sso-oidc'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'

const START_URL = 'https://keyless-demo.awsapps.com/start'
const REDIRECT = 'http://127.0.0.1/oauth/callback'
const CALLBACK = 'http://127.0.0.1:54321/oauth/callback'

let emulator: EmulatorHandle
let oidc: SSOOIDCClient
beforeAll(async () => {
  emulator = await startEmulator({})
  oidc = new SSOOIDCClient({region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1})
})
afterAll(async () => {
  oidc.destroy()
  await emulator.close()
})

const register = (input: Partial<ConstructorParameters<typeof RegisterClientCommand>[0]> = {}) =>
  oidc.send(
    new RegisterClientCommand({
      clientName: 'keyless-test',
      clientType: 'public',
      scopes: ['sso:account:access'],
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT],
      issuerUrl: START_URL,
      ...input,
    }),
  )

function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return {verifier, challenge: createHash('sha256').update(verifier).digest('base64url')}
}

function authorizeUrl(clientId: string, params: Record<string, string> = {}) {
  const {challenge} = pkce()
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CALLBACK,
    scopes: 'sso:account:access',
    state: 'the-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  })
  return `${emulator.url}/authorize?${q}`
}

/** GET /authorize, then Allow or Deny on the page (a form POST): the redirect's query. */
async function signIn(url: string, action: 'allow' | 'deny' = 'allow'): Promise<URLSearchParams> {
  const page = await fetch(url, {redirect: 'manual'})
  const text = await page.text()
  expect(page.status, text).toBe(200)
  const id = /name="request_id" value="([^"]+)"/.exec(text)![1]!
  const decided = await fetch(`${emulator.url}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({request_id: id, action}).toString(),
  })
  expect(decided.status).toBe(302)
  const location = new URL(decided.headers.get('location')!)
  expect(`${location.origin}${location.pathname}`).toBe(CALLBACK)
  return location.searchParams
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    const e = error as SSOOIDCServiceException & {error?: string; $response?: {headers: Record<string, string>}}
    return {name: e.name, status: e.$metadata.httpStatusCode, errorType: e.$response?.headers['x-amzn-errortype'], error: e.error}
  }
  throw new Error('expected the call to fail')
}
const invalidGrant = {name: 'InvalidGrantException', status: 400, errorType: 'InvalidGrantException', error: 'invalid_grant'}

describe('RegisterClient for the authorization_code grant', () => {
  it('records grant types, redirect URIs and issuer; refuses what AWS refuses', async () => {
    const client = await register()
    expect(emulator.state!.registrations.get(client.clientId!)).toMatchObject({
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT],
      issuerUrl: START_URL,
    })
    expect(await failure(register({redirectUris: ['http://evil.example.com/cb']}))).toMatchObject({
      name: 'InvalidRedirectUriException',
      status: 400,
    })
    expect(await failure(register({redirectUris: undefined}))).toMatchObject({name: 'InvalidRedirectUriException'})
    expect(await failure(register({issuerUrl: 'https://other.awsapps.com/start'}))).toMatchObject({name: 'InvalidRequestException'})
    expect(await failure(register({grantTypes: ['password']}))).toMatchObject({name: 'UnsupportedGrantTypeException'})
  })
})

describe('GET /authorize and the approval page', () => {
  it('Allow redirects to the loopback redirect_uri (any port) with a code and the state; Deny with error=access_denied', async () => {
    const client = await register()
    const before = (await emulator.stats()).operations.Authorize
    const allowed = await signIn(authorizeUrl(client.clientId!))
    expect(allowed.get('state')).toBe('the-state')
    expect(allowed.get('code')).toMatch(/^[\w-]{20,}$/)
    const denied = await signIn(authorizeUrl(client.clientId!), 'deny')
    expect(Object.fromEntries(denied)).toEqual({error: 'access_denied', error_description: expect.any(String), state: 'the-state'})
    expect((await emulator.stats()).operations.Authorize - before).toBe(2)
  })

  it('a bad client_id or redirect_uri is an error page, never a redirect; other bad parameters go back as error=', async () => {
    const client = await register()
    const device = await oidc.send(new RegisterClientCommand({clientName: 'device', clientType: 'public', scopes: ['sso:account:access']}))
    for (const url of [
      authorizeUrl('no-such-client'),
      authorizeUrl(device.clientId!), // registered for the device grant only
      authorizeUrl(client.clientId!, {redirect_uri: 'http://evil.example.com/oauth/callback'}),
      authorizeUrl(client.clientId!, {redirect_uri: 'http://127.0.0.1:5555/other/path'}),
      authorizeUrl(client.clientId!, {redirect_uri: 'https://127.0.0.1/oauth/callback'}),
    ]) {
      const r = await fetch(url, {redirect: 'manual'})
      expect(r.status, url).toBe(400)
      expect(r.headers.get('location')).toBeNull()
    }
    for (const [params, error] of [
      [{response_type: 'token'}, 'unsupported_response_type'],
      [{code_challenge_method: 'plain'}, 'invalid_request'],
      [{code_challenge: 'short'}, 'invalid_request'],
      [{scopes: 'sso:account:access admin:everything'}, 'invalid_scope'],
    ] as const) {
      const r = await fetch(authorizeUrl(client.clientId!, params), {redirect: 'manual'})
      expect(r.status).toBe(302)
      const back = new URL(r.headers.get('location')!)
      expect(back.searchParams.get('error')).toBe(error)
      expect(back.searchParams.get('state')).toBe('the-state')
    }
  })

  it('--auto-approve redirects at once', async () => {
    const auto = await startEmulator({autoApprove: true})
    try {
      const client = new SSOOIDCClient({region: 'us-east-1', endpoint: auto.url, maxAttempts: 1})
      const registered = await client.send(
        new RegisterClientCommand({
          clientName: 'k',
          clientType: 'public',
          scopes: ['sso:account:access'],
          grantTypes: ['authorization_code'],
          redirectUris: [REDIRECT],
          issuerUrl: START_URL,
        }),
      )
      client.destroy()
      const r = await fetch(authorizeUrl(registered.clientId!).replace(emulator.url, auto.url), {redirect: 'manual'})
      expect(r.status).toBe(302)
      expect(new URL(r.headers.get('location')!).searchParams.get('code')).toBeTruthy()
    } finally {
      await auto.close()
    }
  })
})

describe('CreateToken with grantType authorization_code', () => {
  async function codeFor() {
    const client = await register()
    const {verifier, challenge} = pkce()
    const code = (await signIn(authorizeUrl(client.clientId!, {code_challenge: challenge}))).get('code')!
    const redeem = (input: {code?: string; codeVerifier?: string; redirectUri?: string} = {}) =>
      oidc.send(
        new CreateTokenCommand({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          grantType: 'authorization_code',
          code,
          codeVerifier: verifier,
          redirectUri: CALLBACK,
          ...input,
        }),
      )
    return {client, code, verifier, redeem}
  }

  it('issues tokens once; the same code again (a replay) is invalid_grant', async () => {
    const {redeem} = await codeFor()
    const token = await redeem()
    expect(token.accessToken).toBeTruthy()
    expect(token.refreshToken).toBeTruthy()
    expect(await failure(redeem())).toEqual(invalidGrant)
  })

  it('a verifier that does not match the challenge is invalid_grant, and uses the code up', async () => {
    const {redeem} = await codeFor()
    expect(await failure(redeem({codeVerifier: pkce().verifier}))).toEqual(invalidGrant)
    expect(await failure(redeem())).toEqual(invalidGrant)
  })

  it('another redirect URI, an unknown code, an expired code: invalid_grant', async () => {
    expect(await failure((await codeFor()).redeem({redirectUri: 'http://127.0.0.1:1/oauth/callback'}))).toEqual(invalidGrant)
    expect(await failure((await codeFor()).redeem({code: 'made-up'}))).toEqual(invalidGrant)
    const late = await codeFor()
    await emulator.advanceClock(301)
    expect(await failure(late.redeem())).toEqual(invalidGrant)
  })

  it('a device-code client may not use the grant (unauthorized_client); stats count grants; issued lists codes and verifiers', async () => {
    const device = await oidc.send(new RegisterClientCommand({clientName: 'device', clientType: 'public', scopes: ['sso:account:access']}))
    const refused = await failure(
      oidc.send(
        new CreateTokenCommand({
          clientId: device.clientId,
          clientSecret: device.clientSecret,
          grantType: 'authorization_code',
          code: 'x',
          codeVerifier: 'y',
          redirectUri: CALLBACK,
        }),
      ),
    )
    expect(refused).toMatchObject({name: 'UnauthorizedClientException', status: 400, error: 'unauthorized_client'})
    const before = (await emulator.stats()).grants.authorization_code!
    const {redeem, code, verifier} = await codeFor()
    await redeem()
    expect((await emulator.stats()).grants.authorization_code! - before).toBe(1)
    expect(await emulator.issued()).toEqual(expect.arrayContaining([code, verifier]))
  })
})
