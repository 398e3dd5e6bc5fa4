import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {KEYLESS_BIN, runProcess} from '../helpers/cli.js'
import {configText, SESSION} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 22: with thousands of synced profiles every read and parse of the AWS config file counts, so a command reads
// it once and hands what it read down (the session, its store, its binding): not once per module. Counted by a
// `--require` preload that notes every opening of the config file by keyless's own code (the AWS SDK's own reading,
// on a cache miss, is its business and is noted apart), with the built CLI, the emulator and the real keychain.

let sandbox: Sandbox
let emulator: EmulatorHandle
let preload: string

/** Wraps the fs calls keyless reads files with; notes each opening of $TRACE_CONFIG_FILE, and who opened it. */
const READ_TRACE = `const fs = require('node:fs')
const {appendFileSync} = fs
const watched = process.env.TRACE_CONFIG_FILE
const note = (how) => {
  // The frame that called fs: keyless's dist (or its bundle), or a library's.
  const caller = new Error().stack.split('\\n')[3] || ''
  appendFileSync(process.env.TRACE_OUT, (caller.includes('/node_modules/') ? 'sdk ' : 'own ') + how + ' ' + caller.trim() + '\\n')
}
const wrap = (obj, name) => {
  const original = obj[name]
  obj[name] = function (path, ...rest) {
    if (String(path) === watched) note(name)
    return original.call(this, path, ...rest)
  }
}
for (const name of ['readFileSync', 'openSync', 'readFile', 'open']) wrap(fs, name)
for (const name of ['readFile', 'open']) wrap(fs.promises, name)
`

const ROLE = ['--account-id', '111111111111', '--role-name', 'AdministratorAccess']

