/**
 * `keyless import` on a config file in each peer tool's real format, then the AWS CLI v2 and boto3 through the
 * same profile names: the same account and role as before. The AWS CLI's own SSO profiles are run before the
 * import too (their token cache written as `aws sso login` writes it), so "the same as before" is measured.
 */
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeAwsDataPath} from '../helpers/aws-data-path.js'
import {runKeyless, runProcess} from '../helpers/cli.js'
import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, type SeededSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

let emulator: EmulatorHandle
let sandbox: Sandbox
let seeded: SeededSession
let dataPath: string
const SSO_ARN = /^arn:aws:sts::(\d{12}):assumed-role\/AWSReservedSSO_(\w+)_[0-9a-f]{16}\/demo\.user$/

const peerConfig = (startUrl: string) => `# team laptop config
[default]
region = eu-west-1
s3 =
  max_concurrent_requests = 20

[profile cli-new]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = us-east-1

[profile cli-legacy]
sso_start_url = ${startUrl}
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = PowerUserAccess
region = us-east-1

[profile granted-prod]
granted_sso_account_id = 333333333333
granted_sso_region = us-east-1
granted_sso_role_name = ReadOnlyAccess
granted_sso_start_url = ${startUrl}
credential_process = granted credential-process --profile granted-prod
region = us-east-1

# BEGIN_AWS_SSO_CLI

[profile staging:ReadOnlyAccess]
credential_process = /usr/local/bin/aws-sso -u open -S "Default" process --arn arn:aws:iam::222222222222:role/ReadOnlyAccess
output=json

# END_AWS_SSO_CLI

[profile vault-sandbox]
credential_process = aws-vault export --format=json cli-new
region = us-east-1

# aws-vault's include_profile: the start URL comes from the profile included
[profile vault-base]
sso_start_url = ${startUrl}
sso_region = us-east-1

[profile vault-staging]
include_profile = vault-base
sso_account_id = 222222222222
sso_role_name = ReadOnlyAccess
region = us-east-1

[profile vault-staging-cp]
credential_process = aws-vault export --format=json vault-staging
region = us-east-1

[profile not-mine]
sso_session = acme
sso_account_id = 333333333333
sso_role_name = AdministratorAccess

[profile elsewhere]
sso_start_url = https://elsewhere.awsapps.com/start
sso_region = eu-central-1
sso_account_id = 444444444444
sso_role_name = Dev

[profile iam-user]
aws_access_key_id = AKIAEMULATORUSER0001
aws_secret_access_key = emulator-user-secret-0000000000000000000
mfa_serial = arn:aws:iam::222222222222:mfa/terraform-deployer
`

