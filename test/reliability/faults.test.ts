import {readFileSync} from 'node:fs'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {generateAccounts} from '../emulator/fixture.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {spawnEmulator, startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, ssoSessionSection, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Identity Center misbehaving under keyless: a portal that fails a third of its calls and throttles at 20/s,
// an emulator that dies half-way through a login, and one that restarts and forgets every token.

const START_URL = 'https://keyless-demo.awsapps.com/start'
const EXPIRED = 'keyless: SSO session "acme" has expired; run: keyless login --session acme'
const figures: string[] = []

let sandbox: Sandbox
beforeEach(() => {
  sandbox = makeSandbox()
})
afterEach(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
})
afterAll(() => console.log('faults:\n' + figures.map((f) => `  ${f}`).join('\n')))

const keychainKeys = () => openKeychain({service: sandbox.keychainService}).keys()
const lastLine = (r: RunResult) => r.stderr.trimEnd().split('\n').at(-1) ?? ''
function expectNoStack(r: RunResult) {
  expect(r.stderr).not.toMatch(/^\s+at /m)
  expect(r.stderr).not.toMatch(/Error: |TypeError|SyntaxError/)
}

describe('a portal failing 35% of calls and throttling at 20 requests/s', () => {
  const ACCOUNTS = 40
  const ROLES = 3
  let emulator: EmulatorHandle
  beforeAll(async () => {
    emulator = await startEmulator({faultRate: 0.35, rateLimit: 20, accounts: ACCOUNTS, rolesPerAccount: ROLES})
  })
  afterAll(() => emulator.close())

  it('accounts and profiles sync still complete, with exactly the right accounts and profiles', async () => {
    await seedSession(emulator, sandbox)
    const env = {...sandbox.env, ...emulator.env()}
    const expected = generateAccounts(ACCOUNTS, ROLES)

    const started = Date.now()
    const listed = await runKeyless(['accounts', '--json'], {env, timeoutMs: 90_000})
    const listMs = Date.now() - started
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    const {accounts} = JSON.parse(listed.stdout) as {accounts: Array<{accountId: string; accountName: string; roles: string[]}>}
    expect(accounts.map((a) => a.accountId)).toEqual(expected.map((a) => a.accountId))
    for (const a of accounts) expect(a.roles).toEqual([...expected[0]!.roles].sort())
    const afterList = await emulator.stats()

    const syncStarted = Date.now()
    // --refresh: the sync lists again under the same faults (within the hour it would use the listing above).
    const synced = await runKeyless(['profiles', 'sync', '--refresh', '--json'], {env, timeoutMs: 90_000})
    const syncMs = Date.now() - syncStarted
    expect(synced.code).toBe(0)
    const result = JSON.parse(synced.stdout) as {added: string[]}
    expect(result.added).toHaveLength(ACCOUNTS * ROLES)
    const config = readFileSync(sandbox.configFile, 'utf8')
    for (const a of expected) for (const role of a.roles) expect(config).toContain(`[profile ${a.accountName}.${role}]\n`)
    expect(config.match(/^\[profile /gm)).toHaveLength(ACCOUNTS * ROLES)
    const after = await emulator.stats()

    expect(afterList.faults).toBeGreaterThan(0)
    expect(after.faults - afterList.faults).toBeGreaterThan(0)
    const calls = (s: typeof after) => s.operations.ListAccounts + s.operations.ListAccountRoles
    figures.push(
      `accounts (${ACCOUNTS} accounts x ${ROLES} roles) at fault rate 0.35, 20 rps: ${listMs} ms, ${calls(afterList)} portal calls, ` +
        `${afterList.faults} answered 500, ${afterList.throttled} answered 429`,
      `profiles sync under the same faults: ${syncMs} ms, ${calls(after) - calls(afterList)} portal calls, ` +
        `${after.faults - afterList.faults} answered 500, ${after.throttled - afterList.throttled} answered 429; ${result.added.length} profiles written`,
    )
  }, 120_000)
})

describe('the emulator dies in the middle of a login', () => {
  it('one clean line, exit 1, and nothing stored', async () => {
    const emulator = await spawnEmulator(['--port', '0'])
    try {
      writeFile(sandbox.configFile, ssoSessionSection('acme', START_URL))
      const before = allFiles(sandbox.home)
      let killed = false
      const started = Date.now()
      let killedAt = 0
      const out = await runKeyless(['login', '--no-browser'], {
        env: {...sandbox.env, ...emulator.env()},
        onStderr: (_, all) => {
          if (!killed && /approve this code in your browser/.test(all)) {
            killed = true
            killedAt = Date.now()
            emulator.child.kill('SIGKILL')
          }
        },
      })
      expect(killed).toBe(true)
      expect(out.code).toBe(1)
      expect(lastLine(out)).toBe(
        `keyless: cannot reach AWS Identity Center at ${emulator.url} (connection refused); check your network or VPN, and the sso_region of the session in your AWS config`,
      )
      // The flow line (which sign-in runs and why), then the one error line.
      expect(out.stderr.split('\n').filter((l) => l.startsWith('keyless:') && !l.startsWith('keyless: signing in with'))).toHaveLength(1)
      expectNoStack(out)
      expect(out.stdout).toBe('')
      expect(await keychainKeys()).toEqual([])
      expect(allFiles(sandbox.home)).toEqual(before)
      figures.push(
        `login with the emulator killed after the prompt: failed ${Date.now() - killedAt} ms after the kill (run ${Date.now() - started} ms)`,
      )
    } finally {
      await emulator.close()
    }
  })
})

describe('the emulator restarts and forgets every token and registration', () => {
  it('the next calls say "run keyless login", and keyless login then works', async () => {
    let emulator: EmulatorHandle = await startEmulator({autoApprove: true})
    const port = emulator.port
    try {
      writeFile(sandbox.configFile, ssoSessionSection('acme', START_URL))
      const env = () => ({...sandbox.env, ...emulator.env()})
      expect((await runKeyless(['login', '--no-browser'], {env: env()})).code).toBe(0)
      const admin = ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'AdministratorAccess']
      const cached = await runKeyless(admin, {env: env()})
      expect(cached.code).toBe(0)

      await emulator.close()
      emulator = await startEmulator({autoApprove: true, port})

      const accounts = await runKeyless(['accounts', '--refresh'], {env: env()})
      expect(accounts.code).toBe(1)
      expect(accounts.stderr.trim()).toBe(EXPIRED)
      const role = await runKeyless(
        ['credential-process', '--session', 'acme', '--account-id', '222222222222', '--role-name', 'ReadOnlyAccess'],
        {env: env()},
      )
      expect(role.code).toBe(1)
      expect(role.stderr.trim()).toBe(EXPIRED)
      expect(role.stdout).toBe('')
      const sync = await runKeyless(['profiles', 'sync'], {env: env()})
      expect(sync.code).toBe(1)
      expect(sync.stderr.trim()).toBe(EXPIRED)
      for (const r of [accounts, role, sync]) expectNoStack(r)
      // Role credentials already issued stay valid at AWS until they expire (as on AWS): still served.
      expect(JSON.parse((await runKeyless(admin, {env: env()})).stdout)).toEqual(JSON.parse(cached.stdout))

      // The stored client registration is unknown to the new server: login registers again and succeeds.
      const before = await emulator.stats()
      const again = await runKeyless(['login', '--no-browser'], {env: env()})
      expect(again.code).toBe(0)
      // Not "Already signed in": the token the server refused no longer counts as valid.
      expect(again.stdout).toMatch(/^Signed in to acme/)
      expect((await emulator.stats()).operations.RegisterClient - before.operations.RegisterClient).toBe(1)
      expect((await runKeyless(['accounts', '--refresh', '--json'], {env: env()})).code).toBe(0)
    } finally {
      await emulator.close()
    }
  })
})
