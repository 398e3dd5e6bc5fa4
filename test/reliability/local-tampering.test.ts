import {chmodSync, chownSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 17, items 6 and 7: what another local user (a shared cache directory) or a damaged keychain entry can
// do to keyless, through the built CLI. Owner checks need root to plant another user's files.

const ROLE = ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'AdministratorAccess']
const OTHER_UID = 4242
const asRoot = process.getuid?.() === 0

let emulator: EmulatorHandle
let sandbox: Sandbox
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
})
afterAll(() => emulator.close())
beforeEach(() => {
  sandbox = makeSandbox()
  env = {...sandbox.env, ...emulator.env()}
})
afterEach(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
})

const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describe.skipIf(!asRoot)('item 6: one owner and mode check for every use of the cache directory', () => {
  it('a cache directory of another user: accounts shows no planted listing, credential-process fails at once', async () => {
    await seedSession(emulator, sandbox)
    const fixture = await emulator.fixture()
    mkdirSync(sandbox.cacheDir, {recursive: true})
    const planted = {
      version: 1,
      session: 'acme',
      startUrl: fixture.startUrl,
      region: fixture.region,
      fetchedAt: new Date().toISOString(),
      accounts: [{accountId: '999999999999', accountName: 'PLANTED', emailAddress: 'x@evil.example', roles: ['Admin']}],
    }
    writeFile(join(sandbox.cacheDir, 'accounts-acme.json'), JSON.stringify(planted))
    chownSync(join(sandbox.cacheDir, 'accounts-acme.json'), OTHER_UID, OTHER_UID)
    chownSync(sandbox.cacheDir, OTHER_UID, OTHER_UID)

    const accounts = await runKeyless(['accounts'], {env})
    expect(accounts.stdout).not.toContain('PLANTED')
    expect(accounts.code).toBe(1)
    expect(oneLine(accounts.stderr)).toMatch(/keyless: .*\.cache\/keyless belongs to another user \(uid 4242\); run: sudo chown/)

    const cp = await runKeyless(ROLE, {env, timeoutMs: 30_000})
    expect(cp.code).toBe(1)
    expect(oneLine(cp.stderr)).toMatch(/belongs to another user/)
  })

  it('a foreign lock planted while the directory was writable by others is named instead of waited on for 60 s', async () => {
    await seedSession(emulator, sandbox)
    const locks = join(sandbox.cacheDir, 'locks')
    mkdirSync(join(locks, 'role-acme-111111111111-AdministratorAccess.lock'), {recursive: true})
    chownSync(join(locks, 'role-acme-111111111111-AdministratorAccess.lock'), OTHER_UID, OTHER_UID)
    chmodSync(locks, 0o777)
    const cp = await runKeyless(ROLE, {env, timeoutMs: 30_000})
    expect(cp.code).toBe(1)
    expect(oneLine(cp.stderr)).toMatch(
      /locks is writable by other users and holds role-acme-111111111111-AdministratorAccess\.lock, which belongs to uid 4242; run: rm -rf /,
    )
  })

  it('a directory of ours with a loose mode and only our files is simply tightened to 0700', async () => {
    await seedSession(emulator, sandbox)
    mkdirSync(sandbox.cacheDir, {recursive: true, mode: 0o777})
    chmodSync(sandbox.cacheDir, 0o777)
    const cp = await runKeyless(ROLE, {env})
    expect(cp.code).toBe(0)
    const {statSync} = await import('node:fs')
    expect(statSync(sandbox.cacheDir).mode & 0o777).toBe(0o700)
    expect(statSync(join(sandbox.cacheDir, 'locks')).mode & 0o777).toBe(0o700)
  })
})

describe('item 7: damaged keychain entries', () => {
  const keychain = () => openKeychain({service: sandbox.keychainService})

  it('a chunk header claiming 40,000,000 parts: read as absent by credential-process and status, deleted by logout', async () => {
    await seedSession(emulator, sandbox)
    await (
      await import('keytar')
    ).default.setPassword(sandbox.keychainService, 'session/acme/token', 'keyless-chunked:v2:deadbeef:40000000')
    const cp = await runKeyless(ROLE, {env})
    expect(cp.code).toBe(1)
    expect(oneLine(cp.stderr)).toBe('keyless: SSO session "acme" has expired; run: keyless login --session acme')
    const status = await runKeyless(['status', '--json'], {env})
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).sessions[0].accessTokenExpiresAt).toBeNull()
    const logout = await runKeyless(['logout'], {env})
    expect(logout.code).toBe(0)
    expect(await keychain().keys()).toEqual([])
  })

  it('logout --all deletes every session, also entries under a name keyless cannot decode', async () => {
    await seedSession(emulator, sandbox)
    await keychain().set('session/%E0%A4%A/token', '{"accessToken":"x"}')
    await keychain().set('session/other/token', '{"accessToken":"y"}')
    const logout = await runKeyless(['logout', '--all'], {env})
    expect(logout.stderr).toBe('')
    expect(logout.code).toBe(0)
    expect(await keychain().keys()).toEqual([])
  })
})
