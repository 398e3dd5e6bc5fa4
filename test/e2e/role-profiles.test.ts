import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless, type RunResult} from '../helpers/cli.js'
import {configText} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 21 item 2: `exec`, `env` and `console --profile NAME` take AWS CLI SSO profiles (`sso_session`, and legacy
// `sso_start_url` of a configured session) as aws-vault and granted do, and an unknown name is never answered with
// a profile of another account. The built CLI, the emulator, the AWS CLI in the child.

let sandbox: Sandbox
let emulator: EmulatorHandle
const keyless = (argv: string[]): Promise<RunResult> => runKeyless(argv, {env: {...sandbox.env, ...emulator.env()}, timeoutMs: 90_000})
const arn = (account: string, role: string) =>
  new RegExp(`^arn:aws:sts::${account}:assumed-role/AWSReservedSSO_${role}_[0-9a-f]{16}/demo\\.user$`)

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
  const fixture = await emulator.fixture()
  const session = readFileSync(sandbox.configFile, 'utf8')
  writeFile(
    sandbox.configFile,
    `${session}
[profile dev]
sso_session = acme
sso_account_id = 222222222222
sso_role_name = PowerUserAccess
region = eu-west-1

[profile old-style]
sso_start_url = ${fixture.startUrl}/
sso_region = ${fixture.region}
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
` +
      configText(fixture.startUrl, fixture.region, [
        {name: 'production.ReadOnlyAccess', accountId: '333333333333', roleName: 'ReadOnlyAccess'},
      ]).replace(/^\[sso-session[^]*?\n\n/, '\n'),
  )
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('--profile with AWS CLI SSO profiles (issue 21 item 2)', () => {
  it('exec --profile of an sso_session profile and of a legacy sso_start_url profile runs as their roles', async () => {
    const sts = ['/usr/bin/aws', 'sts', 'get-caller-identity', '--endpoint-url', emulator.url, '--query', 'Arn', '--output', 'text']
    const dev = await keyless(['exec', '--profile', 'dev', '--', ...sts])
    expect(dev.code, dev.stderr).toBe(0)
    expect(dev.stdout.trim()).toMatch(arn('222222222222', 'PowerUserAccess'))
    const old = await keyless(['exec', 'old-style', '--', ...sts])
    expect(old.code, old.stderr).toBe(0)
    expect(old.stdout.trim()).toMatch(arn('111111111111', 'ReadOnlyAccess'))
    const label = await keyless(['exec', '--profile', 'dev', '--', 'sh', '-c', 'echo "$KEYLESS_ROLE"'])
    expect(label.stdout).toBe('dev\n')
  })

  it('env and console --print take them too', async () => {
    const env = await keyless(['env', '--profile', 'dev', '--format', 'json'])
    expect(env.code, env.stderr).toBe(0)
    expect(JSON.parse(env.stdout)).toMatchObject({KEYLESS_ROLE: 'dev'})
    const print = await keyless(['console', '--profile', 'old-style', '--print'])
    expect(print.code, print.stderr).toBe(0)
    const page = await (await fetch(print.stdout.trim())).text()
    expect(/<code id="arn">([^<]*)<\/code>/.exec(page)?.[1]).toMatch(arn('111111111111', 'ReadOnlyAccess'))
  })

  it("an unknown profile is never answered with another account's profile", async () => {
    const r = await keyless(['exec', '--profile', 'staging', '--', 'true'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      'keyless: no profile "staging" keyless can use; pass --account NAME|ID --role NAME (keyless accounts lists them)\n',
    )
    const typo = await keyless(['exec', '--profile', 'dve', '--', 'true'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).not.toContain('production')
  })
})
