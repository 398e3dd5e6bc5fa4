import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {SessionStore} from '../../src/sso/session-store.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {SESSION, configText} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle, type EmulatorOptions} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {browserEvents, httpBrowserEnv} from '../helpers/http-browser.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'
import {writeRecordingBrowser} from '../helpers/recording-browser.js'

// Cross-process single flight of `keyless credential-process`: many real processes at once against the emulator
// and the real keychain, with the emulator's operation counts as the proof.

const ADMIN = {accountId: '111111111111', roleName: 'AdministratorAccess'}
const READ = {accountId: '222222222222', roleName: 'ReadOnlyAccess'}
type Role = typeof ADMIN

let sandbox: Sandbox
let emulator: EmulatorHandle
const outputs: RunResult[] = []

function cp(
  role: Role,
  extra: {autoLogin?: boolean; env?: NodeJS.ProcessEnv; onSpawn?: (c: import('node:child_process').ChildProcess) => void} = {},
) {
  const argv = ['credential-process', '--session', SESSION, '--account-id', role.accountId, '--role-name', role.roleName]
  if (extra.autoLogin) argv.push('--auto-login')
  return runKeyless(argv, {env: {...sandbox.env, ...emulator.env(), ...extra.env}, onSpawn: extra.onSpawn, timeoutMs: 90_000}).then((r) => {
    outputs.push(r)
    return r
  })
}
const ops = async () => (await emulator.stats()).operations
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, after[k]! - before[k]!])
      .filter(([, v]) => v !== 0),
  )

function expectAllSucceeded(results: RunResult[]) {
  for (const r of results) {
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/)})
  }
}

function useEmulator(options: EmulatorOptions, seed: {tokenExpiresInSeconds?: number} | 'none' = {}) {
  beforeAll(async () => {
    emulator = await startEmulator(options)
  })
  beforeEach(async () => {
    sandbox = makeSandbox()
    const fixture = await emulator.fixture()
    writeFile(sandbox.configFile, configText(fixture.startUrl, fixture.region, []))
    if (seed !== 'none') await seedSession(emulator, sandbox, {...seed, skipConfig: true})
  })
  afterEach(async () => {
    const leaks = findLeaks(await emulator.issued(), [
      ...allFiles(sandbox.home),
      ...outputs.splice(0).map((o, i) => ({path: `stderr of run ${i}`, text: o.stderr})),
    ])
    await wipeSandboxKeychain(sandbox)
    sandbox.cleanup()
    expect(leaks).toEqual([])
  })
  afterAll(async () => {
    await emulator.close()
  })
}

describe('32 concurrent calls with a valid session', () => {
  useEmulator({})

  it('cold: exactly one GetRoleCredentials and no CreateToken, every caller gets the same credentials; warm: no call', async () => {
    const before = await ops()
    const cold = await Promise.all(Array.from({length: 32}, () => cp(ADMIN)))
    expectAllSucceeded(cold)
    expect(new Set(cold.map((r) => r.stdout)).size).toBe(1)
    const afterCold = await ops()
    expect(delta(afterCold, before)).toEqual({GetRoleCredentials: 1})

    const warm = await Promise.all(Array.from({length: 32}, () => cp(ADMIN)))
    expectAllSucceeded(warm)
    expect(warm.every((r) => r.stdout === cold[0]!.stdout)).toBe(true)
    expect(await ops()).toEqual(afterCold)
  })

  it('a holder killed with SIGKILL while it holds the role lock does not block the next caller', async () => {
    const lockFile = join(sandbox.cacheDir, 'locks', `role-${SESSION}-${ADMIN.accountId}-${ADMIN.roleName}.lock`)
    // The holder hangs inside GetRoleCredentials (the emulator answers late), with the role lock held.
    emulator.state!.config.latencyMs = 60_000
    let holder: import('node:child_process').ChildProcess | undefined
    const holderRun = cp(ADMIN, {onSpawn: (c) => (holder = c)})
    try {
      for (let i = 0; i < 400 && !existsSync(lockFile); i++) await new Promise((r) => setTimeout(r, 25))
      expect(existsSync(lockFile)).toBe(true)
      holder!.kill('SIGKILL')
      expect((await holderRun).signal).toBe('SIGKILL')
    } finally {
      emulator.state!.config.latencyMs = 0
    }
    expect(existsSync(lockFile)).toBe(true) // left behind by the crash
    const before = await ops()
    const next = await cp(ADMIN)
    expectAllSucceeded([next])
    expect(delta(await ops(), before)).toEqual({GetRoleCredentials: 1})
    expect(existsSync(lockFile)).toBe(false)
  })
})

