import {describe, expect, it} from 'vitest'

import {MemoryStore} from '../helpers/memory-store.js'

import {RoleNotAssignedError} from '../../src/credentials/errors.js'
import {obtainRoleCredentials, type RoleCredentialsDeps, type RoleRequest} from '../../src/credentials/role-credentials.js'
import {SessionExpiredError} from '../../src/sso/errors.js'
import {SessionStore} from '../../src/sso/session-store.js'
import type {RoleCredentials, SsoSession} from '../../src/sso/types.js'

// The cache-miss logic of credential-process with in-memory keychain, in-process locks and a scripted portal.
// The same against real processes, the real keychain and the emulator: test/e2e and test/reliability.

/** A mutex per name, like the file locks but inside one process. */
function locks() {
  const tails = new Map<string, Promise<unknown>>()
  const held: string[] = []
  const waits: number[] = []
  const withLock = async <T>(name: string, fn: () => Promise<T>, waitMs: number): Promise<T> => {
    waits.push(waitMs)
    const previous = tails.get(name) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((r) => (release = r))
    tails.set(
      name,
      previous.then(() => mine),
    )
    await previous
    held.push(name)
    try {
      return await fn()
    } finally {
      release()
    }
  }
  return {withLock, held, waits}
}

const NOW = Date.parse('2030-01-01T12:00:00Z')
const session: SsoSession = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access']}
const request: RoleRequest = {session, accountId: '111111111111', roleName: 'Admin', autoLogin: false}

function harness(options: {tokenMinutes?: number; refreshToken?: boolean; credsMinutes?: number} = {}) {
  const secrets = new MemoryStore()
  const store = new SessionStore(secrets)
  const lock = locks()
  const calls = {fetch: 0, login: [] as boolean[], createToken: 0, warnings: [] as string[]}
  const writeToken = (accessToken: string, minutes: number) =>
    store.writeToken(session.name, {
      accessToken,
      expiresAt: new Date(NOW + minutes * 60_000).toISOString(),
      refreshToken: options.refreshToken ? 'refresh-token-1' : undefined,
      startUrl: session.startUrl,
      region: session.region,
    })
  let fetchError: Error | undefined
  const deps: RoleCredentialsDeps = {
    store,
    now: () => NOW,
    warn: (line) => calls.warnings.push(line),
    withSessionLock: (name, fn, waitMs) => lock.withLock(`session-${name}`, fn, waitMs),
    withRoleLock: (r, fn, waitMs) => lock.withLock(`role-${r.accountId}-${r.roleName}`, fn, waitMs),
    fetch: async (_s, accessToken, accountId, roleName): Promise<RoleCredentials> => {
      calls.fetch++
      await new Promise((r) => setTimeout(r, 5))
      if (fetchError) {
        const error = fetchError
        fetchError = undefined
        throw error
      }
      return {
        accessKeyId: `ASIA${accountId}`,
        secretAccessKey: `secret-of-${accessToken}-${roleName}`,
        sessionToken: 'session-token',
        expiresAt: new Date(NOW + (options.credsMinutes ?? 60) * 60_000).toISOString(),
      }
    },
    login: async (_s, {force}) => {
      calls.login.push(force)
      await writeToken('token-after-login', 480)
    },
    oidc: async () =>
      ({
        destroy() {},
        async send() {
          calls.createToken++
          await new Promise((r) => setTimeout(r, 5))
          return {accessToken: 'token-refreshed', expiresIn: 28800}
        },
      }) as never,
  }
  return {store, deps, calls, lock, writeToken, failNextFetch: (e: Error) => (fetchError = e)}
}

