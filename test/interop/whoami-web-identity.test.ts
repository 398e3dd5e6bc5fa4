/**
 * A web identity in the environment (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN: an EKS pod with IRSA, a CI job)
 * beside a profile: the AWS CLI and boto3 (botocore's resolver) take the web identity before the profile's own
 * credentials, and leave it out when a profile is named on the command line; the AWS SDK for Go (Terraform) takes it
 * before any profile the environment names. whoami, the guard before terraform apply, must judge what they use: here
 * the web identity's role lives in 111111111111, while [default] (what the AWS SDK for JavaScript would take) is an
 * SSO role in 333333333333, and [rootkeys] the root of 111111111111.
 */
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeAwsDataPath} from '../helpers/aws-data-path.js'
import {DEBIAN_PYTHON} from '../helpers/botocore.js'
import {runKeyless, runProcess} from '../helpers/cli.js'
import {signInWithSdk, startEmulator, writeProcessCredentials, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {TERRAFORM, terraformCaller} from '../helpers/terraform.js'
import {webIdentityRole, webIdentityToken} from '../helpers/web-identity.js'

const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EMULATOR0000000000000000000000001'
const ROLE_ARN = 'arn:aws:iam::111111111111:role/payments-api'
const WEB_IDENTITY_ARN = 'arn:aws:sts::111111111111:assumed-role/payments-api/pod-1'
const ROOT_ARN = 'arn:aws:iam::111111111111:root'
const ROOT = {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey: 'emulator-root-secret-0000000000000000000'}

let emulator: EmulatorHandle
let sandbox: Sandbox
let webIdentity: NodeJS.ProcessEnv

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  sandbox = makeSandbox()
  // The cluster's IAM side: its OIDC provider, and a role its service account payments/api may take.
  await webIdentityRole(emulator, ISSUER, 'payments-api', 'system:serviceaccount:payments:api')
  // The pod's side: the projected service-account token, in a file.
  const tokenFile = join(sandbox.home, 'eks-token')
  writeFile(tokenFile, await webIdentityToken(emulator, {issuer: ISSUER, subject: 'system:serviceaccount:payments:api'}))
  webIdentity = {AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE_ARN, AWS_ROLE_SESSION_NAME: 'pod-1'}

  // [default]: temporary credentials of an SSO role in 333333333333, printed by a credential_process.
  const signedIn = await signInWithSdk(emulator)
  const processOutput = join(sandbox.home, 'temporary.json')
  await writeProcessCredentials(emulator, signedIn.accessToken, {accountId: '333333333333', roleName: 'ReadOnlyAccess'}, processOutput)
  // [profile deploy]: an assumed role (Deployer, which trusts SSO AdministratorAccess) from [profile admin]'s SSO role.
  const adminOutput = join(sandbox.home, 'admin.json')
  await writeProcessCredentials(emulator, signedIn.accessToken, {accountId: '111111111111', roleName: 'AdministratorAccess'}, adminOutput)
  writeFile(
    sandbox.configFile,
    `[default]\ncredential_process = cat ${processOutput}\nregion = us-east-1\n\n` +
      `[profile admin]\ncredential_process = cat ${adminOutput}\n\n` +
      `[profile deploy]\nrole_arn = arn:aws:iam::111111111111:role/Deployer\nsource_profile = admin\nrole_session_name = deploy\n`,
  )
  writeFile(
    sandbox.credentialsFile,
    `[rootkeys]\naws_access_key_id = ${ROOT.accessKeyId}\naws_secret_access_key = ${ROOT.secretAccessKey}\n`,
  )
})
afterAll(async () => {
  await emulator.close()
  sandbox.cleanup()
})

// The Debian AWS CLI and botocore ignore AWS_ENDPOINT_URL: an AWS_DATA_PATH endpoint rule sends their STS calls (the
// web identity's included) to the emulator. keyless's SDK takes AWS_ENDPOINT_URL.
const env = (extra: NodeJS.ProcessEnv) => ({...sandbox.env, ...emulator.env(), AWS_DATA_PATH: writeAwsDataPath(emulator.url), ...extra})
const awsCli = (extra: NodeJS.ProcessEnv, args: string[] = []) =>
  runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--output', 'json', ...args], {env: env(extra)})
const boto3 = (extra: NodeJS.ProcessEnv) =>
  runProcess(DEBIAN_PYTHON, ['-c', `import boto3; print(boto3.client('sts', region_name='us-east-1').get_caller_identity()['Arn'])`], {
    env: env(extra),
  })
