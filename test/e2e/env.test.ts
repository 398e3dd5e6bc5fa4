import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KEYLESS_BIN, runKeyless, runProcess, type RunResult} from '../helpers/cli.js'
import {configText} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless env` end to end: each format evaluated by the real shell it targets (bash, dash, fish; dotenv by
// dash's `set -a; .`), then the Debian AWS CLI in that shell calls STS as the role.

const KEYLESS = `"${process.execPath}" "${KEYLESS_BIN}"`
const ARN = /"Arn": "arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user"/

let sandbox: Sandbox
let emulator: EmulatorHandle
const outputs: RunResult[] = []
const env = () => ({...sandbox.env, ...emulator.env(), AWS_PROFILE: 'production.ReadOnlyAccess'})
async function shell(program: string, args: string[]): Promise<RunResult> {
  const result = await runProcess(program, args, {env: env(), timeoutMs: 90_000})
  outputs.push(result)
  return result
}

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  const fixture = await emulator.fixture()
  writeFile(
    sandbox.configFile,
    configText(fixture.startUrl, fixture.region, [
      {name: 'production.ReadOnlyAccess', accountId: '333333333333', roleName: 'ReadOnlyAccess'},
    ]),
  )
  await seedSession(emulator, sandbox, {skipConfig: true})
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('keyless env', () => {
  const sts = () => `aws sts get-caller-identity --endpoint-url ${emulator.url} --output json`
  const check = 'echo "role=$KEYLESS_ROLE profile=${AWS_PROFILE-none} region=$AWS_REGION"'

  for (const sh of ['bash', 'dash']) {
    it(`${sh}: eval "$(keyless env ...)" then the AWS CLI is the role`, async () => {
      const r = await shell(sh, ['-c', `set -e; eval "$(${KEYLESS} env production.ReadOnlyAccess)"; ${sts()}; ${check}`])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(ARN)
      expect(r.stdout).toContain('role=production.ReadOnlyAccess profile=none region=us-east-1\n')
    })
  }

  it.skipIf(!existsSync('/usr/bin/fish'))('fish: keyless env --format fish | source, then the AWS CLI is the role', async () => {
    const r = await shell('fish', [
      '--no-config',
      '-c',
      `${KEYLESS} env --profile production.ReadOnlyAccess --format fish | source; and ${sts()}; and echo "role=$KEYLESS_ROLE"`,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(ARN)
    expect(r.stdout).toContain('role=production.ReadOnlyAccess\n')
  })

  it('dotenv: read by dash with set -a, then the AWS CLI is the role; json: the same variables', async () => {
    const file = join(sandbox.home, '.env.aws')
    const r = await shell('dash', [
      '-c',
      `set -e; ${KEYLESS} env --account production --role ReadOnlyAccess --format dotenv > '${file}'; set -a; . '${file}'; set +a; rm '${file}'; ${sts()}`,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(ARN)
    const json = await runKeyless(['env', '--profile', 'production.ReadOnlyAccess', '--format', 'json', '--region', 'eu-west-1'], {
      env: env(),
    })
    outputs.push(json)
    expect(Object.keys(JSON.parse(json.stdout))).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_CREDENTIAL_EXPIRATION',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'KEYLESS_ROLE',
    ])
    expect(JSON.parse(json.stdout).AWS_REGION).toBe('eu-west-1')
  })

  it('--unset clears the variables again', async () => {
    const r = await shell('bash', [
      '-c',
      `eval "$(${KEYLESS} env production.ReadOnlyAccess)"; eval "$(${KEYLESS} env --unset)"; env | grep -E '^(AWS_ACCESS|AWS_SECRET|AWS_SESSION|KEYLESS_ROLE|AWS_REGION)' || echo none`,
    ])
    expect(r.stdout).toBe('none\n')
  })

  it('refuses on a terminal (a real pty) with one line naming eval; --reveal prints', async () => {
    const inPty = (args: string) =>
      new Promise<{code: number | null; screen: string}>((resolve) => {
        const child = spawn('script', ['-qfec', `${KEYLESS} env ${args}`, '/dev/null'], {env: {...env(), TERM: 'dumb'}})
        let screen = ''
        child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
        child.on('close', (code) => resolve({code, screen}))
      })
    const refused = await inPty('production.ReadOnlyAccess')
    expect(refused.code).toBe(2)
    expect(refused.screen.trim()).toBe(
      'keyless: not printing credentials to a terminal; run: eval "$(keyless env ...)" with the same arguments (or add --reveal to show them)',
    )
    const revealed = await inPty('production.ReadOnlyAccess --reveal')
    expect(revealed.code).toBe(0)
    expect(revealed.screen).toMatch(/^export AWS_SECRET_ACCESS_KEY='/m)
  })

  it('no secret in any file under HOME or on any stderr', async () => {
    const secrets = await emulator.issued()
    const places = [...allFiles(sandbox.home), ...outputs.map((o, i) => ({path: `stderr#${i}`, text: o.stderr}))]
    expect(findLeaks(secrets, places)).toEqual([])
  })
})