describe('obtainRoleCredentials', () => {
  it('fetches with a valid token, stores the credentials in the keychain and returns them', async () => {
    const h = harness()
    await h.writeToken('token-1', 120)
    const creds = await obtainRoleCredentials(request, h.deps)
    expect(creds.secretAccessKey).toBe('secret-of-token-1-Admin')
    // Stored bound to the session's start URL, region and sign-in (issue 17, item 2).
    expect(await h.store.readRoleCredentials('acme', '111111111111', 'Admin')).toEqual({
      ...creds,
      startUrl: session.startUrl,
      region: session.region,
      signIn: '',
    })
    expect(h.calls.fetch).toBe(1)
    expect(h.lock.held).toEqual(['role-111111111111-Admin'])
  })

  it('re-reads the cache under the role lock: credentials stored by the previous holder are reused', async () => {
    const h = harness()
    await h.writeToken('token-1', 120)
    const results = await Promise.all(Array.from({length: 10}, () => obtainRoleCredentials(request, h.deps)))
    expect(h.calls.fetch).toBe(1)
    expect(new Set(results.map((r) => r.secretAccessKey)).size).toBe(1)
  })

  it('refreshes a token near expiry once for all concurrent callers, under the session lock', async () => {
    const h = harness({tokenMinutes: 10, refreshToken: true})
    await h.writeToken('token-old', 10)
    await h.store.writeRegistration('acme', {
      clientId: 'c',
      clientSecret: 's',
      expiresAt: new Date(NOW + 86400_000).toISOString(),
      region: 'us-east-1',
      scopes: [],
    })
    const roles = ['A', 'B', 'C', 'D']
    const results = await Promise.all(roles.map((roleName) => obtainRoleCredentials({...request, roleName}, h.deps)))
    expect(h.calls.createToken).toBe(1)
    expect(h.calls.fetch).toBe(4)
    expect(results.every((r) => r.secretAccessKey.startsWith('secret-of-token-refreshed'))).toBe(true)
  })

  it('fails with SessionExpiredError when there is no usable token and no --auto-login', async () => {
    const h = harness()
    await expect(obtainRoleCredentials(request, h.deps)).rejects.toBeInstanceOf(SessionExpiredError)
    expect(h.calls.login).toEqual([])
    expect(h.calls.fetch).toBe(0)
  })

  it('with --auto-login logs in once for all concurrent callers, then every caller succeeds', async () => {
    const h = harness()
    const roles = ['A', 'B', 'A', 'C', 'A', 'B', 'C', 'A']
    // The real login() returns early when the token is already valid; model that.
    const login = h.deps.login!
    h.deps.login = async (s, o) => {
      const token = await h.store.readToken('acme')
      if (token && !o.force) return
      return login(s, o)
    }
    const results = await Promise.all(roles.map((roleName) => obtainRoleCredentials({...request, roleName, autoLogin: true}, h.deps)))
    expect(h.calls.login).toEqual([false])
    expect(h.calls.fetch).toBe(3)
    expect(results).toHaveLength(8)
    expect(h.lock.waits.every((w) => w >= 10 * 60_000)).toBe(true)
  })

  it('with --auto-login forces a new login when Identity Center refuses the stored token (401)', async () => {
    const h = harness()
    await h.writeToken('token-revoked', 120)
    h.failNextFetch(new SessionExpiredError('acme'))
    const creds = await obtainRoleCredentials({...request, autoLogin: true}, h.deps)
    expect(h.calls.login).toEqual([true])
    expect(creds.secretAccessKey).toBe('secret-of-token-after-login-Admin')
  })

  it('does not store anything and passes the error on when the role is not assigned', async () => {
    const h = harness()
    await h.writeToken('token-1', 120)
    h.failNextFetch(new RoleNotAssignedError('acme', '111111111111', 'Admin'))
    await expect(obtainRoleCredentials(request, h.deps)).rejects.toBeInstanceOf(RoleNotAssignedError)
    expect(await h.store.readRoleCredentials('acme', '111111111111', 'Admin')).toBeUndefined()
  })

  it('warns (stderr) when AWS hands out credentials that are already inside the 15-minute window', async () => {
    const h = harness({credsMinutes: 10})
    await h.writeToken('token-1', 120)
    const creds = await obtainRoleCredentials(request, h.deps)
    expect(creds.accessKeyId).toBe('ASIA111111111111')
    expect(h.calls.warnings).toHaveLength(1)
    expect(h.calls.warnings[0]).toMatch(/expire in 10 min.*clock/)
    expect(h.calls.warnings[0]).not.toContain(creds.secretAccessKey)
  })

  it('serves a cached entry only to the start URL, region and sign-in it was fetched for', async () => {
    const h = harness()
    await h.store.writeToken('acme', {
      accessToken: 'token-1',
      expiresAt: new Date(NOW + 120 * 60_000).toISOString(),
      startUrl: session.startUrl,
      region: session.region,
      signInId: 'sign-in-1',
    })
    const first = await obtainRoleCredentials(request, h.deps)
    expect(await obtainRoleCredentials(request, h.deps)).toMatchObject({secretAccessKey: first.secretAccessKey})
    expect(h.calls.fetch).toBe(1)
    // The same section re-pointed to another organisation (with a token for it): the old entry is not served.
    const other = {...session, startUrl: 'https://other.awsapps.com/start'}
    await h.store.writeToken('acme', {
      accessToken: 'token-2',
      expiresAt: new Date(NOW + 120 * 60_000).toISOString(),
      startUrl: other.startUrl,
      region: other.region,
      signInId: 'sign-in-1',
    })
    expect((await obtainRoleCredentials({...request, session: other}, h.deps)).secretAccessKey).toBe('secret-of-token-2-Admin')
    expect(h.calls.fetch).toBe(2)
    // Another sign-in to the same start URL: not served either.
    await h.store.writeToken('acme', {
      accessToken: 'token-3',
      expiresAt: new Date(NOW + 120 * 60_000).toISOString(),
      startUrl: other.startUrl,
      region: other.region,
      signInId: 'sign-in-2',
    })
    expect((await obtainRoleCredentials({...request, session: other}, h.deps)).secretAccessKey).toBe('secret-of-token-3-Admin')
    expect(h.calls.fetch).toBe(3)
  })

  it('an entry from before the binding (no start URL in it) is never served', async () => {
    const h = harness()
    await h.writeToken('token-1', 120)
    const old = {
      accessKeyId: 'ASIAOLD',
      secretAccessKey: 'old-secret',
      sessionToken: 't',
      expiresAt: new Date(NOW + 60 * 60_000).toISOString(),
    }
    await (h.store as unknown as {keychain: {set: (k: string, v: string) => Promise<void>}}).keychain.set(
      'session/acme/role/111111111111/Admin',
      JSON.stringify(old),
    )
    expect((await obtainRoleCredentials(request, h.deps)).secretAccessKey).toBe('secret-of-token-1-Admin')
  })

  it('credentials fetched while another sign-in replaced the token are returned but not cached', async () => {
    const h = harness()
    await h.store.writeToken('acme', {
      accessToken: 'token-1',
      expiresAt: new Date(NOW + 120 * 60_000).toISOString(),
      startUrl: session.startUrl,
      region: session.region,
      signInId: 'a',
    })
    const fetch = h.deps.fetch
    h.deps.fetch = async (...args) => {
      const creds = await fetch(...args)
      await h.store.writeToken('acme', {
        accessToken: 'token-b',
        expiresAt: new Date(NOW + 120 * 60_000).toISOString(),
        startUrl: session.startUrl,
        region: session.region,
        signInId: 'b',
      })
      return creds
    }
    await obtainRoleCredentials(request, h.deps)
    expect(await h.store.readRoleCredentials('acme', '111111111111', 'Admin')).toBeUndefined()
  })
})
