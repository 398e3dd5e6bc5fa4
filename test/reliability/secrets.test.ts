import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {startProcScan} from '../helpers/proc-scan.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {wipeSandboxKeychain} from '../helpers/seed-session.js'
import {writeRecordingBrowser} from '../helpers/recording-browser.js'

// No secret the emulator issued (client secrets, device codes, access and refresh tokens, secret keys, session
// tokens) may appear in any file under HOME, in any output of any command (--debug and error paths included),
// or in the argv/environment of any process started while keyless runs: /proc is scanned every 2 ms for the
// whole journey (20 concurrent cold credential-process calls, a login opening a recording browser, whoami
// running a credential_process profile).

const START_URL = 'https://keyless-demo.awsapps.com/start'
const ROLES = [
  ['111111111111', 'AdministratorAccess'],
  ['111111111111', 'ReadOnlyAccess'],
  ['222222222222', 'PowerUserAccess'],
  ['222222222222', 'ReadOnlyAccess'],
  ['333333333333', 'ReadOnlyAccess'],
] as const
const cp = (account: string, role: string, ...extra: string[]) => [
  'credential-process',
  '--session',
  'acme',
  '--account-id',
  account,
  '--role-name',
  role,
  ...extra,
]

let emulator: EmulatorHandle
let sandbox: Sandbox
const outputs: Array<{label: string; result: RunResult}> = []
const figures: string[] = []

async function keyless(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 45_000): Promise<RunResult> {
  const result = await runKeyless(args, {env: {...sandbox.env, ...emulator.env(), ...env}, timeoutMs})
  outputs.push({label: args.join(' '), result})
  return result
}

beforeAll(async () => {
  // Tokens live 10 minutes (under the 15-minute window): every command that needs one refreshes it, and the
  // refresh token rotates, so many distinct secrets pass through keyless.
  emulator = await startEmulator({autoApprove: true, accessTokenTtl: 600, rotateRefreshTokens: true})
  sandbox = makeSandbox()
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
  console.log('secrets:\n' + figures.map((f) => `  ${f}`).join('\n'))
})

