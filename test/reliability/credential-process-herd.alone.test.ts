import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {StoreKind} from '../../src/keychain/stores.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {SESSION, configText} from '../helpers/credential-process.js'
import {spawnEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 28: a herd of credential_process callers (Terraform with many provider aliases, a test runner's workers, an
// IDE and a shell starting together) on this 2-core machine. 200 cold callers over 4 roles, the access token inside
// its refresh window: every one of them gets credentials (none fails because the keychain is busy), with exactly one
// token refresh and one GetRoleCredentials per role, on both stores. The time the herd takes is the benchmark's
// (bench/herd.ts), never asserted here.

const HERD = 200
const ROLES = [
  {accountId: '111111111111', roleName: 'AdministratorAccess'},
  {accountId: '111111111111', roleName: 'ReadOnlyAccess'},
  {accountId: '222222222222', roleName: 'PowerUserAccess'},
  {accountId: '222222222222', roleName: 'ReadOnlyAccess'},
]

/** The one line a caller may print: past 10 s of waiting on a live but busy keychain (never an error). */
const BUSY_LINE = 'keyless: the OS keychain is busy and answering slowly; waiting for it\n'

let emulator: EmulatorHandle
let sandbox: Sandbox

beforeAll(async () => {
  // Its own process, as Identity Center is: not this test's, which is busy with 200 children's pipes.
  emulator = await spawnEmulator(['--port', '0', '--rotate-refresh-tokens'])
})
afterAll(async () => {
  await emulator.close()
})

/** The environment of one store: the kernel keyring runs headless (no D-Bus at all), as on an SSH host. */
function envFor(store: StoreKind): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...sandbox.env, ...emulator.env()}
  if (store === 'kernel-keyring') {
    delete env.DBUS_SESSION_BUS_ADDRESS
    delete env.DISPLAY
    env.XDG_RUNTIME_DIR = join(sandbox.home, 'run')
    mkdirSync(env.XDG_RUNTIME_DIR, {recursive: true, mode: 0o700})
  }
  return env
}

const ops = async () => (await emulator.stats()).operations
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, after[k]! - before[k]!])
      .filter(([, v]) => v !== 0),
  )

for (const store of ['keychain', 'kernel-keyring'] as const) {
  describe(`a herd of ${HERD} cold callers over ${ROLES.length} roles, token inside its refresh window (${store})`, () => {
    let outputs: RunResult[] = []
    beforeEach(async () => {
      sandbox = makeSandbox()
      const fixture = await emulator.fixture()
      const text = configText(fixture.startUrl, fixture.region, [])
      writeFile(
        sandbox.configFile,
        store === 'kernel-keyring' ? text.replace(`[sso-session ${SESSION}]\n`, '$&keyless_store = kernel-keyring\n') : text,
      )
      // 10 minutes left: due for a refresh from the first caller on (the refreshed token gets the emulator's 8 hours).
      await seedSession(emulator, sandbox, {tokenExpiresInSeconds: 600, skipConfig: true, store})
    })
    afterEach(async () => {
      const leaks = findLeaks(await emulator.issued(), [
        ...allFiles(sandbox.home),
        ...outputs.map((o, i) => ({path: `stderr of caller ${i}`, text: o.stderr})),
      ])
      outputs = []
      await wipeSandboxKeychain(sandbox, store)
      sandbox.cleanup()
      expect(leaks).toEqual([])
    })

    it('every caller gets its role credentials; one CreateToken, one GetRoleCredentials per role', {timeout: 420_000}, async () => {
      const env = envFor(store)
      const before = await ops()
      // All at once, as the AWS tools start them. Each is killed after 300 s (runKeyless), so the test ends bounded
      // and leaves no process behind even if keyless hung.
      outputs = await Promise.all(
        Array.from({length: HERD}, (_, i) => {
          const role = ROLES[i % ROLES.length]!
          return runKeyless(['credential-process', '--session', SESSION, '--account-id', role.accountId, '--role-name', role.roleName], {
            env,
            timeoutMs: 300_000,
          })
        }),
      )
      const calls = delta(await ops(), before)
      const failed = outputs.filter((r) => r.code !== 0 || (r.stderr !== '' && r.stderr !== BUSY_LINE))
      expect({failed: failed.map((r) => `${r.code ?? r.signal}: ${r.stderr.trim()}`), calls}).toEqual({
        failed: [],
        calls: {CreateToken: 1, GetRoleCredentials: ROLES.length},
      })
      for (const [i, r] of outputs.entries()) {
        expect(JSON.parse(r.stdout)).toMatchObject({Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/)})
        // Every caller of a role got the same credentials: the one fetch, handed to the others.
        expect(r.stdout).toBe(outputs[i % ROLES.length]!.stdout)
      }
    })
  })
}
