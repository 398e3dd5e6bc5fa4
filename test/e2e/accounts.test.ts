import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {accountsCachePath} from '../../src/accounts/cache.js'
import {generateAccounts, type FixtureAccount} from '../emulator/fixture.js'
import {KEYLESS_BIN, runKeyless, runProcess} from '../helpers/cli.js'
import {moduleTraceFiles, TRACE_HOOK, traceRegister} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle, type Stats} from '../helpers/emulator.js'
import {allFiles, findLeaks} from '../helpers/files.js'
import {runInTerminal} from '../helpers/pty.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, useSignedInEmulator, wipeSandboxKeychain} from '../helpers/seed-session.js'

const EXPIRED_LINE = 'keyless: SSO session "acme" has expired; run: keyless login --session acme'

/** The --json the fixture's accounts must produce: sorted by name, roles sorted. */
function expectedJson(accounts: FixtureAccount[]) {
  return {
    session: 'acme',
    accounts: accounts
      .map(({accountId, accountName, emailAddress, roles}) => ({accountId, accountName, emailAddress, roles: [...roles].sort()}))
      .sort((a, b) => a.accountName.localeCompare(b.accountName, 'en')),
  }
}

const portalCalls = (s: Stats) => s.operations.ListAccounts + s.operations.ListAccountRoles

describe('keyless accounts (default fixture)', () => {
  const signedIn = useSignedInEmulator()

  it('prints the --json shape exactly, sorted by account name', async () => {
    const run = await runKeyless(['accounts', '--json'], {env: signedIn.env})
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      session: 'acme',
      accounts: [
        {accountId: '333333333333', accountName: 'production', emailAddress: expect.any(String), roles: ['ReadOnlyAccess']},
        {
          accountId: '111111111111',
          accountName: 'sandbox',
          emailAddress: expect.any(String),
          roles: ['AdministratorAccess', 'ReadOnlyAccess'],
        },
        {accountId: '222222222222', accountName: 'staging', emailAddress: expect.any(String), roles: ['PowerUserAccess', 'ReadOnlyAccess']},
      ],
    })
    const file = accountsCachePath('acme', signedIn.sandbox.env)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(file, 'utf8')).accounts).toEqual(JSON.parse(run.stdout).accounts)
  })

  it('serves the cache without any portal call; on a pipe plain tab-separated rows (no header), a summary on stderr', async () => {
    const before = await signedIn.emulator.stats()
    const run = await runKeyless(['accounts', '--session', 'acme'], {env: signedIn.env})
    expect(run.code).toBe(0)
    expect(portalCalls(await signedIn.emulator.stats())).toBe(portalCalls(before))
    // Issue 21 item 11: `keyless accounts | head` gets rows, not box drawing.
    expect(run.stdout).toBe(
      [
        'production\t333333333333\taws-production@keyless-demo.example.com\tReadOnlyAccess',
        'sandbox\t111111111111\taws-sandbox@keyless-demo.example.com\tAdministratorAccess,ReadOnlyAccess',
        'staging\t222222222222\taws-staging@keyless-demo.example.com\tPowerUserAccess,ReadOnlyAccess',
        '',
      ].join('\n'),
    )
    expect(run.stderr).toMatch(/^3 accounts, 5 roles; cached less than a minute ago \(run with --refresh to fetch again\)\n$/)
  })

  it('loads the table library for a terminal only: rows on a pipe and --json do without it', async () => {
    const dir = signedIn.sandbox.home
    const files = moduleTraceFiles(dir)
    writeFileSync(files.hook, TRACE_HOOK)
    writeFileSync(files.register, traceRegister(files.hook))
    for (const [argv, trace] of [
      [['accounts'], 'trace-rows.txt'],
      [['accounts', '--json'], 'trace-json.txt'],
    ] as const) {
      const run = await runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, ...argv], {
        env: {...signedIn.env, KEYLESS_MODULE_TRACE: join(dir, trace)},
      })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('333333333333')
      const modules = readFileSync(join(dir, trace), 'utf8').split('\n').filter(Boolean)
      expect(modules.some((u) => u.includes('/dist/accounts/render.js'))).toBe(true)
      expect(modules.filter((u) => u.includes('/node_modules/cli-table3/'))).toEqual([])
    }
  })

  it('on a terminal: the table', async () => {
    const {screen} = await runInTerminal([process.execPath, KEYLESS_BIN, 'accounts'], {env: {...signedIn.env, NO_COLOR: '1'}})
    const lines = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/)
    expect(lines[1]).toMatch(/^│ Account name +│ Account ID +│ Email +│ Roles +│$/)
    expect(lines.filter((l) => /^│ (production|sandbox|staging) /.test(l)).map((l) => l.split('│')[1]!.trim())).toEqual([
      'production',
      'sandbox',
      'staging',
    ])
    expect(screen).toContain('AdministratorAccess, ReadOnlyAccess')
  })

  it('--refresh fetches again and prints the added and removed roles on stderr; --json is unchanged in shape', async () => {
    await signedIn.emulator.setAssignment('222222222222', 'ViewOnlyAccess', true)
    await signedIn.emulator.setAssignment('111111111111', 'ReadOnlyAccess', false)
    await signedIn.emulator.setAssignment('444444444444', 'Billing', true, 'finance')
    const before = await signedIn.emulator.stats()
    const run = await runKeyless(['accounts', '--refresh', '--json'], {env: signedIn.env})
    expect(run.code).toBe(0)
    expect(portalCalls(await signedIn.emulator.stats())).toBeGreaterThan(portalCalls(before))
    expect(run.stderr.split('\n')).toEqual([
      expect.stringMatching(/^Changes since the listing of \d{4}-\d\d-\d\dT[\d:.]+Z:$/),
      '  + account finance (444444444444): Billing',
      '  + role ViewOnlyAccess in staging (222222222222)',
      '  - role ReadOnlyAccess in sandbox (111111111111)',
      '',
    ])
    const json = JSON.parse(run.stdout)
    expect(Object.keys(json)).toEqual(['session', 'accounts'])
    expect(json.accounts.map((a: {accountName: string}) => a.accountName)).toEqual(['finance', 'production', 'sandbox', 'staging'])

    const again = await runKeyless(['accounts', '--refresh'], {env: signedIn.env})
    expect(again.stderr).toMatch(/^No changes since the listing of .*Z\.\n4 accounts, 6 roles; fetched just now\n$/)
  })

  it('leaks no token into output or files', async () => {
    const run = await runKeyless(['accounts', '--refresh', '--debug'], {env: signedIn.env})
    expect(run.code).toBe(0)
    const leaks = findLeaks(await signedIn.emulator.issued(), [
      {path: 'stdout', text: run.stdout},
      {path: 'stderr', text: run.stderr},
      ...allFiles(signedIn.sandbox.home),
    ])
    expect(leaks).toEqual([])
  })
})

