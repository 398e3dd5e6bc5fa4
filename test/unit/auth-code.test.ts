import {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'
import {describe, expect, it} from 'vitest'

import {authorizeUrl, resolveOidcEndpoint} from '../../src/sso/authorize-url.js'
import {chooseLoginFlow, detectHostKind, flowLine} from '../../src/sso/login-flow.js'
import {codeChallengeS256, createCodeVerifier, createState, sameState} from '../../src/sso/pkce.js'
import type {SsoSession} from '../../src/sso/types.js'

describe('PKCE (RFC 7636)', () => {
  it('S256 of the appendix B verifier is the appendix B challenge', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })

  it('verifiers are 43-128 unreserved characters, and never repeat', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const v = createCodeVerifier()
      expect(v).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/)
      seen.add(v)
    }
    expect(seen.size).toBe(200)
    expect(codeChallengeS256(createCodeVerifier())).toMatch(/^[\w-]{43}$/) // base64url, no padding
  })

  it('state: random, compared exactly; missing or different never matches', () => {
    const state = createState()
    expect(state).toMatch(/^[\w-]{22}$/)
    expect(createState()).not.toBe(state)
    expect(sameState(state, state)).toBe(true)
    expect(sameState(state, `${state}x`)).toBe(false)
    expect(sameState(state, state.slice(0, -1) + (state.endsWith('A') ? 'B' : 'A'))).toBe(false)
    expect(sameState(state, null)).toBe(false)
    expect(sameState(state, undefined)).toBe(false)
    expect(sameState(state, '')).toBe(false)
  })
})

describe('the authorize URL', () => {
  it('is <oidc endpoint>/authorize with every parameter PRODUCT.md section 10 lists, encoded', () => {
    const url = authorizeUrl({
      oidcEndpoint: 'https://oidc.eu-west-1.amazonaws.com',
      clientId: 'client-id',
      redirectUri: 'http://127.0.0.1:4567/oauth/callback',
      scopes: ['sso:account:access', 'codewhisperer:completions'],
      state: 'st&te',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    })
    expect(url).toBe(
      'https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=client-id' +
        '&redirect_uri=http%3A%2F%2F127.0.0.1%3A4567%2Foauth%2Fcallback&scopes=sso%3Aaccount%3Aaccess+codewhisperer%3Acompletions' +
        '&state=st%26te&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
    )
    // An endpoint with a path keeps it.
    expect(
      authorizeUrl({
        oidcEndpoint: 'http://127.0.0.1:9/proxy/',
        clientId: 'c',
        redirectUri: 'r',
        scopes: [],
        state: 's',
        codeChallenge: 'x',
      }),
    ).toMatch(/^http:\/\/127\.0\.0\.1:9\/proxy\/authorize\?/)
  })

  it('its endpoint is the one the SDK resolves: the region, or AWS_ENDPOINT_URL(_SSO_OIDC), without a network call', async () => {
    const saved = {...process.env}
    try {
      delete process.env.AWS_ENDPOINT_URL
      delete process.env.AWS_ENDPOINT_URL_SSO_OIDC
      expect(await resolveOidcEndpoint(new SSOOIDCClient({region: 'eu-central-1'}))).toBe('https://oidc.eu-central-1.amazonaws.com')
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1'
      expect(await resolveOidcEndpoint(new SSOOIDCClient({region: 'eu-central-1'}))).toBe('http://127.0.0.1:1')
      process.env.AWS_ENDPOINT_URL_SSO_OIDC = 'http://127.0.0.1:2'
      expect(await resolveOidcEndpoint(new SSOOIDCClient({region: 'eu-central-1'}))).toBe('http://127.0.0.1:2')
    } finally {
      process.env = saved
    }
  })
})

