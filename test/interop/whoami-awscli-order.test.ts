/**
 * whoami must judge the credentials the AWS tools really use. A profile with sso_* keys and a credential_process:
 * the AWS CLI (and Terraform, the JS SDK's default chain) takes the SSO keys. A profile with a credential_process and
 * a key in the config file: the AWS CLI and boto3 run the process, Terraform and the JS SDK take the key. The same
 * profile through /usr/bin/aws and through `keyless whoami`: they must agree, on the identity or on failing.
 */
import {createHash} from 'node:crypto'
import {rmSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeAwsDataPath} from '../helpers/aws-data-path.js'
import {DEBIAN_PYTHON} from '../helpers/botocore.js'
import {ROOT, runKeyless, runProcess} from '../helpers/cli.js'
import {signInWithSdk, startEmulator, writeProcessCredentials, type EmulatorHandle, type SignedIn} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {TERRAFORM, terraformCaller} from '../helpers/terraform.js'

const START_URL = 'https://keyless-demo.awsapps.com/start'
let emulator: EmulatorHandle
let signedIn: SignedIn
let sandbox: Sandbox
let dataPath: string

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  signedIn = await signInWithSdk(emulator)
  sandbox = makeSandbox()
  dataPath = writeAwsDataPath(emulator.url, join(sandbox.home, 'aws-data'))
  // The credential_process prints production (333333333333) credentials; the sso_* keys name sandbox (111111111111).
  const processOutput = join(sandbox.home, 'production.json')
  await writeProcessCredentials(emulator, signedIn.accessToken, {accountId: '333333333333', roleName: 'ReadOnlyAccess'}, processOutput)
  writeFile(
    sandbox.configFile,
    `[sso-session demo]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n\n` +
      `[profile mixed]\nsso_session = demo\nsso_account_id = 111111111111\nsso_role_name = AdministratorAccess\n` +
      `credential_process = cat ${processOutput}\nregion = us-east-1\n\n` +
      // An IAM user's key of 222222222222 in the config file, beside a credential_process of 333333333333.
      `[profile keyed]\naws_access_key_id = AKIAEMULATORUSER0001\naws_secret_access_key = emulator-user-secret-0000000000000000000\n` +
      `credential_process = cat ${processOutput}\nregion = us-east-1\n\n` +
      `[profile keyed-broken]\naws_access_key_id = AKIAEMULATORUSER0001\naws_secret_access_key = emulator-user-secret-0000000000000000000\n` +
      `credential_process = sh -c "echo broken >&2; exit 3"\nregion = us-east-1\n`,
  )
})
afterAll(async () => {
  await emulator.close()
  sandbox.cleanup()
})

const env = () => ({...sandbox.env, ...emulator.env(), AWS_DATA_PATH: dataPath})
const aws = () => runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'mixed', '--output', 'json'], {env: env()})
const whoami = (args: string[]) => runKeyless(['whoami', '--profile', 'mixed', ...args], {env: env()})
/** The account Terraform would run in with AWS_PROFILE=mixed (its S3 backend's credential check; null without Terraform). */
const terraformAccount = async () =>
  TERRAFORM
    ? /^arn:aws:(?:sts|iam)::(\d{12}):/.exec((await terraformCaller(emulator.url, {...env(), AWS_PROFILE: 'mixed'})).arn ?? '')?.[1]
    : null
const viaTerraform = (account: string) => (TERRAFORM ? account : null)
const tokenCache = () => join(sandbox.home, '.aws', 'sso', 'cache', createHash('sha1').update('demo').digest('hex') + '.json')