/** The ARN Terraform would run as (its S3 backend's credential check), or null where no Terraform is installed. */
const terraform = async (extra: NodeJS.ProcessEnv) => (TERRAFORM ? (await terraformCaller(emulator.url, env(extra))).arn : null)
const viaTerraform = (arn: string) => (TERRAFORM ? arn : null)
const arnOf = async (run: Promise<{code: number | null; stdout: string; stderr: string}>, json: boolean) => {
  const r = await run
  expect(r.code, r.stderr).toBe(0)
  return json ? (JSON.parse(r.stdout) as {Arn: string}).Arn : r.stdout.trim()
}

describe('a web identity in the environment', () => {
  it("beside [default]: the AWS CLI and boto3 take the web identity's role; so does whoami, and [default]'s account fails --expect-account", async () => {
    expect(await arnOf(awsCli(webIdentity), true)).toBe(WEB_IDENTITY_ARN)
    expect(await arnOf(boto3(webIdentity), false)).toBe(WEB_IDENTITY_ARN)
    expect(await terraform(webIdentity)).toBe(viaTerraform(WEB_IDENTITY_ARN))
    // Without it, all of them take [default].
    expect(await arnOf(awsCli({}), true)).toMatch(/^arn:aws:sts::333333333333:assumed-role\//)
    expect(await terraform({})).toEqual(TERRAFORM ? expect.stringMatching(/^arn:aws:sts::333333333333:assumed-role\//) : null)

    const judged = await runKeyless(['whoami', '--json'], {env: env(webIdentity)})
    expect(judged.code, judged.stderr).toBe(0)
    expect(JSON.parse(judged.stdout)).toMatchObject({
      account: '111111111111',
      arn: WEB_IDENTITY_ARN,
      principalKind: 'assumed-role',
      keyKind: 'temporary',
      source: 'web-identity',
      warnings: [],
    })
    const wrongAccount = await runKeyless(['whoami', '--expect-account', '333333333333'], {env: env(webIdentity)})
    expect(wrongAccount.code).toBe(4)
    expect(wrongAccount.stderr).toContain('111111111111')

    // --debug shows the SDK's requests; neither the token nor the role's secrets are in it.
    const debug = await runKeyless(['whoami', '--debug'], {env: env(webIdentity)})
    expect(debug.code, debug.stderr).toBe(0)
    expect(debug.stderr).toContain('credential-provider-web-identity')
    const secrets = await emulator.issued()
    expect(secrets.length).toBeGreaterThan(3)
    for (const secret of secrets) expect(debug.stdout + debug.stderr).not.toContain(secret)
  })

  it('beside AWS_PROFILE naming a root key: the tools take the web identity, whoami says the profile is passed over and --strict passes', async () => {
    const extra = {...webIdentity, AWS_PROFILE: 'rootkeys'}
    expect(await arnOf(awsCli(extra), true)).toBe(WEB_IDENTITY_ARN)
    expect(await arnOf(boto3(extra), false)).toBe(WEB_IDENTITY_ARN)
    expect(await terraform(extra)).toBe(viaTerraform(WEB_IDENTITY_ARN))
    const judged = await runKeyless(['whoami', '--json', '--strict'], {env: env(extra)})
    expect(judged.code, judged.stderr).toBe(0)
    const identity = JSON.parse(judged.stdout)
    expect(identity).toMatchObject({arn: WEB_IDENTITY_ARN, source: 'web-identity'})
    expect(identity.warnings).toEqual([
      {
        code: 'env-overrides-profile',
        message:
          'AWS_WEB_IDENTITY_TOKEN_FILE in the environment overrides AWS_PROFILE=rootkeys: the AWS CLI and Terraform assume ' +
          `${ROLE_ARN} with its token, not the profile (the AWS SDK for JavaScript takes the profile); run: unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN`,
      },
    ])
  })

  it("beside AWS_PROFILE naming an assume-role profile: the AWS CLI assumes the profile's role, Terraform takes the web identity; whoami shows the CLI's and says so", async () => {
    const extra = {...webIdentity, AWS_PROFILE: 'deploy'}
    const deployer = 'arn:aws:sts::111111111111:assumed-role/Deployer/deploy'
    expect(await arnOf(awsCli(extra), true)).toBe(deployer)
    expect(await arnOf(boto3(extra), false)).toBe(deployer)
    expect(await terraform(extra)).toBe(viaTerraform(WEB_IDENTITY_ARN))
    const judged = await runKeyless(['whoami', '--json'], {env: env(extra)})
    expect(judged.code, judged.stderr).toBe(0)
    const identity = JSON.parse(judged.stdout)
    expect(identity).toMatchObject({arn: deployer, source: 'assume-role'})
    expect(identity.warnings).toEqual([
      {
        code: 'terraform-uses-web-identity',
        message:
          'profile [deploy] assumes its role_arn in the AWS CLI and boto3, but Terraform and the AWS SDK for Go take the web identity ' +
          `in AWS_WEB_IDENTITY_TOKEN_FILE (AWS_ROLE_ARN=${ROLE_ARN}) first; run: unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN, or set the ` +
          'profile in the Terraform provider block',
      },
    ])
  })

  it("and the web identity's role in another account: --expect-account checks the account Terraform would run in too", async () => {
    // The cluster's role lives in 333333333333; the profile's Deployer in 111111111111.
    const issuer = 'https://oidc.eks.eu-west-1.amazonaws.com/id/EMULATOR0000000000000000000000003'
    const roleArn = await webIdentityRole(emulator, issuer, 'payments-api', 'system:serviceaccount:payments:api', '333333333333')
    const tokenFile = join(sandbox.home, 'eks-token-333')
    writeFile(tokenFile, await webIdentityToken(emulator, {issuer, subject: 'system:serviceaccount:payments:api'}))
    const extra = {AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: roleArn, AWS_ROLE_SESSION_NAME: 'pod-1', AWS_PROFILE: 'deploy'}
    expect(await arnOf(awsCli(extra), true)).toBe('arn:aws:sts::111111111111:assumed-role/Deployer/deploy')
    expect(await terraform(extra)).toBe(viaTerraform('arn:aws:sts::333333333333:assumed-role/payments-api/pod-1'))

    const judged = await runKeyless(['whoami', '--json'], {env: env(extra)})
    expect(judged.code, judged.stderr).toBe(0)
    expect(JSON.parse(judged.stdout)).toMatchObject({
      account: '111111111111',
      terraform: {source: 'web-identity', account: '333333333333', roleArn},
    })
    const guarded = await runKeyless(['whoami', '--expect-account', '111111111111'], {env: env(extra)})
    expect(guarded.code).toBe(4)
    expect(guarded.stderr.trimEnd().split('\n').at(-1)).toBe(
      `keyless: Terraform and the AWS SDK for Go would use the web identity's role AWS_ROLE_ARN=${roleArn}, in account 333333333333, ` +
        'not 111111111111 (--expect-account); run: unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN, or set the profile in the Terraform provider block',
    )
    // The role's own account is not enough either: the AWS CLI's is checked first.
    expect((await runKeyless(['whoami', '--expect-account', '333333333333'], {env: env(extra)})).code).toBe(4)
    const both = await runKeyless(['whoami', '--expect-account', '111111111111', '--expect-account', '333333333333'], {env: env(extra)})
    expect(both.code, both.stderr).toBe(0)
  })

  it('--profile: the AWS CLI leaves the web identity out, and so does whoami (the root key: --strict fails)', async () => {
    expect(await arnOf(awsCli(webIdentity, ['--profile', 'rootkeys']), true)).toBe(ROOT_ARN)
    const judged = await runKeyless(['whoami', '--profile', 'rootkeys', '--strict'], {env: env(webIdentity)})
    expect(judged.code).toBe(3)
  })

  it('a token file without AWS_ROLE_ARN: the AWS CLI fails, and whoami fails with one line that says what to do', async () => {
    const extra = {AWS_WEB_IDENTITY_TOKEN_FILE: webIdentity.AWS_WEB_IDENTITY_TOKEN_FILE}
    const cli = await awsCli(extra)
    expect(cli.code).not.toBe(0)
    expect(cli.stderr).toMatch(/no role ARN configured/)
    const judged = await runKeyless(['whoami'], {env: env(extra)})
    expect(judged.code).toBe(1)
    expect(judged.stdout).toBe('')
    expect(judged.stderr).toBe(
      'keyless: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: the AWS CLI and Terraform fail here; set AWS_ROLE_ARN to the role to assume, or unset AWS_WEB_IDENTITY_TOKEN_FILE\n',
    )
  })
})