describe('which flow a browser sign-in uses', () => {
  const session = (loginFlow?: string): SsoSession => ({
    name: 'acme',
    startUrl: 'https://acme.awsapps.com/start',
    region: 'us-east-1',
    scopes: ['sso:account:access'],
    loginFlow,
  })
  const desktop = {DISPLAY: ':0'}
  const choose = (
    input: {deviceCode?: boolean; noBrowser?: boolean; loginFlow?: string},
    env: NodeJS.ProcessEnv = desktop,
    kind: 'host' | 'wsl' | 'container' = 'host',
    platform: NodeJS.Platform = 'linux',
  ) =>
    chooseLoginFlow(
      {deviceCode: input.deviceCode ?? false, noBrowser: input.noBrowser ?? false, session: session(input.loginFlow)},
      env,
      platform,
      () => kind,
    )

  it('authorization code where a browser opens on this machine; the device flow elsewhere', () => {
    expect(choose({})).toEqual({flow: 'auth-code', reason: 'a browser opens on this machine', openBrowser: true})
    expect(choose({}, {}, 'host', 'darwin').flow).toBe('auth-code')
    expect(choose({}, {}).flow).toBe('device-code') // Linux without a display
    expect(choose({}, {...desktop, SSH_CONNECTION: 'x'})).toMatchObject({
      flow: 'device-code',
      openBrowser: false,
      noBrowserReason: 'this is an SSH session',
    })
    expect(choose({}, desktop, 'wsl')).toMatchObject({flow: 'device-code', openBrowser: true})
    expect(choose({}, desktop, 'container')).toMatchObject({flow: 'device-code', openBrowser: true})
  })

  it('the flags win over the saved setting, the setting over the machine', () => {
    expect(choose({deviceCode: true, loginFlow: 'auth-code'})).toMatchObject({flow: 'device-code', reason: '--device-code was given'})
    expect(choose({noBrowser: true, loginFlow: 'auth-code'})).toMatchObject({
      flow: 'device-code',
      openBrowser: false,
      noBrowserReason: '--no-browser',
    })
    expect(choose({loginFlow: 'device-code'})).toMatchObject({
      flow: 'device-code',
      reason: 'keyless_login_flow = device-code in [sso-session acme]',
    })
    expect(choose({loginFlow: 'auth-code'}, desktop, 'container')).toMatchObject({flow: 'auth-code', openBrowser: true})
    expect(choose({loginFlow: 'auth-code'}, {SSH_TTY: '/dev/pts/1'})).toMatchObject({
      flow: 'auth-code',
      openBrowser: false,
      noBrowserReason: 'this is an SSH session',
    })
    expect(() => choose({loginFlow: 'sometimes'})).toThrow(
      /keyless_login_flow = sometimes in \[sso-session acme\] is neither auth-code nor device-code/,
    )
  })

  it('says which flow and why in one line', () => {
    expect(flowLine(choose({}))).toBe('keyless: signing in with authorization code with PKCE (a browser opens on this machine)')
    expect(flowLine(choose({deviceCode: true}))).toBe('keyless: signing in with the device code flow (--device-code was given)')
  })

  it('detects WSL and containers as AWS CLI users meet them', () => {
    const none = () => false
    const text = (release: string) => (path: string) => (path === '/proc/sys/kernel/osrelease' ? release : undefined)
    expect(detectHostKind({}, 'linux', none, text('6.1.0-13-amd64'))).toBe('host')
    expect(detectHostKind({}, 'linux', none, text('5.15.153.1-microsoft-standard-WSL2'))).toBe('wsl')
    expect(detectHostKind({WSL_DISTRO_NAME: 'Ubuntu'}, 'linux', none, text(''))).toBe('wsl')
    expect(detectHostKind({}, 'linux', (p) => p === '/.dockerenv', text(''))).toBe('container')
    expect(detectHostKind({}, 'linux', (p) => p === '/run/.containerenv', text(''))).toBe('container')
    expect(detectHostKind({}, 'darwin', () => true, text('microsoft'))).toBe('host')
    expect(detectHostKind({KEYLESS_HOST_KIND: 'host'}, 'linux', () => true, text('microsoft'))).toBe('host')
  })
})
