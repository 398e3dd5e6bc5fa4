import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openSessionStore} from '../../src/sso/session-store.js'
import {runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {startRewritingProxy, type RewritingProxy} from '../helpers/rewriting-proxy.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain, type SeededSession} from '../helpers/seed-session.js'

// Issue 29 item 3: Identity Center rotates refresh tokens (each works once). A token refresh whose answer comes back
// late, after the server has already replaced the refresh token, must not cost the session: keyless keeps waiting for
// the answer in flight, never replays the used refresh token, and when nothing can be saved says what happened.
// The emulator rotates; a proxy in front of it forwards CreateToken at once and holds the answer back.

/** Short timings (src/timing.ts) in the proportions of the real ones: 1 s of silence ends a response (10 s), a 2 s
 * per-call deadline (20 s), then 3 s more for a refresh's answer (15 s). */
const TIMING = {KEYLESS_AWS_RESPONSE_TIMEOUT_MS: '1000', KEYLESS_AWS_DEADLINE_MS: '2000', KEYLESS_REFRESH_GRACE_MS: '3000'}
const role = (name: string) => ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', name]

let emulator: EmulatorHandle
let proxy: RewritingProxy
let sandbox: Sandbox
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  emulator = await startEmulator({rotateRefreshTokens: true})
  proxy = await startRewritingProxy(emulator.url)
})
afterAll(async () => {
  await proxy.close()
  await emulator.close()
})
beforeEach(() => {
  sandbox = makeSandbox()
  env = {...sandbox.env, ...proxy.env(), ...TIMING}
  proxy.clear()
})
afterEach(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
})

const store = () => openSessionStore('keychain', sandbox.env)
const refreshes = () => proxy.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/token')).length

/** A signed-in session whose access token has 10 minutes left: due for a refresh, still usable meanwhile. */
async function dueSession(): Promise<SeededSession> {
  return seedSession(emulator, sandbox, {tokenExpiresInSeconds: 600})
}

describe('a refresh whose answer arrives after the per-call deadline (refresh tokens rotate)', () => {
  it('is waited for, with a line on stderr: the new refresh token is stored and works', async () => {
    const seeded = await dueSession()
    const before = refreshes()
    proxy.rule({match: '/token', action: {kind: 'delay', ms: 3500}, times: 1})
    const r = await runKeyless(role('ReadOnlyAccess'), {env})
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/)})
    // Sent once: a retry would have replayed the refresh token the server had just used up.
    expect(refreshes() - before).toBe(1)
    const stored = await store().readToken('acme')
    expect(stored?.refreshToken).toBeDefined()
    expect(stored?.refreshToken === seeded.refreshToken, 'the used-up refresh token is still the stored one').toBe(false)
    expect(stored?.refreshAbandonedAt).toBeUndefined()
    // The stored refresh token is the one the server now accepts: the next refresh (due again) succeeds.
    await store().writeToken('acme', {...stored!, expiresAt: new Date(Date.now() + 600_000).toISOString()})
    const again = await runKeyless(role('AdministratorAccess'), {env})
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    expect(refreshes() - before).toBe(2)
    expect(r.stderr).toBe(
      'keyless: AWS Identity Center has not answered the token refresh of session acme in 2 s; waiting up to 3 s more ' +
        "(its answer carries the session's new refresh token)\n",
    )
  })

  it('concurrent callers still make one refresh between them, and all get credentials', async () => {
    await dueSession()
    const before = refreshes()
    proxy.rule({match: '/token', action: {kind: 'delay', ms: 3500}, times: 1})
    const runs = await Promise.all([1, 2, 3].map(() => runKeyless(role('ReadOnlyAccess'), {env})))
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1)
    expect(refreshes() - before).toBe(1)
  })
})

describe('a refresh whose answer does not come within the wait', () => {
  it('the current access token is used meanwhile; the refusal that follows says what happened and what to run', async () => {
    await dueSession()
    proxy.rule({match: '/token', action: {kind: 'delay', ms: 9000}, times: 1})
    const first = await runKeyless(role('ReadOnlyAccess'), {env})
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(
      /^keyless: AWS Identity Center has not answered the token refresh of session acme in 2 s; waiting up to 3 s more .*\nkeyless: AWS Identity Center did not answer the token refresh of session acme in 5 s; using the current access token \(valid until \S+\); if the next refresh is refused, run: keyless login --session acme\n$/,
    )
    expect((await store().readToken('acme'))?.refreshAbandonedAt).toBeDefined()
    // The server took that refresh and replaced the refresh token; keyless never saw the answer.
    const next = await runKeyless(role('AdministratorAccess'), {env})
    expect(next.code).toBe(1)
    expect(next.stdout).toBe('')
    expect(next.stderr).toMatch(
      /^keyless: SSO session "acme" has expired \(Identity Center refused its refresh token: a refresh at \S+ got no answer in time, and Identity Center, which replaces the refresh token at each refresh, had most likely done so in that lost answer\); run: keyless login --session acme\n$/,
    )
    // Nothing keeps retrying the dead refresh token.
    expect(await store().readToken('acme')).toBeUndefined()
  })
})
