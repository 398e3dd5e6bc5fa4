import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {ROOT, runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 21 item 1: `exec --server` removes AWS_PROFILE, so every AWS tool looks at `[default]` before the container
// endpoint (botocore's chain, the JS SDK's defaultProvider, the Go SDK's resolveCredsFromProfile). A `[default]`
// that holds credentials would silently replace the role the user chose: keyless refuses, naming it, and plain
// `exec` (keys in the environment, which every SDK takes before any profile) still gives the role.
// Real children: the Debian AWS CLI v2, Debian boto3, the JS SDK of node_modules.

const ROLE = ['--account', 'production', '--role', 'ReadOnlyAccess']
const ROLE_ARN = /^arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user$/
const USER_KEY = 'AKIAEMULATORUSER0001'
const USER_SECRET = 'emulator-user-secret-0000000000000000000'
const ROOT_KEY = 'AKIAEMULATORROOT0001'
const ROOT_SECRET = 'emulator-root-secret-0000000000000000000'

let sandbox: Sandbox
let emulator: EmulatorHandle
let sessionSection = ''
const env = () => ({...sandbox.env, ...emulator.env()})
const keyless = (argv: string[]): Promise<RunResult> => runKeyless(argv, {env: env(), timeoutMs: 90_000})
const identities = async () => (await emulator.stats()).operations.GetCallerIdentity

/** The three AWS tools, each printing the ARN it signs as (or failing). */
const tools = (): Record<string, string[]> => ({
  'AWS CLI': ['/usr/bin/aws', 'sts', 'get-caller-identity', '--endpoint-url', emulator.url, '--query', 'Arn', '--output', 'text'],
  boto3: [
    '/usr/bin/python3',
    '-c',
    `import boto3; print(boto3.client("sts", endpoint_url=${JSON.stringify(emulator.url)}).get_caller_identity()["Arn"])`,
  ],
  'JS SDK': [process.execPath, join(sandbox.home, 'sts.mjs')],
})

async function arnsUnder(flags: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [name, command] of Object.entries(tools())) {
    const r = await keyless(['exec', ...ROLE, ...flags, '--', ...command])
    out[name] = r.code === 0 ? r.stdout.trim() : `exit ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`
  }
  return out
}

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
  sessionSection = readFileSync(sandbox.configFile, 'utf8')
  writeFile(
    join(sandbox.home, 'sts.mjs'),
    `import {STSClient, GetCallerIdentityCommand} from ${JSON.stringify(join(ROOT, 'node_modules/@aws-sdk/client-sts/dist-cjs/index.js'))}
console.log((await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn)
`,
  )
  writeFile(
    join(sandbox.home, 'default-creds.sh'),
    `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"${ROOT_KEY}","SecretAccessKey":"${ROOT_SECRET}"}'\n`,
    0o700,
  )
})
beforeEach(() => {
  writeFile(sandbox.configFile, sessionSection)
  rmSync(sandbox.credentialsFile, {force: true})
  rmSync(join(sandbox.home, '.boto'), {force: true})
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('exec --server and a [default] profile (issue 21 item 1)', () => {
  it('[default] with static keys in the credentials file: --server refuses in one line naming it, the command never runs; plain exec gives the role in all three', async () => {
    writeFile(sandbox.credentialsFile, `[default]\naws_access_key_id = ${USER_KEY}\naws_secret_access_key = ${USER_SECRET}\n`)
    const before = await identities()
    const r = await keyless(['exec', ...ROLE, '--server', '--', ...tools()['AWS CLI']!])
    expect(r.code, r.stdout).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('[default] in ~/.aws/credentials')
    expect(r.stderr).toContain('production.ReadOnlyAccess')
    expect(r.stderr).toContain('without --server')
    expect(r.stderr).toContain('keyless audit --fix')
    expect(r.stderr).not.toContain(USER_SECRET)
    expect(await identities()).toBe(before) // the command did not run as anyone

    const plain = await arnsUnder([])
    for (const arn of Object.values(plain)) expect(arn).toMatch(ROLE_ARN)
  })

  it('[default] with credential_process in the config file: --server refuses, naming it; plain exec gives the role in all three', async () => {
    writeFile(sandbox.configFile, `[default]\ncredential_process = ${join(sandbox.home, 'default-creds.sh')}\n\n${sessionSection}`)
    const before = await identities()
    const r = await keyless(['exec', ...ROLE, '--server', '--', ...tools().boto3!])
    expect(r.code, r.stdout).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('[default] in ~/.aws/config (credential_process)')
    expect(r.stderr).toContain('without --server')
    expect(await identities()).toBe(before)

    const plain = await arnsUnder([])
    for (const arn of Object.values(plain)) expect(arn).toMatch(ROLE_ARN)
  })

  it('[profile default] with SSO keys, and a ~/.boto key (botocore reads it before the endpoint): refused too', async () => {
    writeFile(
      sandbox.configFile,
      `${sessionSection}\n[profile default]\nsso_session = acme\nsso_account_id = 111111111111\nsso_role_name = AdministratorAccess\n`,
    )
    const sso = await keyless(['exec', ...ROLE, '--server', '--', 'true'])
    expect(sso.code).toBe(1)
    expect(sso.stderr).toContain('[default] in ~/.aws/config (sso_session, sso_account_id, sso_role_name)')

    writeFile(sandbox.configFile, sessionSection)
    writeFile(join(sandbox.home, '.boto'), `[Credentials]\naws_access_key_id = ${USER_KEY}\naws_secret_access_key = ${USER_SECRET}\n`)
    const boto = await keyless(['exec', ...ROLE, '--server', '--', 'true'])
    expect(boto.code).toBe(1)
    expect(boto.stderr).toContain('~/.boto')
    expect(boto.stderr).toContain('the AWS CLI and boto3')
  })

  it("[default] with only settings (region, output), and [default] that is keyless's own profile of the same role: --server gives the role to all three", async () => {
    writeFile(sandbox.configFile, `[default]\nregion = eu-west-1\noutput = json\n\n${sessionSection}`)
    writeFile(sandbox.credentialsFile, `[other]\naws_access_key_id = ${USER_KEY}\naws_secret_access_key = ${USER_SECRET}\n`)
    const settingsOnly = await arnsUnder(['--server'])
    for (const arn of Object.values(settingsOnly)) expect(arn).toMatch(ROLE_ARN)

    rmSync(sandbox.credentialsFile, {force: true})
    const line = `"${process.execPath}" "${join(ROOT, 'bin', 'run.js')}" credential-process --session acme --account-id 333333333333 --role-name ReadOnlyAccess`
    writeFile(sandbox.configFile, `[default]\ncredential_process = ${line}\nkeyless_session = acme\n\n${sessionSection}`)
    const same = await keyless(['exec', ...ROLE, '--server', '--', ...tools()['AWS CLI']!])
    expect(same.code, same.stderr).toBe(0)
    expect(same.stdout.trim()).toMatch(ROLE_ARN)
    const other = await keyless(['exec', '--account', 'sandbox', '--role', 'ReadOnlyAccess', '--server', '--', 'true'])
    expect(other.code).toBe(1)
    expect(other.stderr).toContain("keyless's profile of 333333333333/ReadOnlyAccess")
  })
})
