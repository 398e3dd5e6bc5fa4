import * as oidc from '@aws-sdk/client-sso-oidc'
import {describe, expect, it} from 'vitest'

import {MemoryStore} from '../helpers/memory-store.js'

import {registerClient, reusableRegistration} from '../../src/sso/client-registration.js'
import {SessionStore} from '../../src/sso/session-store.js'
import type {ClientRegistration, LoginFlow, SsoSession} from '../../src/sso/types.js'
import {REGISTRATION_EXPIRY_WINDOW_MS} from '../../src/timing.js'

// Pure logic: which stored registration a sign-in may use again, and what each flow registers. The flows against the
// emulator and the real keychain are in test/e2e/login.test.ts and test/e2e/login-auth-code.test.ts.

const NOW = 1_700_000_000_000
const session: SsoSession = {
  name: 'acme',
  startUrl: 'https://acme.awsapps.com/start',
  region: 'eu-west-1',
  scopes: ['sso:account:access', 'codewhisperer:completions'],
}

const stored = (over: Partial<ClientRegistration> = {}): ClientRegistration => ({
  clientId: 'cid',
  clientSecret: 'csecret-123456789',
  expiresAt: new Date(NOW + 30 * 86_400_000).toISOString(),
  region: session.region,
  scopes: [...session.scopes],
  issuerUrl: session.startUrl,
  ...over,
})

async function reused(flow: LoginFlow, registration: ClientRegistration, current: SsoSession = session) {
  const store = new SessionStore(new MemoryStore())
  await store.writeRegistration(session.name, registration, flow)
  return reusableRegistration(current, store, flow, NOW)
}

describe('reusableRegistration', () => {
  it("uses the flow's own stored registration again while it fits the session as configured", async () => {
    for (const flow of ['device-code', 'auth-code'] as const) expect(await reused(flow, stored())).toEqual(stored())
    // The same scopes in another order are the same registration.
    expect(await reused('device-code', stored({scopes: [...session.scopes].reverse()}))).toBeDefined()
  })

  it('registers anew for another region, other scopes, or one about to expire', async () => {
    for (const flow of ['device-code', 'auth-code'] as const) {
      expect(await reused(flow, stored({region: 'us-east-1'}))).toBeUndefined()
      expect(await reused(flow, stored({scopes: ['sso:account:access']}))).toBeUndefined()
      expect(await reused(flow, stored({expiresAt: new Date(NOW + REGISTRATION_EXPIRY_WINDOW_MS).toISOString()}))).toBeUndefined()
      expect(await reused(flow, stored({expiresAt: new Date(NOW + REGISTRATION_EXPIRY_WINDOW_MS + 1000).toISOString()}))).toBeDefined()
    }
  })

  it('the authorization-code flow registers anew for another start URL (its issuer); the device flow has none', async () => {
    const moved = {...session, startUrl: 'https://other.awsapps.com/start'}
    expect(await reused('auth-code', stored(), moved)).toBeUndefined()
    expect(await reused('auth-code', stored({issuerUrl: undefined}))).toBeUndefined()
    expect(await reused('device-code', stored({issuerUrl: undefined}), moved)).toBeDefined()
  })

  it("never takes the other flow's registration (their grant types differ)", async () => {
    const store = new SessionStore(new MemoryStore())
    await store.writeRegistration(session.name, stored(), 'device-code')
    expect(await reusableRegistration(session, store, 'auth-code', NOW)).toBeUndefined()
  })
})

/** An OIDC client that answers RegisterClient with `reply` and records what it was sent. */
function client(reply: Record<string, unknown>) {
  const sent: Array<Record<string, unknown>> = []
  return {
    sent,
    client: {
      async send(command: {input: Record<string, unknown>}) {
        sent.push(command.input)
        return reply
      },
    } as never,
  }
}

describe('registerClient', () => {
  it('the device flow registers a public client for the scopes; the authorization-code flow its grants, redirect and issuer', async () => {
    const device = client({clientId: 'd', clientSecret: 'dsecret-123456789', clientSecretExpiresAt: NOW / 1000 + 3600})
    expect(await registerClient(device.client, oidc, session, NOW)).toEqual({
      clientId: 'd',
      clientSecret: 'dsecret-123456789',
      expiresAt: new Date(NOW + 3_600_000).toISOString(),
      region: session.region,
      scopes: session.scopes,
    })
    expect(device.sent).toEqual([{clientName: 'keyless-acme', clientType: 'public', scopes: session.scopes}])

    const grant = {grantTypes: ['authorization_code', 'refresh_token'], redirectUri: 'http://127.0.0.1/oauth/callback'}
    const authCode = client({clientId: 'a', clientSecret: 'asecret-123456789'})
    const registration = await registerClient(authCode.client, oidc, session, NOW, grant)
    expect(authCode.sent).toEqual([
      {
        clientName: 'keyless-acme',
        clientType: 'public',
        scopes: session.scopes,
        grantTypes: grant.grantTypes,
        redirectUris: [grant.redirectUri],
        issuerUrl: session.startUrl,
      },
    ])
    // No clientSecretExpiresAt in the answer: Identity Center's usual 90 days.
    expect(registration).toMatchObject({issuerUrl: session.startUrl, expiresAt: new Date(NOW + 90 * 86_400_000).toISOString()})
  })

  it('refuses an incomplete answer or a secret too large to be real', async () => {
    await expect(registerClient(client({clientId: 'x'}).client, oidc, session, NOW)).rejects.toThrow(
      'Identity Center returned an incomplete client registration',
    )
    await expect(registerClient(client({clientId: 'x', clientSecret: 's'.repeat(70_000)}).client, oidc, session, NOW)).rejects.toThrow(
      /a client secret of 70,000 characters, too large to be real/,
    )
  })
})