describe('a profile with sso_* keys and a credential_process', () => {
  it('signed in with the AWS CLI: both report the SSO role (111111111111), and --expect-account 333333333333 fails', async () => {
    writeFile(
      tokenCache(),
      JSON.stringify({
        startUrl: START_URL,
        region: 'us-east-1',
        accessToken: signedIn.accessToken,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    )
    const cli = await aws()
    expect(cli.stderr).toBe('')
    expect(JSON.parse(cli.stdout).Account).toBe('111111111111')
    // Terraform (the AWS SDK for Go) takes the SSO keys too.
    expect(await terraformAccount()).toBe(viaTerraform('111111111111'))

    const judged = await whoami(['--json'])
    expect(judged.code).toBe(0)
    expect(JSON.parse(judged.stdout)).toMatchObject({account: '111111111111', source: 'sso'})
    expect(JSON.parse(judged.stdout).warnings.map((w: {code: string}) => w.code)).toEqual(['sso-keys-shadow-credential-process'])

    const guarded = await whoami(['--strict', '--expect-account', '333333333333'])
    expect(guarded.code).toBe(4)
    expect(guarded.stdout).toContain('account     111111111111')
  })

  it('and a long-term key of the same profile in the credentials file: the AWS CLI still takes SSO; whoami says Terraform takes the key, and --strict fails', async () => {
    // The AWS SDK for Go (Terraform) takes a profile's static keys before its SSO keys; botocore and the JS SDK do not.
    writeFile(
      sandbox.credentialsFile,
      '[mixed]\naws_access_key_id = AKIAEMULATORROOT0001\naws_secret_access_key = emulator-root-secret-0000000000000000000\n',
    )
    try {
      const cli = await aws()
      expect(cli.stderr).toBe('')
      expect(JSON.parse(cli.stdout).Account).toBe('111111111111')
      // Terraform takes the key: the root of 111111111111, not the SSO role.
      expect(TERRAFORM ? (await terraformCaller(emulator.url, {...env(), AWS_PROFILE: 'mixed'})).arn : null).toBe(
        TERRAFORM ? 'arn:aws:iam::111111111111:root' : null,
      )
      const judged = await whoami(['--json'])
      expect(judged.code).toBe(0)
      const identity = JSON.parse(judged.stdout)
      expect(identity).toMatchObject({account: '111111111111', source: 'sso', keyKind: 'temporary'})
      expect(identity.warnings.map((w: {code: string}) => w.code)).toEqual([
        'sso-keys-shadow-credential-process',
        'terraform-uses-long-term-key',
      ])
      expect(identity.warnings[1].message).toContain(`the long-term key AKIA************0001 (in ${sandbox.credentialsFile})`)
      const guarded = await whoami(['--strict'])
      expect(guarded.code).toBe(3)
      expect(guarded.stderr.trimEnd().split('\n').at(-1)).toBe(
        'keyless: refusing: profile [mixed] also holds a long-term access key, which Terraform and the AWS SDKs for Go and JavaScript use instead of its SSO role (--strict); ' +
          'remove the key from [mixed] (keyless audit --fix), then deactivate it in IAM',
      )
    } finally {
      rmSync(sandbox.credentialsFile, {force: true})
    }
  })

  it("and an IAM user's key of another account: --expect-account checks the account Terraform would run in too", async () => {
    // The SSO role is in 111111111111; the key is terraform-deployer's, in 222222222222: the AWS CLI runs in one account,
    // Terraform in the other, and `whoami --expect-account 111111111111 && terraform apply` must not pass.
    const user = 'arn:aws:iam::222222222222:user/terraform-deployer'
    writeFile(
      sandbox.credentialsFile,
      '[mixed]\naws_access_key_id = AKIAEMULATORUSER0001\naws_secret_access_key = emulator-user-secret-0000000000000000000\n',
    )
    try {
      expect(JSON.parse((await aws()).stdout).Account).toBe('111111111111')
      expect(TERRAFORM ? (await terraformCaller(emulator.url, {...env(), AWS_PROFILE: 'mixed'})).arn : null).toBe(TERRAFORM ? user : null)

      const calls = async () => (await emulator.stats()).operations.GetCallerIdentity
      let before = await calls()
      const plain = await whoami(['--json'])
      expect(plain.code, plain.stderr).toBe(0)
      // Without --expect-account the key is not sent anywhere: one GetCallerIdentity, the SSO role's.
      expect((await calls()) - before).toBe(1)
      expect(JSON.parse(plain.stdout).terraform).toEqual({source: 'long-term-key', account: null, accessKeyId: 'AKIA************0001'})

      before = await calls()
      const guarded = await whoami(['--expect-account', '111111111111'])
      expect((await calls()) - before).toBe(2)
      expect(guarded.code).toBe(4)
      expect(guarded.stdout).toContain('account     111111111111')
      expect(guarded.stderr.trimEnd().split('\n').at(-1)).toBe(
        'keyless: Terraform and the AWS SDK for Go would use the long-term key AKIA************0001 of profile [mixed], in account 222222222222, ' +
          'not 111111111111 (--expect-account); remove the key from [mixed] (keyless audit --fix), then deactivate it in IAM',
      )
      const both = await whoami(['--json', '--expect-account', '111111111111', '--expect-account', '222222222222'])
      expect(both.code, both.stderr).toBe(0)
      expect(JSON.parse(both.stdout).terraform).toEqual({
        source: 'long-term-key',
        account: '222222222222',
        accessKeyId: 'AKIA************0001',
      })
      expect(both.stdout + both.stderr).not.toContain('emulator-user-secret')

      // A deactivated key: STS refuses it (and Terraform fails), so the account cannot be confirmed; the guard fails.
      writeFile(
        sandbox.credentialsFile,
        '[mixed]\naws_access_key_id = AKIAEMULATOROLD00001\naws_secret_access_key = emulator-old-secret-00000000000000000000\n',
      )
      const unconfirmed = await whoami(['--expect-account', '111111111111'])
      expect(unconfirmed.code).toBe(4)
      expect(unconfirmed.stderr.trimEnd().split('\n').at(-1)).toBe(
        'keyless: cannot confirm the account Terraform would use: it takes the long-term key AKIA************0001 of profile [mixed], ' +
          'and STS did not identify it (InvalidClientTokenId) (--expect-account); remove the key from [mixed] (keyless audit --fix), then deactivate it in IAM',
      )
    } finally {
      rmSync(sandbox.credentialsFile, {force: true})
    }
  })

  it('without an AWS CLI login: the AWS CLI fails, and so does whoami (not the credential_process identity)', async () => {
    writeFile(tokenCache(), '{}')
    rmSync(join(sandbox.home, '.aws', 'cli', 'cache'), {recursive: true, force: true}) // the AWS CLI's cached role credentials
    const cli = await aws()
    expect(cli.code).not.toBe(0)
    expect(cli.stdout).toBe('')

    const judged = await whoami(['--strict', '--expect-account', '333333333333'])
    expect(judged.code).toBe(1)
    expect(judged.stdout).toBe('')
    expect(judged.stderr.trimEnd().split('\n').at(-1)).toBe(
      'keyless: the SSO session of profile [mixed] has expired or is missing (its sso_* keys win over its credential_process in the AWS CLI and SDKs); ' +
        'run: aws sso login --profile mixed, or remove the sso_* keys from [profile mixed]',
    )
  })
})

describe('a profile with a credential_process and a long-term key in the config file', () => {
  const keyed = (args: string[]) => runKeyless(['whoami', '--profile', 'keyed', ...args], {env: env()})
  const user = 'arn:aws:iam::222222222222:user/terraform-deployer'

  it('the AWS CLI and boto3 run the process (333333333333), Terraform and the JS SDK take the key (222222222222); whoami shows the first and guards the second', async () => {
    // botocore reads a config file's keys after credential_process; the Go SDK and the JS SDK's fromIni before it.
    const cli = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'keyed', '--output', 'json'], {env: env()})
    expect(cli.stderr).toBe('')
    expect(JSON.parse(cli.stdout).Account).toBe('333333333333')
    const boto3 = await runProcess(
      DEBIAN_PYTHON,
      [
        '-c',
        `import boto3; print(boto3.Session(profile_name='keyed').client('sts', region_name='us-east-1').get_caller_identity()['Account'])`,
      ],
      {env: env()},
    )
    expect(boto3.stdout.trim(), boto3.stderr).toBe('333333333333')
    const jsSdk = await runProcess(
      process.execPath,
      ['-e', `require('@aws-sdk/credential-providers').fromIni({profile: 'keyed'})().then((c) => console.log(c.accessKeyId.slice(0, 4)))`],
      {env: env(), cwd: ROOT},
    )
    expect(jsSdk.stdout.trim(), jsSdk.stderr).toBe('AKIA')
    expect(TERRAFORM ? (await terraformCaller(emulator.url, {...env(), AWS_PROFILE: 'keyed'})).arn : null).toBe(TERRAFORM ? user : null)

    const judged = await keyed(['--json'])
    expect(judged.code, judged.stderr).toBe(0)
    const identity = JSON.parse(judged.stdout)
    expect(identity).toMatchObject({account: '333333333333', source: 'credential-process', keyKind: 'temporary'})
    expect(identity.warnings.map((w: {code: string}) => w.code)).toEqual(['terraform-uses-long-term-key'])
    expect(identity.warnings[0].message).toBe(
      `profile [keyed] has a credential_process and the long-term key AKIA************0001 (in ${sandbox.configFile}): the AWS CLI and boto3 ` +
        'run its credential_process, but Terraform and the AWS SDKs for Go and JavaScript (the CDK, ...) use the key; ' +
        `remove it from [keyed] in ${sandbox.configFile} (keyless audit --fix), then deactivate it in IAM`,
    )
    expect(identity.terraform).toEqual({source: 'long-term-key', account: null, accessKeyId: 'AKIA************0001'})

    // The AWS CLI's account passes only where Terraform's does too; Terraform's alone does not pass either.
    const guarded = await keyed(['--expect-account', '333333333333'])
    expect(guarded.code).toBe(4)
    expect(guarded.stderr.trimEnd().split('\n').at(-1)).toBe(
      'keyless: Terraform and the AWS SDK for Go would use the long-term key AKIA************0001 of profile [keyed], in account 222222222222, ' +
        'not 333333333333 (--expect-account); remove the key from [keyed] (keyless audit --fix), then deactivate it in IAM',
    )
    expect((await keyed(['--expect-account', '222222222222'])).code).toBe(4)
    expect((await keyed(['--expect-account', '333333333333', '--expect-account', '222222222222'])).code).toBe(0)

    const strict = await keyed(['--strict'])
    expect(strict.code).toBe(3)
    expect(strict.stderr.trimEnd().split('\n').at(-1)).toBe(
      'keyless: refusing: profile [keyed] also holds a long-term access key, which Terraform and the AWS SDKs for Go and JavaScript use instead of its credential_process (--strict); ' +
        'remove the key from [keyed] (keyless audit --fix), then deactivate it in IAM',
    )
  })

  it('its credential_process failing: the AWS CLI fails (it does not fall back to the key), and so does whoami', async () => {
    const cli = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'keyed-broken', '--output', 'json'], {
      env: env(),
    })
    expect(cli.code).not.toBe(0)
    expect(cli.stderr).toContain('broken')
    const judged = await runKeyless(['whoami', '--profile', 'keyed-broken'], {env: env()})
    expect(judged.code).toBe(1)
    expect(judged.stdout).toBe('')
    expect(judged.stderr).toBe(
      'keyless: credential_process of profile [keyed-broken] failed: broken; run its command by hand to see why: sh -c "echo broken >&2; exit 3"\n',
    )
  })
})