const env = () => ({...sandbox.env, ...emulator.env(), AWS_DATA_PATH: dataPath})

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  sandbox = makeSandbox()
  seeded = await seedSession(emulator, sandbox, {session: 'acme'})
  writeFileSync(sandbox.configFile, readFileSync(sandbox.configFile, 'utf8') + '\n' + peerConfig(seeded.startUrl))
  mkdirSync(join(sandbox.home, '.aws-sso'), {recursive: true})
  writeFileSync(
    join(sandbox.home, '.aws-sso', 'config.yaml'),
    `SSOConfig:\n  Default:\n    SSORegion: ${seeded.region}\n    StartUrl: ${seeded.startUrl}\nDefaultSSO: Default\n`,
  )
  dataPath = writeAwsDataPath(emulator.url)
  // The AWS CLI's own token cache (botocore's SSOTokenLoader: sha1 of the session name, or of the start URL for
  // legacy profiles), so that its native SSO profiles work before the import.
  const cacheDir = join(sandbox.home, '.aws', 'sso', 'cache')
  mkdirSync(cacheDir, {recursive: true})
  const token = JSON.stringify({
    startUrl: seeded.startUrl,
    region: seeded.region,
    accessToken: seeded.accessToken,
    expiresAt: new Date(Date.now() + 4 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  })
  for (const key of ['acme', seeded.startUrl]) writeFileSync(join(cacheDir, `${createHash('sha1').update(key).digest('hex')}.json`), token)
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

async function awsIdentity(profile: string) {
  const out = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', profile, '--output', 'json'], {env: env()})
  expect(out.code, `${profile}: ${out.stderr}`).toBe(0)
  const id = JSON.parse(out.stdout) as {Arn: string; Account: string}
  return `${id.Account}/${SSO_ARN.exec(id.Arn)?.[2]}`
}

async function boto3Identity(profile: string) {
  const script = [
    'import boto3, json',
    `sts = boto3.Session(profile_name=${JSON.stringify(profile)}).client('sts', endpoint_url=${JSON.stringify(emulator.url)}, region_name='us-east-1')`,
    'print(json.dumps(sts.get_caller_identity()))',
  ].join('\n')
  const out = await runProcess('/usr/bin/python3', ['-c', script], {env: env()})
  expect(out.code, `${profile}: ${out.stderr}`).toBe(0)
  const id = JSON.parse(out.stdout) as {Arn: string; Account: string}
  return `${id.Account}/${SSO_ARN.exec(id.Arn)?.[2]}`
}

const EXPECTED: Record<string, string> = {
  'cli-new': '111111111111/AdministratorAccess',
  'cli-legacy': '222222222222/PowerUserAccess',
  'granted-prod': '333333333333/ReadOnlyAccess',
  'staging:ReadOnlyAccess': '222222222222/ReadOnlyAccess',
  'vault-sandbox': '111111111111/AdministratorAccess',
  'vault-staging': '222222222222/ReadOnlyAccess',
  'vault-staging-cp': '222222222222/ReadOnlyAccess',
}

describe('keyless import of AWS CLI, granted, aws-sso-cli and aws-vault profiles', () => {
  const before: Record<string, string> = {}

  it('before: the AWS CLI runs its own SSO profiles', {timeout: 120_000}, async () => {
    for (const name of ['cli-new', 'cli-legacy']) before[name] = await awsIdentity(name)
    expect(before).toEqual({'cli-new': EXPECTED['cli-new'], 'cli-legacy': EXPECTED['cli-legacy']})
  })

  it('--dry-run prints the diff, lists what it cannot convert, writes nothing', {timeout: 120_000}, async () => {
    const original = readFileSync(sandbox.configFile)
    const out = await runKeyless(['import', '--dry-run'], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toContain('-sso_session = acme')
    expect(out.stdout).toContain('+keyless_session = acme')
    expect(out.stderr).toMatch(
      /not imported: not-mine \(aws-cli\): role AdministratorAccess in account 333333333333 is not assigned to you/,
    )
    expect(out.stderr).toMatch(
      /not imported: elsewhere \(aws-cli\): its session elsewhere .* is not signed in.*run: keyless login --session elsewhere/,
    )
    expect(out.stderr).toMatch(/not imported: iam-user \(static-keys\): it is an IAM user with MFA/)
    expect(readFileSync(sandbox.configFile).equals(original)).toBe(true)
    expect(existsSync(`${sandbox.configFile}.keyless.bak`)).toBe(false)
  })

  it('import converts under the same names, with a backup; a second import changes nothing', {timeout: 120_000}, async () => {
    const original = readFileSync(sandbox.configFile, 'utf8')
    const out = await runKeyless(['import', '--json'], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    const result = JSON.parse(out.stdout) as {
      imported: Array<{name: string; from: string}>
      notImported: Array<{name: string}>
      sessionsAdded: string[]
    }
    expect(Object.fromEntries(result.imported.map((i) => [i.name, i.from]))).toEqual({
      'cli-new': 'aws-cli',
      'cli-legacy': 'aws-cli',
      'granted-prod': 'granted',
      'staging:ReadOnlyAccess': 'aws-sso-cli',
      'vault-sandbox': 'aws-vault',
      'vault-staging': 'aws-vault',
      'vault-staging-cp': 'aws-vault',
    })
    expect(result.notImported.map((n) => n.name).sort()).toEqual(['elsewhere', 'iam-user', 'not-mine', 'vault-base'])
    expect(result.sessionsAdded).toEqual(['elsewhere'])
    expect(readFileSync(`${sandbox.configFile}.keyless.bak`, 'utf8')).toBe(original)
    const text = readFileSync(sandbox.configFile, 'utf8')
    // Untouched: the comment, [default] with its nested block, the profiles it could not convert, the markers.
    expect(text.startsWith(original.slice(0, original.indexOf('[profile cli-new]')))).toBe(true)
    for (const kept of [
      '[profile not-mine]\nsso_session = acme',
      '[profile iam-user]\naws_access_key_id',
      '# BEGIN_AWS_SSO_CLI',
      '# END_AWS_SSO_CLI',
    ])
      expect(text).toContain(kept)
    expect(text).toMatch(/\[sso-session elsewhere\]\nsso_start_url = https:\/\/elsewhere\.awsapps\.com\/start\nsso_region = eu-central-1\n/)
    expect(text).not.toMatch(/granted credential-process|aws-sso -u|aws-vault export/)

    const again = await runKeyless(['import'], {env: env()})
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(/No changes to .*: 0 imported/)
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(text)
  })

  it('after: the AWS CLI and boto3 resolve every imported name to the same account and role', {timeout: 240_000}, async () => {
    for (const [name, expected] of Object.entries(EXPECTED)) {
      expect(await awsIdentity(name), name).toBe(expected)
      expect(await boto3Identity(name), name).toBe(expected)
    }
    expect(await awsIdentity('cli-new')).toBe(before['cli-new'])
    expect(await awsIdentity('cli-legacy')).toBe(before['cli-legacy'])
  })
})