describe('keyless accounts: tokens', () => {
  let emulator: EmulatorHandle
  let sandbox: Sandbox
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterAll(async () => {
    await emulator.close()
  })
  const fresh = async () => {
    if (sandbox) {
      await wipeSandboxKeychain(sandbox)
      sandbox.cleanup()
    }
    sandbox = makeSandbox()
    env = {...sandbox.env, ...emulator.env()}
  }
  afterAll(async () => {
    await wipeSandboxKeychain(sandbox)
    sandbox.cleanup()
  })

  it('refreshes a token that is due, silently, then lists', async () => {
    await fresh()
    await seedSession(emulator, sandbox, {tokenExpiresInSeconds: 300})
    const before = await emulator.stats()
    const run = await runKeyless(['accounts', '--json'], {env})
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).accounts).toHaveLength(3)
    expect((await emulator.stats()).operations.CreateToken - before.operations.CreateToken).toBe(1)
  })

  it('an expired token without a refresh token: one line, exit 1, no portal call', async () => {
    await fresh()
    await seedSession(emulator, sandbox, {tokenExpiresInSeconds: 60, withoutRefreshToken: true})
    const before = await emulator.stats()
    const run = await runKeyless(['accounts'], {env})
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(EXPIRED_LINE + '\n')
    expect(portalCalls(await emulator.stats())).toBe(portalCalls(before))
  })

  it('no token at all: "not signed in"', async () => {
    await fresh()
    await seedSession(emulator, sandbox)
    await wipeSandboxKeychain(sandbox)
    const run = await runKeyless(['accounts', '--json'], {env})
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(EXPIRED_LINE.replace('has expired', 'is not signed in') + '\n')
  })
})

describe('keyless accounts under throttling and faults', () => {
  const accounts = generateAccounts(300, 3)
  // The benchmark's 1,000 x 3 at 20 requests/s, scaled to seconds: 300 x 3 at 100 requests/s, 5% faults.
  const signedIn = useSignedInEmulator({accounts: 300, rolesPerAccount: 3, rateLimit: 100, faultRate: 0.05})

  it('lists all 300 accounts and 900 roles exactly, with every 429 and 500 retried and none surfacing', async () => {
    const before = await signedIn.emulator.stats()
    const run = await runKeyless(['accounts', '--json'], {env: signedIn.env})
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual(expectedJson(accounts))
    const after = await signedIn.emulator.stats()
    const faults = after.faults - before.faults
    const throttled = after.throttled - before.throttled
    expect(faults).toBeGreaterThan(0)
    // Every call the server did not refuse was needed: 3 account pages + 300 role listings.
    expect(portalCalls(after) - portalCalls(before) - faults - throttled).toBe(303)
  })

  it('a session revoked mid-listing (401) ends with the one-line login instruction', async () => {
    const listing = runKeyless(['accounts', '--refresh'], {env: signedIn.env})
    const start = (await signedIn.emulator.stats()).operations.ListAccountRoles
    let seen = 0
    for (let i = 0; i < 1000 && seen < 30; i++) {
      await new Promise((r) => setTimeout(r, 10))
      seen = (await signedIn.emulator.stats()).operations.ListAccountRoles - start
    }
    await signedIn.emulator.revokeAll()
    const run = await listing
    // Revoked half-way: some role listings had gone through, far from all 300.
    expect(seen).toBeGreaterThanOrEqual(30)
    expect((await signedIn.emulator.stats()).operations.ListAccountRoles - start).toBeLessThan(300)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(EXPIRED_LINE + '\n')
  })
})
