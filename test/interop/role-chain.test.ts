/**
 * Role chains (issue 26 item 3): a team file writes `role_arn` + `source_profile` profiles over keyless profiles;
 * the AWS CLI v2 and boto3 chain natively (their AssumeRole goes to the emulator's STS through AWS_DATA_PATH), and
 * keyless's whoami and exec assume the role with the source role's credentials. The emulator's AssumeRole answers
 * with AWS's errors: an untrusted source is AccessDenied, a chained session over an hour a ValidationError.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeAwsDataPath} from '../helpers/aws-data-path.js'
import {runKeyless, runProcess} from '../helpers/cli.js'
import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

let emulator: EmulatorHandle
let sandbox: Sandbox
let dataPath: string
const env = () => ({...sandbox.env, ...emulator.env(), AWS_DATA_PATH: dataPath})
const DEPLOYER = 'arn:aws:sts::333333333333:assumed-role/Deployer/deployer'

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  sandbox = makeSandbox()
  const seeded = await seedSession(emulator, sandbox, {session: 'demo'})
  dataPath = writeAwsDataPath(emulator.url)
  const sync = await runKeyless(['profiles', 'sync'], {env: env()})
  expect(sync.code, sync.stderr).toBe(0)
  const team = join(sandbox.home, 'team.yaml')
  writeFileSync(
    team,
    `keyless: 1
name: platform
version: 1
sessions:
  demo:
    start_url: ${seeded.startUrl}
    region: us-east-1
chains:
  deploy:
    source_profile: sandbox.AdministratorAccess
    role_arn: arn:aws:iam::333333333333:role/Deployer
    role_session_name: deployer
    duration_seconds: 3600
    region: us-east-1
  audit:
    source_profile: staging.ReadOnlyAccess
    role_arn: arn:aws:iam::111111111111:role/Auditor
    role_session_name: auditor
    external_id: keyless-external-id
  deploy-denied:
    source_profile: production.ReadOnlyAccess
    role_arn: arn:aws:iam::333333333333:role/Deployer
  deploy-too-long:
    source_profile: sandbox.AdministratorAccess
    role_arn: arn:aws:iam::333333333333:role/Deployer
    duration_seconds: 7200
`,
  )
  const applied = await runKeyless(['configure', '--from', team], {env: env()})
  expect(applied.code, applied.stderr).toBe(0)
  expect(applied.stderr).toBe('')
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

const arnOf = (stdout: string) => (JSON.parse(stdout) as {Arn: string}).Arn

describe('a chained profile', () => {
  it('the AWS CLI v2 chains natively', {timeout: 120_000}, async () => {
    const out = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'deploy', '--output', 'json'], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    expect(arnOf(out.stdout)).toBe(DEPLOYER)
    const audit = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'audit', '--output', 'json'], {env: env()})
    expect(audit.code, audit.stderr).toBe(0)
    expect(arnOf(audit.stdout)).toBe('arn:aws:sts::111111111111:assumed-role/Auditor/auditor')
  })

  it('boto3 chains natively', {timeout: 120_000}, async () => {
    const script = [
      'import boto3, json',
      "print(json.dumps(boto3.Session(profile_name='deploy').client('sts', region_name='us-east-1').get_caller_identity()))",
    ].join('\n')
    const out = await runProcess('/usr/bin/python3', ['-c', script], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    expect(arnOf(out.stdout)).toBe(DEPLOYER)
  })

  it('keyless whoami names the assumed role', {timeout: 120_000}, async () => {
    const out = await runKeyless(['whoami', '--profile', 'deploy', '--json'], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    const id = JSON.parse(out.stdout) as {arn: string; account: string; principalKind: string}
    expect(id).toMatchObject({arn: DEPLOYER, account: '333333333333', principalKind: 'assumed-role'})
  })

  it('keyless exec gives the command the chained role, one AssumeRole per exec', {timeout: 120_000}, async () => {
    const exec = () =>
      runKeyless(['exec', '--profile', 'deploy', '--', '/usr/bin/aws', 'sts', 'get-caller-identity', '--output', 'json'], {env: env()})
    const before = (await emulator.stats()).operations
    const out = await exec()
    expect(out.code, out.stderr).toBe(0)
    expect(arnOf(out.stdout)).toBe(DEPLOYER)
    const once = (await emulator.stats()).operations
    expect(once.AssumeRole - before.AssumeRole).toBe(1)
    // Within the source role's cache lifetime: the source credentials come from keyless's cache (no
    // GetRoleCredentials), but chained credentials are not cached (README "Role chains"), so AssumeRole again.
    const again = await exec()
    expect(again.code, again.stderr).toBe(0)
    expect(arnOf(again.stdout)).toBe(DEPLOYER)
    const twice = (await emulator.stats()).operations
    expect(twice.AssumeRole - once.AssumeRole).toBe(1)
    expect(twice.GetRoleCredentials - once.GetRoleCredentials).toBe(0)
    const audit = await runKeyless(['exec', '--profile', 'audit', '--', '/usr/bin/aws', 'sts', 'get-caller-identity', '--output', 'json'], {
      env: env(),
    })
    expect(audit.code, audit.stderr).toBe(0)
    expect(arnOf(audit.stdout)).toBe('arn:aws:sts::111111111111:assumed-role/Auditor/auditor')
  })

  it("keyless env prints the chained role's variables", {timeout: 120_000}, async () => {
    const out = await runKeyless(['env', '--profile', 'deploy', '--format', 'json'], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    const vars = JSON.parse(out.stdout) as Record<string, string>
    const cli = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--output', 'json'], {env: {...env(), ...vars}})
    expect(cli.code, cli.stderr).toBe(0)
    expect(arnOf(cli.stdout)).toBe(DEPLOYER)
  })

  it("AssumeRole's real errors reach the user as one line, and the command does not run", {timeout: 120_000}, async () => {
    const denied = await runKeyless(['exec', '--profile', 'deploy-denied', '--', '/bin/echo', 'ran'], {env: env()})
    expect(denied.code).toBe(1)
    expect(denied.stdout).toBe('')
    expect(denied.stderr.trim()).toMatch(
      /^keyless: profile deploy-denied: AssumeRole of arn:aws:iam::333333333333:role\/Deployer failed \(AccessDenied: User: arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role\/Deployer\); check that the role's trust policy/,
    )
    const long = await runKeyless(['exec', '--profile', 'deploy-too-long', '--', '/bin/echo', 'ran'], {env: env()})
    expect(long.code).toBe(1)
    expect(long.stderr).toMatch(
      /ValidationError: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining/,
    )
    const cli = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'deploy-denied'], {env: env()})
    expect(cli.code).not.toBe(0)
    expect(cli.stderr).toMatch(/AccessDenied/)
  })
})
