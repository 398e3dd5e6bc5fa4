/**
 * `keyless import` of profiles that hold long-term keys (issue 26, item 1): each key is identified with STS signed
 * by it (audit's step), and a name whose account has a role of the user's becomes a keyless profile for that role,
 * the key removed from the credentials and config files with backups. The AWS CLI v2 (/usr/bin/aws) resolves
 * the same names before (the key: root, IAM user) and after (an SSO role of the same account).
 */
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {defaultFixture} from '../emulator/fixture.js'
import {writeAwsDataPath} from '../helpers/aws-data-path.js'
import {runKeyless, runProcess} from '../helpers/cli.js'
import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'
import {runInTerminal} from '../helpers/pty.js'
import {KEYLESS_BIN} from '../helpers/cli.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

let emulator: EmulatorHandle
let sandbox: Sandbox

let dataPath: string

const ROOT_SECRET = 'emulator-root-secret-0000000000000000000'
const USER_SECRET = 'emulator-user-secret-0000000000000000000'
/** An IAM user in an account the SSO user has no role in. */
const ORPHAN = {id: 'AKIAEMULATORORPHAN01', secret: 'emulator-orphan-secret-000000000000000000'}

const CREDENTIALS = `# keys from the old laptop
[root-key]
aws_access_key_id = AKIAEMULATORROOT0001
aws_secret_access_key = ${ROOT_SECRET}

[orphan]
aws_access_key_id = ${ORPHAN.id}
aws_secret_access_key = ${ORPHAN.secret}

[revoked]
aws_access_key_id = AKIAEMULATORGONE0001
aws_secret_access_key = emulator-gone-secret-0000000000000000000
`

const PROFILES = `
[profile root-key]
region = us-east-1
output = json

# the deploy user
[profile deployer]
aws_access_key_id = AKIAEMULATORUSER0001
aws_secret_access_key = ${USER_SECRET}
region = us-east-1

[profile mfa-user]
aws_access_key_id = AKIAEMULATORUSER0001
aws_secret_access_key = ${USER_SECRET}
mfa_serial = arn:aws:iam::222222222222:mfa/terraform-deployer
`

const env = () => ({...sandbox.env, ...emulator.env(), AWS_DATA_PATH: dataPath})

