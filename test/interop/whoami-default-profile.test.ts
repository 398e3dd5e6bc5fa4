/**
 * AWS_DEFAULT_PROFILE: the AWS CLI and the Go SDK (Terraform) read it when AWS_PROFILE is unset, boto3 reads it first,
 * the AWS SDK for JavaScript never. whoami, the guard before terraform apply, must judge the profile they use: here a
 * root key, while [default] (what the JavaScript SDK would take) holds harmless temporary credentials.
 */
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DEBIAN_PYTHON} from '../helpers/botocore.js'
import {runKeyless, runProcess} from '../helpers/cli.js'
import {signInWithSdk, startEmulator, writeProcessCredentials, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {TERRAFORM, terraformCaller} from '../helpers/terraform.js'

const ROOT_ARN = 'arn:aws:iam::111111111111:root'
let emulator: EmulatorHandle
let sandbox: Sandbox

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  const signedIn = await signInWithSdk(emulator)
  sandbox = makeSandbox()
  // [default]: temporary credentials of an SSO role (333333333333), printed by a credential_process.
  const processOutput = join(sandbox.home, 'temporary.json')
  await writeProcessCredentials(emulator, signedIn.accessToken, {accountId: '333333333333', roleName: 'ReadOnlyAccess'}, processOutput)
  writeFile(sandbox.configFile, `[default]\ncredential_process = cat ${processOutput}\nregion = us-east-1\n`)
  // [rootkeys]: the account root's long-term key (the emulator's static identity).
  writeFile(
    sandbox.credentialsFile,
    '[rootkeys]\naws_access_key_id = AKIAEMULATORROOT0001\naws_secret_access_key = emulator-root-secret-0000000000000000000\n',
  )
})
afterAll(async () => {
  await emulator.close()
  sandbox.cleanup()
})

const env = (extra: NodeJS.ProcessEnv) => ({...sandbox.env, ...emulator.env(), ...extra})
const awsCli = (extra: NodeJS.ProcessEnv) =>
  runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', emulator.url, '--output', 'json'], {env: env(extra)})
const boto3 = (extra: NodeJS.ProcessEnv) =>
  runProcess(
    DEBIAN_PYTHON,
    [
      '-c',
      `import boto3; print(boto3.client('sts', region_name='us-east-1', endpoint_url=${JSON.stringify(emulator.url)}).get_caller_identity()['Arn'])`,
    ],
    {env: env(extra)},
  )

describe('AWS_DEFAULT_PROFILE naming a root key, AWS_PROFILE unset', () => {
  it('the AWS CLI and boto3 use the root key; whoami judges it too, and --strict fails', async () => {
    const extra = {AWS_DEFAULT_PROFILE: 'rootkeys'}
    const cli = await awsCli(extra)
    expect(cli.code, cli.stderr).toBe(0)
    expect(JSON.parse(cli.stdout).Arn).toBe(ROOT_ARN)
    const py = await boto3(extra)
    expect(py.code, py.stderr).toBe(0)
    expect(py.stdout.trim()).toBe(ROOT_ARN)
    // Terraform (the AWS SDK for Go) reads AWS_DEFAULT_PROFILE too.
    if (TERRAFORM) expect((await terraformCaller(emulator.url, env(extra))).arn).toBe(ROOT_ARN)

    const judged = await runKeyless(['whoami', '--json'], {env: env(extra)})
    expect(judged.code, judged.stderr).toBe(0)
    const identity = JSON.parse(judged.stdout)
    expect(identity).toMatchObject({arn: ROOT_ARN, principalKind: 'root', keyKind: 'long-term'})
    expect(identity.warnings.map((w: {code: string}) => w.code)).toEqual(['root', 'long-term-key', 'default-profile-variable'])

    const guarded = await runKeyless(['whoami', '--strict'], {env: env(extra)})
    expect(guarded.code).toBe(3)
  })

  it('without it, all three agree on [default]; with AWS_PROFILE=default as well, the AWS CLI and whoami take AWS_PROFILE', async () => {
    const cli = await awsCli({})
    expect(JSON.parse(cli.stdout).Arn).toMatch(/^arn:aws:sts::333333333333:assumed-role\//)
    const judged = await runKeyless(['whoami', '--json', '--strict'], {env: env({})})
    expect(judged.code, judged.stderr).toBe(0)
    expect(JSON.parse(judged.stdout)).toMatchObject({account: '333333333333', warnings: []})

    const both = {AWS_PROFILE: 'default', AWS_DEFAULT_PROFILE: 'rootkeys'}
    expect(JSON.parse((await awsCli(both)).stdout).Arn).toMatch(/^arn:aws:sts::333333333333:/)
    // boto3 reads AWS_DEFAULT_PROFILE first: the root key. whoami follows the AWS CLI and Terraform, and says so.
    expect((await boto3(both)).stdout.trim()).toBe(ROOT_ARN)
    const split = await runKeyless(['whoami', '--json'], {env: env(both)})
    expect(JSON.parse(split.stdout)).toMatchObject({account: '333333333333'})
    expect(JSON.parse(split.stdout).warnings).toEqual([
      {
        code: 'default-profile-variable',
        message:
          'AWS_PROFILE=default and AWS_DEFAULT_PROFILE=rootkeys differ: the AWS CLI and Terraform use [default], boto3 and the tools built on it [rootkeys]; run: unset AWS_DEFAULT_PROFILE',
      },
    ])
  })
})
