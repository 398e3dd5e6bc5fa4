import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {ROOT, runKeyless, runProcess} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {TERRAFORM, terraformCaller} from '../helpers/terraform.js'

// Real AWS clients consume what keyless writes: `keyless configure/login/profiles sync` as a user runs them,
// then the AWS CLI v2, boto3 and the JS SDK v3 default chain each authenticate through a written profile
// (their credential_process runs the built keyless) and get the SSO role identity from the emulator.
let emulator: EmulatorHandle
let sandbox: Sandbox
const SSO_ARN = /^arn:aws:sts::(\d{12}):assumed-role\/AWSReservedSSO_(\w+)_[0-9a-f]{16}\/demo\.user$/

const env = () => ({...sandbox.env, ...emulator.env()})

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  sandbox = makeSandbox()
  const fixture = await emulator.fixture()
  for (const args of [
    ['configure', '--session', 'demo', '--start-url', fixture.startUrl, '--region', fixture.region],
    ['login', '--no-browser'],
    ['profiles', 'sync'],
  ]) {
    const out = await runKeyless(args, {env: env()})
    expect(out.code, `keyless ${args.join(' ')}: ${out.stderr}`).toBe(0)
  }
  expect(readFileSync(sandbox.configFile, 'utf8')).toContain('[profile staging.PowerUserAccess]')
})
afterAll(async () => {
  const keychain = openKeychain({service: sandbox.keychainService})
  for (const key of await keychain.keys()) await keychain.delete(key)
  sandbox.cleanup()
  await emulator.close()
})

describe('written credential_process profiles work in every AWS client', () => {
  it('the AWS CLI v2 (/usr/bin/aws)', async () => {
    const out = await runProcess(
      '/usr/bin/aws',
      ['sts', 'get-caller-identity', '--profile', 'sandbox.AdministratorAccess', '--endpoint-url', emulator.url, '--output', 'json'],
      {env: env()},
    )
    expect(out.code, out.stderr).toBe(0)
    const identity = JSON.parse(out.stdout) as {Arn: string; Account: string}
    expect(identity.Arn).toMatch(SSO_ARN)
    expect(identity.Account).toBe('111111111111')
    expect(SSO_ARN.exec(identity.Arn)?.[2]).toBe('AdministratorAccess')
  })

  it("boto3 (Debian's python3-boto3)", async () => {
    // Debian's botocore (1.29) predates AWS_ENDPOINT_URL support: the endpoint goes to the client itself.
    const script = [
      'import boto3, json',
      `sts = boto3.Session(profile_name='staging.PowerUserAccess').client('sts', endpoint_url=${JSON.stringify(emulator.url)})`,
      'print(json.dumps(sts.get_caller_identity()))',
    ].join('\n')
    const out = await runProcess('/usr/bin/python3', ['-c', script], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    const identity = JSON.parse(out.stdout) as {Arn: string; Account: string}
    expect(identity.Account).toBe('222222222222')
    expect(SSO_ARN.exec(identity.Arn)?.[2]).toBe('PowerUserAccess')
  })

  it('the JS SDK v3 default provider chain (AWS_PROFILE)', async () => {
    const script = `
      import {STSClient, GetCallerIdentityCommand} from '@aws-sdk/client-sts'
      const out = await new STSClient({region: 'us-east-1'}).send(new GetCallerIdentityCommand({}))
      console.log(JSON.stringify({Arn: out.Arn, Account: out.Account}))
    `
    const out = await runProcess(process.execPath, ['--input-type=module', '-e', script], {
      env: {...env(), AWS_PROFILE: 'production.ReadOnlyAccess'},
      cwd: ROOT,
    })
    expect(out.code, out.stderr).toBe(0)
    const identity = JSON.parse(out.stdout) as {Arn: string; Account: string}
    expect(identity.Account).toBe('333333333333')
    expect(SSO_ARN.exec(identity.Arn)?.[2]).toBe('ReadOnlyAccess')
  })

  it.skipIf(!TERRAFORM)('Terraform (the AWS SDK for Go: its S3 backend runs the credential_process with sh -c)', async () => {
    const caller = await terraformCaller(emulator.url, {...env(), AWS_PROFILE: 'staging.PowerUserAccess'})
    expect(caller.error).toBeUndefined()
    expect(caller.arn).toMatch(SSO_ARN)
    expect(SSO_ARN.exec(caller.arn!)?.slice(1)).toEqual(['222222222222', 'PowerUserAccess'])
  })

  it('every client after the first is served from the keychain cache: one GetRoleCredentials per role', async () => {
    const before = await emulator.stats()
    for (let i = 0; i < 3; i++) {
      const out = await runProcess(
        '/usr/bin/aws',
        ['sts', 'get-caller-identity', '--profile', 'sandbox.AdministratorAccess', '--endpoint-url', emulator.url],
        {env: env()},
      )
      expect(out.code, out.stderr).toBe(0)
    }
    const after = await emulator.stats()
    expect(after.operations.GetRoleCredentials - before.operations.GetRoleCredentials).toBe(0)
    expect(after.operations.GetCallerIdentity - before.operations.GetCallerIdentity).toBe(3)
  })
})
