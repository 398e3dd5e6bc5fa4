/**
 * Half a set of credential variables in the environment (what `unset AWS_ACCESS_KEY_ID` alone leaves behind). A secret
 * or a session token without a key id: the AWS CLI, boto3 and Terraform all pass over it and use the profile, so
 * whoami judges that profile and only warns. A key id without its secret: the AWS CLI and boto3 fail, Terraform uses
 * the profile; whoami fails in one line that says what to do, as it cannot say which a tool will use.
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

const DEFAULT_ARN = /^arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user$/
let emulator: EmulatorHandle
let sandbox: Sandbox

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  sandbox = makeSandbox()
  const processOutput = join(sandbox.home, 'temporary.json')
  await writeProcessCredentials(
    emulator,
    (await signInWithSdk(emulator)).accessToken,
    {accountId: '333333333333', roleName: 'ReadOnlyAccess'},
    processOutput,
  )
  writeFile(sandbox.configFile, `[default]\ncredential_process = cat ${processOutput}\nregion = us-east-1\n`)
})
afterAll(async () => {
  await emulator.close()
  sandbox.cleanup()
})

const env = (extra: NodeJS.ProcessEnv) => ({...sandbox.env, ...emulator.env(), AWS_DATA_PATH: writeAwsDataPath(emulator.url), ...extra})
/** The ARN each tool runs as, or its last error line; Terraform's is null where it is not installed. */
async function tools(extra: NodeJS.ProcessEnv): Promise<{cli: string; boto3: string; terraform: string | null}> {
  const cli = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--output', 'json'], {env: env(extra)})
  const py = await runProcess(
    DEBIAN_PYTHON,
    ['-c', "import boto3; print(boto3.client('sts', region_name='us-east-1').get_caller_identity()['Arn'])"],
    {env: env(extra)},
  )
  const tf = TERRAFORM ? await terraformCaller(emulator.url, env(extra)) : undefined
  const last = (text: string) => text.trim().split('\n').at(-1) ?? ''
  return {
    cli: cli.code === 0 ? (JSON.parse(cli.stdout) as {Arn: string}).Arn : last(cli.stderr),
    boto3: py.code === 0 ? py.stdout.trim() : last(py.stderr),
    terraform: tf ? (tf.arn ?? tf.error ?? '') : null,
  }
}

describe('half a set of credential variables in the environment', () => {
  it.each([
    ['AWS_SESSION_TOKEN', {AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEleftover'}, 'AWS_SESSION_TOKEN is set', 'it', 'AWS_SESSION_TOKEN'],
    [
      'AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
      {AWS_SECRET_ACCESS_KEY: 'leftover-secret', AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEleftover'},
      'AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are set',
      'them',
      'AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN',
    ],
  ])('%s without a key id: every tool uses [default], and so does whoami, with a warning', async (_, extra, what, pronoun, unset) => {
    const used = await tools(extra)
    expect(used.cli).toMatch(DEFAULT_ARN)
    expect(used.boto3).toMatch(DEFAULT_ARN)
    if (TERRAFORM) expect(used.terraform).toMatch(DEFAULT_ARN)

    const judged = await runKeyless(['whoami', '--json', '--strict'], {env: env(extra)})
    expect(judged.code, judged.stderr).toBe(0)
    const identity = JSON.parse(judged.stdout)
    expect(identity.arn).toMatch(DEFAULT_ARN)
    expect(identity.warnings).toEqual([
      {
        code: 'ignored-environment-variable',
        message: `${what} without AWS_ACCESS_KEY_ID: every AWS tool ignores ${pronoun} (a leftover of an old session) and uses the profile; run: unset ${unset}`,
      },
    ])
  })

  it('a key id without its secret: the AWS CLI and boto3 fail, Terraform takes [default]; whoami fails in one line', async () => {
    const extra = {AWS_ACCESS_KEY_ID: 'AKIAEMULATORUSER0001'}
    const used = await tools(extra)
    expect(used.cli).toBe('Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY')
    expect(used.boto3).toMatch(/PartialCredentialsError/)
    if (TERRAFORM) expect(used.terraform).toMatch(DEFAULT_ARN)

    const judged = await runKeyless(['whoami', '--strict'], {env: env(extra)})
    expect(judged.code).toBe(1)
    expect(judged.stdout).toBe('')
    expect(judged.stderr).toBe(
      'keyless: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not (the AWS CLI and boto3 fail on this; Terraform and the ' +
        'JavaScript SDK silently use a profile instead); set both, or run: unset AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN\n',
    )
  })
})
