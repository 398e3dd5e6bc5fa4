import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KEYLESS_BIN, runKeyless, type RunResult} from '../helpers/cli.js'
import {configText} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {startProcScan} from '../helpers/proc-scan.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless exec` end to end: the built CLI, the emulator, the real gnome-keyring, real child processes (sh, cat,
// node, the Debian AWS CLI), and the cache it shares with credential-process.

let sandbox: Sandbox
let emulator: EmulatorHandle
const outputs: RunResult[] = []
const env = (extra: NodeJS.ProcessEnv = {}) => ({...sandbox.env, ...emulator.env(), ...extra})
async function keyless(argv: string[], options: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number} = {}): Promise<RunResult> {
  const result = await runKeyless(argv, {env: env(options.env), input: options.input, timeoutMs: options.timeoutMs})
  outputs.push(result)
  return result
}
const ops = async () => (await emulator.stats()).operations
const ADMIN = ['--account', '111111111111', '--role', 'AdministratorAccess']
const NODE = process.execPath

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  const fixture = await emulator.fixture()
  writeFile(
    sandbox.configFile,
    configText(fixture.startUrl, fixture.region, [
      {name: 'sandbox.AdministratorAccess', accountId: '111111111111', roleName: 'AdministratorAccess'},
      {name: 'production.ReadOnlyAccess', accountId: '333333333333', roleName: 'ReadOnlyAccess'},
    ]) + '\n[profile mine]\nregion = eu-west-1\n',
  )
  await seedSession(emulator, sandbox, {skipConfig: true})
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('keyless exec', () => {
  it('passes the exit code through: 0, 1, 42; a signal gives 128+N', {timeout: 180_000}, async () => {
    for (const code of [0, 1, 42]) {
      const r = await keyless(['exec', ...ADMIN, '--', 'sh', '-c', `exit ${code}`])
      expect(r.code, r.stderr).toBe(code)
      expect(r.stderr).toBe('')
    }
    const killed = await keyless(['exec', ...ADMIN, '--', 'sh', '-c', 'kill -KILL $$'])
    expect(killed.code).toBe(137)
  })

  it('forwards SIGTERM, SIGINT and SIGHUP to the command and exits with its code', {timeout: 180_000}, async () => {
    const cases = [
      ['SIGTERM', 7],
      ['SIGINT', 8],
      ['SIGHUP', 9],
    ] as const
    const results = await Promise.all(
      cases.map(([signal, code]) => {
        const script = `trap 'echo got; exit ${code}' ${signal.slice(3)}; echo ready; while :; do sleep 0.05; done`
        const child = spawn(NODE, [KEYLESS_BIN, 'exec', ...ADMIN, '--', 'sh', '-c', script], {env: env(), stdio: ['pipe', 'pipe', 'pipe']})
        let stdout = ''
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
          if (stdout === 'ready\n') child.kill(signal)
        })
        return new Promise<{stdout: string; exit: number | null}>((resolve) => child.on('close', (exit) => resolve({stdout, exit})))
      }),
    )
    expect(results).toEqual(cases.map(([, code]) => ({stdout: 'ready\ngot\n', exit: code})))
  })

  it('a signal the moment the command starts is forwarded too (keyless listens before it spawns)', async () => {
    // Under load the loop above killed keyless itself about one time in two, orphaning the command: the signal came
    // between spawn() returning and the handlers going in. Here the command signals keyless as its first act.
    const r = await keyless([
      'exec',
      ...ADMIN,
      '--',
      'sh',
      '-c',
      `trap 'echo got; exit 7' TERM; kill -TERM $PPID; while :; do sleep 0.05; done`,
    ])
    expect(r.stdout).toBe('got\n')
    expect(r.code).toBe(7)
  })

  it('the command reads keyless stdin', async () => {
    const r = await keyless(['exec', ...ADMIN, '--', 'cat'], {input: 'piped through\n'})
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('piped through\n')
  })

  it('the environment has the role keys, region and KEYLESS_ROLE, and no AWS_PROFILE', {timeout: 180_000}, async () => {
    const script = 'process.stdout.write(JSON.stringify(process.env))'
    const r = await keyless(['exec', '--account', 'sandbox', '--role', 'AdministratorAccess', '--', NODE, '-e', script], {
      env: {AWS_PROFILE: 'mine', AWS_DEFAULT_PROFILE: 'mine', AWS_ACCESS_KEY_ID: 'AKIAOLD', AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://x'},
    })
    expect(r.code, r.stderr).toBe(0)
    const child = JSON.parse(r.stdout) as Record<string, string>
    expect(child.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
    expect(child.AWS_SECRET_ACCESS_KEY).toBeTruthy()
    expect(child.AWS_SESSION_TOKEN).toBeTruthy()
    expect(Date.parse(child.AWS_CREDENTIAL_EXPIRATION!)).toBeGreaterThan(Date.now() + 15 * 60_000)
    expect(child.AWS_REGION).toBe('us-east-1')
    expect(child.AWS_DEFAULT_REGION).toBe('us-east-1')
    expect(child.KEYLESS_ROLE).toBe('sandbox.AdministratorAccess')
    expect(child).not.toHaveProperty('AWS_PROFILE')
    expect(child).not.toHaveProperty('AWS_DEFAULT_PROFILE')
    expect(child).not.toHaveProperty('AWS_CONTAINER_CREDENTIALS_FULL_URI')
    const region = await keyless(['exec', '--profile', 'production.ReadOnlyAccess', '--region', 'eu-west-2', '--', NODE, '-e', script])
    expect(JSON.parse(region.stdout)).toMatchObject({
      AWS_REGION: 'eu-west-2',
      AWS_DEFAULT_REGION: 'eu-west-2',
      KEYLESS_ROLE: 'production.ReadOnlyAccess',
    })
  })

  it('aws sts get-caller-identity (Debian AWS CLI) inside exec is the role', async () => {
    const r = await keyless([
      'exec',
      'sandbox.AdministratorAccess',
      '--debug',
      '--',
      'aws',
      'sts',
      'get-caller-identity',
      '--endpoint-url',
      emulator.url,
      '--output',
      'json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).Arn).toMatch(
      /^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/demo\.user$/,
    )
    expect(r.stderr).toContain('keyless:') // --debug did print (and the leak scan below reads it)
  })

  it(
    '16 concurrent execs of a cold role make one GetRoleCredentials; credential-process then serves it from the cache',
    {timeout: 240_000},
    async () => {
      const before = await ops()
      const results = await Promise.all(
        Array.from({length: 16}, () =>
          keyless(['exec', '--account', '222222222222', '--role', 'ReadOnlyAccess', '--', 'printenv', 'AWS_ACCESS_KEY_ID'], {
            timeoutMs: 180_000,
          }),
        ),
      )
      for (const r of results) expect(r.code, r.stderr).toBe(0)
      expect(new Set(results.map((r) => r.stdout)).size).toBe(1)
      const after = await ops()
      expect(after.GetRoleCredentials - before.GetRoleCredentials).toBe(1)
      const cp = await keyless(['credential-process', '--session', 'acme', '--account-id', '222222222222', '--role-name', 'ReadOnlyAccess'])
      expect(JSON.parse(cp.stdout).AccessKeyId).toBe(results[0]!.stdout.trim())
      expect((await ops()).GetRoleCredentials).toBe(after.GetRoleCredentials)
    },
  )

  it('a role credential-process fetched is served to exec from the cache', async () => {
    const cp = await keyless(['credential-process', '--session', 'acme', '--account-id', '222222222222', '--role-name', 'PowerUserAccess'])
    expect(cp.code, cp.stderr).toBe(0)
    const before = await ops()
    const r = await keyless([
      'exec',
      '--account',
      '222222222222',
      '--role',
      'PowerUserAccess',
      '--',
      NODE,
      '-e',
      'console.log(process.env.AWS_ACCESS_KEY_ID)',
    ])
    expect(r.stdout.trim()).toBe(JSON.parse(cp.stdout).AccessKeyId)
    expect((await ops()).GetRoleCredentials).toBe(before.GetRoleCredentials)
  })

  it('no secret in the command line of keyless or of the command', async () => {
    const scan = await startProcScan(join(sandbox.home, '..', `exec-scan-${process.pid}.json`))
    let seen
    try {
      const r = await keyless(['exec', ...ADMIN, '--', 'sh', '-c', 'sleep 0.3; echo done'])
      expect(r.stdout).toBe('done\n')
    } finally {
      seen = await scan.stop()
    }
    expect(seen.cmdlines.some((c) => c.includes('sleep 0.3'))).toBe(true)
    const secrets = await emulator.issued()
    expect(
      findLeaks(
        secrets,
        seen.cmdlines.map((text, i) => ({path: `cmdline#${i}`, text})),
      ),
    ).toEqual([])
  })

  it('a command that does not exist: one line, exit 127', async () => {
    const r = await keyless(['exec', ...ADMIN, '--', 'no-such-command-keyless'])
    expect(r.code).toBe(127)
    expect(r.stderr).toBe(
      'keyless: command not found: no-such-command-keyless; check its name and your PATH (exec runs it without a shell)\n',
    )
  })

  it('a nested exec of another role warns that it replaces the outer one', async () => {
    const r = await keyless(['exec', ...ADMIN, '--', 'true'], {env: {KEYLESS_ROLE: 'production.ReadOnlyAccess'}})
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(
      /^keyless: warning: this exec of (sandbox|111111111111)\.AdministratorAccess replaces the outer role production\.ReadOnlyAccess\n$/,
    )
  })

  it(
    'usage errors are one line with exit 2: no role without a terminal, no command, unknown names with the closest',
    {timeout: 180_000},
    async () => {
      const cases: Array<[string[], RegExp]> = [
        [['exec', '--', 'true'], /no role given.*--profile NAME, or --account NAME\|ID --role NAME/],
        [['exec', ...ADMIN], /no command to run: put it after --/],
        [
          ['exec', '--account', 'sandbx', '--role', 'AdministratorAccess', '--', 'true'],
          /no account "sandbx" in session acme; closest: sandbox/,
        ],
        [
          ['exec', '--account', 'sandbox', '--role', 'AdminAccess', '--', 'true'],
          /no role "AdminAccess" in account sandbox \(111111111111\); closest: AdministratorAccess/,
        ],
        [
          ['exec', '--profile', 'sandbox.Admin', '--', 'true'],
          /no profile "sandbox.Admin" keyless can use; closest: sandbox.AdministratorAccess/,
        ],
        [['exec', '--account', 'sandbox', '--', 'true'], /--account needs --role NAME/],
        [['exec', '--region', 'mars-1', ...ADMIN, '--', 'true'], /not an AWS region/],
      ]
      for (const [argv, message] of cases) {
        const r = await keyless(argv)
        expect(r.code, argv.join(' ') + '\n' + r.stderr).toBe(2)
        expect(r.stderr).toMatch(message)
        expect(r.stderr.trim().split('\n')).toHaveLength(1)
      }
    },
  )

  it('no secret in any file under HOME or any output', async () => {
    const secrets = await emulator.issued()
    const places = [...allFiles(sandbox.home), ...outputs.map((o, i) => ({path: `stderr#${i}`, text: o.stderr}))]
    expect(findLeaks(secrets, places)).toEqual([])
  })

  it('an expired session without a terminal: one line, exit 1', async () => {
    await emulator.revokeAll()
    const r = await keyless(['exec', '--account', '111111111111', '--role', 'ReadOnlyAccess', '--', 'true'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('keyless: SSO session "acme" has expired; run: keyless login --session acme\n')
  })
})