/** Runs keyless with the preload; returns how often its own code and the SDK opened the config file. */
async function reads(argv: string[], label: string): Promise<{own: number; sdk: number; stdout: string}> {
  const out = join(sandbox.home, `reads-${label}.txt`)
  writeFileSync(out, '')
  const env = {...sandbox.env, ...emulator.env(), TRACE_CONFIG_FILE: sandbox.configFile, TRACE_OUT: out}
  const result = await runProcess(process.execPath, ['--require', preload, KEYLESS_BIN, ...argv], {env, timeoutMs: 60_000})
  expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(0)
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean)
  return {
    own: lines.filter((l) => l.startsWith('own ')).length,
    sdk: lines.filter((l) => l.startsWith('sdk ')).length,
    stdout: result.stdout,
  }
}

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  const fixture = await emulator.fixture()
  writeFile(
    sandbox.configFile,
    configText(fixture.startUrl, fixture.region, [
      {name: 'sandbox.AdministratorAccess', accountId: '111111111111', roleName: 'AdministratorAccess'},
      {name: 'staging.PowerUserAccess', accountId: '222222222222', roleName: 'PowerUserAccess'},
      {name: 'production', accountId: '333333333333', roleName: 'ReadOnlyAccess'},
    ]),
  )
  await seedSession(emulator, sandbox, {skipConfig: true})
  preload = join(sandbox.home, 'read-trace.cjs')
  writeFileSync(preload, READ_TRACE)
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('each command reads the AWS config file once', () => {
  it('the trace sees every reader: the AWS SDK reading the file (whoami resolves credentials through it)', {timeout: 60_000}, async () => {
    await reads(['credential-process', '--session', SESSION, '--account-id', '333333333333', '--role-name', 'ReadOnlyAccess'], 'warm')
    const whoami = await reads(['whoami', '--profile', 'production'], 'whoami')
    expect(whoami.sdk).toBeGreaterThan(0)
    expect(whoami.own).toBeGreaterThan(0)
  })

  it(
    'credential-process: once on a hit; on a miss the section, then the file once for the SDK clients, which read no more',
    {timeout: 60_000},
    async () => {
      const miss = await reads(['credential-process', '--session', SESSION, ...ROLE], 'cp-miss')
      expect(JSON.parse(miss.stdout).Version).toBe(1)
      // The cache check read the session's section alone; the SDK clients get the file without other profiles
      // (sdk-config-view.ts): the SDK would otherwise parse all of it for each setting it looks up.
      expect(miss.own).toBe(2)
      expect(miss.sdk).toBe(0)
      expect((await reads(['credential-process', '--session', SESSION, ...ROLE], 'cp-hit')).own).toBe(1)
    },
  )

  it('exec and env: once, the profile, the session, its store and its binding from the same read', {timeout: 90_000}, async () => {
    // A miss first (the role was never fetched), then the cached path.
    const miss = await reads(['exec', '--profile', 'staging.PowerUserAccess', '--', 'true'], 'exec-miss')
    expect(miss.own).toBe(1)
    expect(miss.sdk).toBe(0)
    expect((await reads(['exec', '--profile', 'staging.PowerUserAccess', '--', 'true'], 'exec-hit')).own).toBe(1)
    const env = await reads(['env', '--account', '222222222222', '--role', 'ReadOnlyAccess', '--format', 'json'], 'env')
    expect(JSON.parse(env.stdout).AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
    expect(env.own).toBe(1)
  })

  it(
    'profiles sync: once to find the session, once under the lock to edit; a sync with nothing to change reads no more',
    {timeout: 90_000},
    async () => {
      const first = await reads(['profiles', 'sync', '--json'], 'sync-first')
      expect(JSON.parse(first.stdout).added.length).toBeGreaterThan(0)
      // The listing's SDK clients read their settings from the first read; the write reads the file it replaces,
      // for the backup.
      expect(first.own).toBe(3)
      expect(first.sdk).toBe(0)
      const again = await reads(['profiles', 'sync', '--json'], 'sync-again')
      expect(JSON.parse(again.stdout).added).toEqual([])
      expect(again.own).toBe(2)
    },
  )

  it(
    'the SDK clients still read the settings of the profile in use from the narrowed file (endpoint_url of default, of AWS_PROFILE)',
    {timeout: 90_000},
    async () => {
      const original = readFileSync(sandbox.configFile, 'utf8')
      // 3,000 other profiles around the ones that matter, and no AWS_ENDPOINT_URL: only the config file leads the
      // SDK to the emulator.
      const others = Array.from(
        {length: 3000},
        (_, n) => `[profile other-${n}]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:1\n`,
      ).join('\n')
      const run = async (configured: string, extra: NodeJS.ProcessEnv, role: string) => {
        writeFileSync(sandbox.configFile, `${others}\n${configured}\n${original}`)
        const env = {...sandbox.env, AWS_REGION: 'us-east-1', ...extra}
        // A cache miss: the role's cached credentials (an earlier test fetched them) are dropped first.
        await openKeychain({service: sandbox.keychainService}).delete(`session/${SESSION}/role/222222222222/${role}`)
        const before = (await emulator.stats()).operations.GetRoleCredentials
        const result = await runProcess(
          process.execPath,
          [KEYLESS_BIN, 'credential-process', '--session', SESSION, '--account-id', '222222222222', '--role-name', role],
          {env, timeoutMs: 60_000},
        )
        expect(result.code, result.stderr).toBe(0)
        expect((await emulator.stats()).operations.GetRoleCredentials - before).toBe(1)
      }
      try {
        await run(`[default]\nendpoint_url = ${emulator.url}\n`, {}, 'ReadOnlyAccess')
        await run(
          `[default]\nendpoint_url = http://127.0.0.1:1\n[profile chosen]\nendpoint_url = ${emulator.url}\n`,
          {AWS_PROFILE: 'chosen'},
          'PowerUserAccess',
        )
      } finally {
        writeFileSync(sandbox.configFile, original)
      }
    },
  )

  it('login with a valid token and status: once', {timeout: 60_000}, async () => {
    expect((await reads(['login'], 'login')).own).toBe(1)
    expect((await reads(['status', '--json'], 'status')).own).toBe(1)
  })
})
