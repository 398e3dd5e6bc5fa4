/** The same emulator driven by the real AWS CLI v2 (/usr/bin/aws): --endpoint-url, then the AWS_DATA_PATH override. */
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeAwsDataPath} from '../helpers/aws-data-path.js'
import {runProcess} from '../helpers/cli.js'
import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

const AWS = '/usr/bin/aws'
const START_URL = 'https://keyless-demo.awsapps.com/start'

let emulator: EmulatorHandle
let sandbox: Sandbox
beforeAll(async () => {
  // Interval 0: the CLI's start-up time must not decide between authorization_pending and slow_down.
  emulator = await startEmulator({deviceInterval: 0})
  sandbox = makeSandbox()
})
afterAll(async () => {
  await emulator.close()
  sandbox.cleanup()
})

async function aws(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await runProcess(AWS, [...args, '--region', 'us-east-1', '--output', 'json'], {env: {...sandbox.env, ...env}})
  const json = () => {
    if (result.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(' ')} exited ${result.code}: ${result.stderr.trim()}`)
    return JSON.parse(result.stdout) as Record<string, any>
  }
  return {...result, json}
}

const endpoint = () => ['--endpoint-url', emulator.url]

describe('the AWS CLI with --endpoint-url', () => {
  it('runs the whole device flow, the portal calls and GetCallerIdentity with the issued credentials', {timeout: 240_000}, async () => {
    const registered = await aws([
      'sso-oidc',
      'register-client',
      '--client-name',
      'aws-cli-test',
      '--client-type',
      'public',
      '--scopes',
      'sso:account:access',
      ...endpoint(),
    ])
    expect(registered.stderr).toBe('')
    const client = registered.json()
    expect(client.clientSecretExpiresAt - client.clientIdIssuedAt).toBe(90 * 24 * 3600)

    const started = await aws([
      'sso-oidc',
      'start-device-authorization',
      // `--flag=value`: issued values are random base64url and may start with '-', which the AWS CLI's argument parser
      // would take for an option ("argument --device-code: expected one argument").
      `--client-id=${client.clientId}`,
      `--client-secret=${client.clientSecret}`,
      '--start-url',
      START_URL,
      ...endpoint(),
    ])
    const device = started.json()
    expect(device.verificationUriComplete).toBe(`${emulator.url}/device?user_code=${device.userCode}`)

    const tokenArgs = [
      'sso-oidc',
      'create-token',
      `--client-id=${client.clientId}`,
      `--client-secret=${client.clientSecret}`,
      '--grant-type',
      'urn:ietf:params:oauth:grant-type:device_code',
      `--device-code=${device.deviceCode}`,
      ...endpoint(),
    ]
    const pending = await aws(tokenArgs)
    expect(pending.code).not.toBe(0)
    expect(pending.stderr).toContain('(AuthorizationPendingException) when calling the CreateToken operation')
    await emulator.approve(device.userCode)
    const token = (await aws(tokenArgs)).json()
    expect(token).toMatchObject({tokenType: 'Bearer', expiresIn: 28_800, accessToken: expect.any(String), refreshToken: expect.any(String)})

    const accounts = (await aws(['sso', 'list-accounts', `--access-token=${token.accessToken}`, ...endpoint()])).json()
    expect(accounts.accountList.map((a: {accountName: string}) => a.accountName)).toEqual(['sandbox', 'staging', 'production'])
    const roles = (
      await aws(['sso', 'list-account-roles', `--access-token=${token.accessToken}`, '--account-id', '222222222222', ...endpoint()])
    ).json()
    expect(roles.roleList).toEqual([
      {roleName: 'PowerUserAccess', accountId: '222222222222'},
      {roleName: 'ReadOnlyAccess', accountId: '222222222222'},
    ])
    const credentials = (
      await aws([
        'sso',
        'get-role-credentials',
        `--access-token=${token.accessToken}`,
        '--account-id',
        '222222222222',
        '--role-name',
        'ReadOnlyAccess',
        ...endpoint(),
      ])
    ).json().roleCredentials
    expect(credentials.accessKeyId).toMatch(/^ASIA/)

    const keys = {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    }
    const identity = (await aws(['sts', 'get-caller-identity', ...endpoint()], keys)).json()
    expect(identity.Account).toBe('222222222222')
    expect(identity.Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user$/)

    const forged = await aws(['sts', 'get-caller-identity', ...endpoint()], {...keys, AWS_SECRET_ACCESS_KEY: 'wrong'})
    expect(forged.code).not.toBe(0)
    expect(forged.stderr).toContain('(SignatureDoesNotMatch) when calling the GetCallerIdentity operation')

    const unauthorized = await aws(['sso', 'list-accounts', '--access-token', 'not-a-token', ...endpoint()])
    expect(unauthorized.stderr).toContain(
      '(UnauthorizedException) when calling the ListAccounts operation: Session token not found or invalid',
    )
  })
})

describe('the AWS CLI through an AWS_DATA_PATH endpoint rule-set override', () => {
  it('calls STS on the emulator without --endpoint-url', async () => {
    const dataPath = writeAwsDataPath(emulator.url, `${sandbox.home}/aws-data`)
    const before = (await emulator.stats()).operations.GetCallerIdentity
    const identity = await aws(['sts', 'get-caller-identity'], {
      AWS_DATA_PATH: dataPath,
      AWS_ACCESS_KEY_ID: 'AKIAEMULATORROOT0001',
      AWS_SECRET_ACCESS_KEY: 'emulator-root-secret-0000000000000000000',
    })
    expect(identity.json()).toEqual({UserId: '111111111111', Account: '111111111111', Arn: 'arn:aws:iam::111111111111:root'})
    expect((await emulator.stats()).operations.GetCallerIdentity).toBe(before + 1)
  })

  it('lets `aws sso login` and an SSO profile work end to end', async () => {
    const auto = await startEmulator({autoApprove: true, deviceInterval: 0})
    try {
      const dataPath = writeAwsDataPath(auto.url, `${sandbox.home}/aws-data-sso`)
      mkdirSync(dirname(sandbox.configFile), {recursive: true})
      writeFileSync(
        sandbox.configFile,
        `[sso-session demo]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n` +
          `[profile sandbox]\nsso_session = demo\nsso_account_id = 111111111111\nsso_role_name = AdministratorAccess\nregion = us-east-1\n`,
      )
      const login = await aws(['sso', 'login', '--profile', 'sandbox', '--no-browser'], {AWS_DATA_PATH: dataPath})
      expect(login.stdout).toContain(`${auto.url}/device?user_code=`)
      expect(login.stdout).toContain(`Successfully logged into Start URL: ${START_URL}`)
      const identity = (await aws(['sts', 'get-caller-identity', '--profile', 'sandbox'], {AWS_DATA_PATH: dataPath})).json()
      expect(identity.Arn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/demo\.user$/)
      expect((await auto.stats()).operations).toMatchObject({
        RegisterClient: 1,
        StartDeviceAuthorization: 1,
        GetRoleCredentials: 1,
        GetCallerIdentity: 1,
      })
    } finally {
      await auto.close()
    }
  })
})