describe('32 concurrent calls with the access token near expiry and rotating refresh tokens', () => {
  // The stored token has 10 minutes left: inside the 15-minute refresh window from the start. (The refreshed one
  // gets the emulator's 8 hours; with a TTL under 15 minutes every call would rightly refresh again.)
  useEmulator({rotateRefreshTokens: true}, {tokenExpiresInSeconds: 600})

  it('one CreateToken for all of them (a second refresh would use a rotated-out token), one GetRoleCredentials per role', async () => {
    const store = new SessionStore(openKeychain({service: sandbox.keychainService}))
    const oldToken = (await store.readToken(SESSION))!
    const before = await ops()
    const results = await Promise.all(Array.from({length: 32}, (_, i) => cp(i % 2 ? ADMIN : READ)))
    expectAllSucceeded(results)
    expect(delta(await ops(), before)).toEqual({CreateToken: 1, GetRoleCredentials: 2})
    const newToken = (await store.readToken(SESSION))!
    expect(newToken.refreshToken).toBeTruthy()
    expect(newToken.refreshToken).not.toBe(oldToken.refreshToken)
    expect(newToken.accessToken).not.toBe(oldToken.accessToken)
  })
})

describe('--auto-login with an expired session', () => {
  useEmulator({autoApprove: true}, 'none')

  it('8 concurrent callers: one device flow, one browser open, 8 successes', async () => {
    // The session asks for the device flow (keyless configure --login-flow device-code), whatever this machine is.
    const config = readFileSync(sandbox.configFile, 'utf8')
    writeFile(sandbox.configFile, config.replace('sso_registration_scopes = sso:account:access\n', '$&keyless_login_flow = device-code\n'))
    const record = join(sandbox.home, 'browser-urls.txt')
    const browser = join(sandbox.home, 'fake-browser.sh')
    writeRecordingBrowser(browser, record)
    const before = await ops()
    const roles = [ADMIN, ADMIN, READ, ADMIN, READ, ADMIN, ADMIN, READ]
    const results = await Promise.all(roles.map((role) => cp(role, {autoLogin: true, env: {BROWSER: browser, DISPLAY: ':99'}})))
    for (const r of results) {
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject({Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/)})
    }
    const d = delta(await ops(), before)
    expect(d.StartDeviceAuthorization).toBe(1)
    expect(d.RegisterClient).toBe(1)
    expect(d.GetRoleCredentials).toBe(2)
    const urls = readFileSync(record, 'utf8').trim().split('\n')
    expect(urls).toHaveLength(1)
    expect(urls[0]).toMatch(new RegExp(`^${emulator.url}/device\\?user_code=`))
    // The instructions went to stderr of exactly the one caller that ran the flow.
    const instructed = results.filter((r) => /approve this code in your browser/.test(r.stderr))
    expect(instructed).toHaveLength(1)
    expect(results.filter((r) => r.stderr !== '')).toHaveLength(1)
  })

  it('8 concurrent callers on the authorization-code flow: one Authorize, one CreateToken, one browser open, 8 successes', async () => {
    const log = join(sandbox.home, 'browser.log')
    const before = await emulator.stats()
    const roles = [ADMIN, ADMIN, READ, ADMIN, READ, ADMIN, ADMIN, READ]
    const env = {...httpBrowserEnv(sandbox.home, log), KEYLESS_HOST_KIND: 'host'}
    const results = await Promise.all(roles.map((role) => cp(role, {autoLogin: true, env})))
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject({Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/)})
    }
    const after = await emulator.stats()
    const d = delta(after.operations, before.operations)
    expect(d).toEqual({RegisterClient: 1, Authorize: 1, CreateToken: 1, GetRoleCredentials: 2})
    expect(after.grants.authorization_code! - before.grants.authorization_code!).toBe(1)
    const events = browserEvents(log)
    expect(events.filter((e) => e.event === 'opened')).toHaveLength(1)
    expect(events.find((e) => e.event === 'landed')).toMatchObject({status: 200, title: 'Signed in'})
    // The instructions went to stderr of exactly the one caller that ran the flow, naming the flow and why.
    const instructed = results.filter((r) => r.stderr !== '')
    expect(instructed).toHaveLength(1)
    expect(instructed[0]!.stderr).toContain('keyless: signing in with authorization code with PKCE (a browser opens on this machine)')
  })

  it('without --auto-login the same callers fail at once with the login line', async () => {
    const results = await Promise.all(Array.from({length: 4}, () => cp(ADMIN)))
    for (const r of results) {
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(`keyless: SSO session "${SESSION}" is not signed in; run: keyless login --session ${SESSION}\n`)
    }
  })
})