beforeAll(async () => {
  const fixture = defaultFixture()
  fixture.staticIdentities.push({
    accessKeyId: ORPHAN.id,
    secretAccessKey: ORPHAN.secret,
    account: '444444444444',
    arn: 'arn:aws:iam::444444444444:user/orphan',
    userId: 'AIDAEMULATORORPHAN01',
  })
  emulator = await startEmulator({fixture})
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox, {session: 'acme'})
  writeFileSync(sandbox.configFile, readFileSync(sandbox.configFile, 'utf8') + PROFILES)
  mkdirSync(dirname(sandbox.credentialsFile), {recursive: true})
  writeFileSync(sandbox.credentialsFile, CREDENTIALS, {mode: 0o600})
  dataPath = writeAwsDataPath(emulator.url)
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

async function awsIdentity(profile: string): Promise<string> {
  const out = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', profile, '--output', 'json'], {env: env()})
  expect(out.code, `${profile}: ${out.stderr}`).toBe(0)
  return (JSON.parse(out.stdout) as {Arn: string}).Arn
}

describe('keyless import of profiles with long-term keys', () => {
  let configBefore: string

  it('before: the AWS CLI uses the root key and the IAM user key', {timeout: 60_000}, async () => {
    expect(await awsIdentity('root-key')).toBe('arn:aws:iam::111111111111:root')
    expect(await awsIdentity('deployer')).toBe('arn:aws:iam::222222222222:user/terraform-deployer')
    configBefore = readFileSync(sandbox.configFile, 'utf8')
  })

  it('without a terminal: converts nothing, lists each key profile with why and the exact flag', {timeout: 60_000}, async () => {
    const out = await runKeyless(['import'], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    const lines = out.stderr.trim().split('\n').sort()
    expect(lines).toEqual([
      "keyless: not imported: deployer (static-keys): it holds IAM user terraform-deployer's long-term key in account 222222222222; it can become a keyless profile (staging/PowerUserAccess, staging/ReadOnlyAccess), which removes the key; run: keyless import --convert-keys deployer=ROLE (ROLE one of PowerUserAccess, ReadOnlyAccess)",
      'keyless: not imported: mfa-user (static-keys): it is an IAM user with MFA (arn:aws:iam::222222222222:mfa/terraform-deployer): its long-term key is not converted; ask for an Identity Center role in its account, then run: keyless audit --fix',
      "keyless: not imported: orphan (static-keys): it holds IAM user orphan's long-term key in account 444444444444 (AKIA************AN01), and no role in account 444444444444 is assigned to you in your keyless sessions; ask for an Identity Center role in that account (then keyless import again), or run: keyless audit --fix",
      'keyless: not imported: revoked (static-keys): AWS rejects its key AKIA************0001 (InvalidClientTokenId: deleted, inactive or a wrong secret); run: keyless audit --fix to remove it',
      'keyless: not imported: root-key (static-keys): it holds the ROOT key of account 111111111111; it can become a keyless profile (sandbox/AdministratorAccess, sandbox/ReadOnlyAccess), which removes the key; run: keyless import --convert-keys root-key=ROLE (ROLE one of AdministratorAccess, ReadOnlyAccess)',
    ])
    expect(out.stdout).toMatch(/^No changes to .*: 0 imported, 5 not imported/)
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(configBefore)
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe(CREDENTIALS)
    expect(existsSync(`${sandbox.credentialsFile}.keyless.bak`)).toBe(false)
  })

  it("--dry-run --convert-keys shows both files' diffs, secrets redacted, and changes nothing", {timeout: 60_000}, async () => {
    const out = await runKeyless(
      ['import', '--dry-run', '--convert-keys', 'root-key=ReadOnlyAccess', '--convert-keys', 'deployer=PowerUserAccess'],
      {
        env: env(),
      },
    )
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toContain('-aws_access_key_id = AKIAEMULATORUSER0001\n-aws_secret_access_key = <redacted>\n')
    expect(out.stdout).toContain('-aws_access_key_id = AKIAEMULATORROOT0001\n-aws_secret_access_key = <redacted>\n')
    expect(out.stdout).toContain('+keyless_session = acme')
    // Nothing was removed: no deactivation step, no root warning, no backup line.
    expect(out.stderr).not.toMatch(/is gone from this machine|WARNING|keyless\.bak/)
    for (const secret of [ROOT_SECRET, USER_SECRET, ORPHAN.secret]) {
      expect(out.stdout).not.toContain(secret)
      expect(out.stderr).not.toContain(secret)
    }
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(configBefore)
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe(CREDENTIALS)
    expect(existsSync(`${sandbox.configFile}.keyless.bak`)).toBe(false)
  })

  it(
    '--convert-keys converts the named profiles: exact bytes, backups, warnings, and the AWS CLI gets the role',
    {timeout: 120_000},
    async () => {
      const out = await runKeyless(
        ['import', '--json', '--convert-keys', 'root-key=ReadOnlyAccess', '--convert-keys', 'deployer=PowerUserAccess'],
        {
          env: env(),
        },
      )
      expect(out.code, out.stderr).toBe(0)
      const result = JSON.parse(out.stdout) as {keysConverted: Array<Record<string, unknown>>; notImported: Array<{name: string}>}
      expect(result.keysConverted).toEqual([
        {
          name: 'root-key',
          accountId: '111111111111',
          roleName: 'ReadOnlyAccess',
          session: 'acme',
          principalKind: 'root',
          deactivate: expect.stringContaining('sign in as the root user'),
        },
        {
          name: 'deployer',
          accountId: '222222222222',
          roleName: 'PowerUserAccess',
          session: 'acme',
          principalKind: 'iam-user',
          deactivate: 'aws iam update-access-key --status Inactive --access-key-id AKIAEMULATORUSER0001 --user-name terraform-deployer',
        },
      ])
      expect(result.notImported.map((n) => n.name).sort()).toEqual(['mfa-user', 'orphan', 'revoked'])
      expect(out.stderr).toMatch(/keyless: WARNING: root-key held the ROOT key of account 111111111111\. .*delete it now: /)

      const cp = (account: string, role: string) =>
        `credential_process = "${KEYLESS_BIN}" credential-process --session acme --account-id=${account} --role-name=${role}`
      const sessionPart = configBefore.slice(0, configBefore.indexOf('\n[profile root-key]'))
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(
        sessionPart +
          `
[profile root-key]
${cp('111111111111', 'ReadOnlyAccess')}
region = us-east-1
keyless_session = acme
output = json

# the deploy user
[profile deployer]
${cp('222222222222', 'PowerUserAccess')}
region = us-east-1
keyless_session = acme

[profile mfa-user]
aws_access_key_id = AKIAEMULATORUSER0001
aws_secret_access_key = ${USER_SECRET}
mfa_serial = arn:aws:iam::222222222222:mfa/terraform-deployer
`,
      )
      expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe(CREDENTIALS.replace(/\[root-key\]\n[^\n]*\n[^\n]*\n\n/, ''))
      expect(readFileSync(`${sandbox.credentialsFile}.keyless.bak`, 'utf8')).toBe(CREDENTIALS)
      expect(readFileSync(`${sandbox.configFile}.keyless.bak`, 'utf8')).toBe(configBefore)
      expect(statSync(`${sandbox.credentialsFile}.keyless.bak`).mode & 0o777).toBe(0o600)
      expect(statSync(`${sandbox.configFile}.keyless.bak`).mode & 0o777).toBe(0o600)

      // The same names, the same accounts, now SSO roles.
      expect(await awsIdentity('root-key')).toMatch(
        /^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user$/,
      )
      expect(await awsIdentity('deployer')).toMatch(
        /^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_PowerUserAccess_[0-9a-f]{16}\/demo\.user$/,
      )

      const again = await runKeyless(['import'], {env: env()})
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toMatch(/^No changes to .*: 0 imported, 3 not imported/)
    },
  )

  it('on a terminal: asks per profile with the roles, a root key loudly, and converts the one chosen', {timeout: 120_000}, async () => {
    // A fresh pair of key profiles, in the credentials file only.
    writeFileSync(
      sandbox.credentialsFile,
      readFileSync(sandbox.credentialsFile, 'utf8') +
        `\n[second-root]\naws_access_key_id = AKIAEMULATORROOT0001\naws_secret_access_key = ${ROOT_SECRET}\n`,
    )
    const run = await runInTerminal([process.execPath, KEYLESS_BIN, 'import'], {
      env: env(),
      // Down once: the second role (sandbox/ReadOnlyAccess).
      answers: [[/CRITICAL: profile \[second-root\] holds the ROOT key of account 111111111111[\s\S]*Keep the key/, '\u001b[B\r']],
    })
    expect(run.code, run.screen).toBe(0)
    expect(run.screen).toMatch(/Turn \[second-root\] into a keyless profile for sandbox\/AdministratorAccess/)
    expect(run.screen).toMatch(/WARNING: second-root held the ROOT key/)
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).not.toContain('second-root')
    expect(readFileSync(sandbox.configFile, 'utf8')).toContain(
      `[profile second-root]\ncredential_process = "${KEYLESS_BIN}" credential-process --session acme --account-id=111111111111 --role-name=ReadOnlyAccess\nregion = us-east-1\nkeyless_session = acme\n`,
    )
    expect(await awsIdentity('second-root')).toMatch(/^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_ReadOnlyAccess_/)
  })
})