describe('no secret leaks, anywhere', () => {
  it('the whole journey, with --debug and the error paths; argv and environment of every process', async () => {
    const browserLog = join(sandbox.home, 'browser.log')
    const browser = join(sandbox.home, 'record-browser.sh')
    // Stays alive a moment so the scanner sees its argv (the URL it was asked to open).
    writeRecordingBrowser(browser, browserLog, 'sleep 0.2\n')

    const scanner = await startProcScan(join(sandbox.home, '..', `proc-scan-${process.pid}.json`))
    let scan
    try {
      expect((await keyless(['configure', '--session', 'acme', '--start-url', START_URL, '--region', 'us-east-1', '--debug'])).code).toBe(0)
      const login = await keyless(['login', '--device-code', '--debug'], {BROWSER: browser, DISPLAY: ':99'})
      expect(login.code).toBe(0)
      expect(login.stderr).toContain('Opened your browser')
      expect(readFileSync(browserLog, 'utf8')).toMatch(/user_code=/)

      // 20 concurrent cold calls (no cached role credentials; the token is due for a refresh).
      const cold = await Promise.all(
        Array.from({length: 20}, (_, i) =>
          keyless(cp(ROLES[i % 5]![0], ROLES[i % 5]![1], ...(i % 4 === 0 ? ['--debug'] : [])), {}, 90_000),
        ),
      )
      for (const r of cold) {
        expect(r.code, r.stderr).toBe(0)
        expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/)
      }

      // The rest of the journey, every command once with --debug.
      expect((await keyless(['login', '--debug'])).code).toBe(0) // the refresh path
      expect((await keyless(['status', '--json', '--debug'])).code).toBe(0)
      expect((await keyless(['status'])).code).toBe(0)
      expect((await keyless(['accounts', '--debug'])).code).toBe(0)
      expect((await keyless(['accounts', '--json', '--refresh', '--debug'])).code).toBe(0)
      expect((await keyless(['profiles', 'sync', '--dry-run', '--debug'])).code).toBe(0)
      expect((await keyless(['profiles', 'sync', '--json', '--debug'])).code).toBe(0)
      expect((await keyless(cp('111111111111', 'AdministratorAccess', '--debug'))).code).toBe(0) // cached
      expect((await keyless(['whoami', '--profile', 'sandbox.AdministratorAccess', '--debug'])).code).toBe(0)
      expect((await keyless(['whoami', '--json'], {AWS_PROFILE: 'staging.PowerUserAccess'})).code).toBe(0)

      // Error paths, with --debug.
      expect((await keyless(cp('111111111111', 'NoSuchRole', '--debug'))).code).toBe(1)
      expect((await keyless(['accounts', '--bogus', '--debug'])).code).toBe(2)
      expect((await keyless(['login', '--debug'], {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'})).code).toBe(0) // still valid: no call
      expect((await keyless(['accounts', '--refresh', '--debug'], {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'})).code).toBe(1)
      await emulator.revokeAll()
      expect((await keyless(['accounts', '--refresh', '--debug'])).code).toBe(1) // 401: "run keyless login"
      expect((await keyless(cp('333333333333', 'ReadOnlyAccess', '--debug'))).code).toBe(0) // still cached
      expect((await keyless(['login', '--no-browser', '--debug'])).code).toBe(0) // device flow again
      expect((await keyless(['logout', '--debug'])).code).toBe(0)
      expect((await keyless(cp('111111111111', 'AdministratorAccess', '--debug'))).code).toBe(1) // signed out
    } finally {
      scan = await scanner.stop()
    }
    figures.push(
      `/proc scan: ${scan.polls} polls, ${scan.processes.length} new processes, ${scan.cmdlines.length} distinct command lines, ` +
        `${scan.environs.length} distinct environments`,
    )
    // Not vacuous: the scanner saw the 20 credential-process children and the browser script.
    expect(scan.processes.filter((c) => c.includes('credential-process')).length).toBeGreaterThanOrEqual(20)
    expect(scan.cmdlines.some((c) => c.includes('record-browser.sh'))).toBe(true)
    // whoami --profile ran the profile's credential_process through the SDK: its child was scanned too.
    expect(scan.processes.filter((c) => c.includes('credential-process') && !c.includes('--debug')).length).toBeGreaterThan(15)

    const secrets = await emulator.issued()
    expect(secrets.length).toBeGreaterThan(20)
    expect(outputs.some((o) => /keyless:(token|role|sdk|login)/.test(o.result.stderr))).toBe(true) // --debug did print
    const places = [
      ...allFiles(sandbox.home),
      ...outputs.flatMap(({label, result}, i) => [
        // credential-process stdout is where role credentials are meant to go (checked to be only that JSON).
        {path: `stdout of #${i} ${label}`, text: label.startsWith('credential-process') ? '' : result.stdout},
        {path: `stderr of #${i} ${label}`, text: result.stderr},
      ]),
      ...scan.cmdlines.map((text, i) => ({path: `argv of process ${i}: ${text.replace(/\0/g, ' ').slice(0, 80)}`, text})),
      ...scan.environs.map((text, i) => ({path: `environment of process ${i}`, text})),
    ]
    expect(findLeaks(secrets, places)).toEqual([])
    for (const {label, result} of outputs) {
      if (label.startsWith('credential-process'))
        expect(
          result.stdout === '' ||
            /^\{"Version":1,"AccessKeyId":"ASIA[^"]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"[^"]+"\}$/.test(
              result.stdout,
            ),
        ).toBe(true)
    }
    figures.push(`journey: ${outputs.length} keyless runs, ${secrets.length} issued secrets, ${places.length} places scanned, 0 leaks`)
  }, 180_000)
})

describe('no keychain reachable (DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent)', () => {
  const cases: Array<[string, string[]]> = [
    ['credential-process (cached path)', cp('111111111111', 'AdministratorAccess')],
    ['login', ['login', '--no-browser']],
    ['status', ['status']],
  ]
  for (const [name, args] of cases) {
    it(`${name}: one line naming the cause and the fix, exit 1`, async () => {
      if (!existsSync(sandbox.configFile))
        writeFile(sandbox.configFile, `[sso-session acme]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n`)
      const started = Date.now()
      const out = await keyless(args, {DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent'}, 30_000)
      const ms = Date.now() - started
      figures.push(`keychain unreachable, ${name}: exit ${out.code} after ${ms} ms`)
      expect(out.signal).toBeNull() // finished on its own within the 30 s timeout
      expect(out.code).toBe(1)
      const lines = out.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^keyless: no Secret Service keychain is reachable on D-Bus .*; start a keyring/)
      expect(out.stdout).toBe('')
    })
  }
})
