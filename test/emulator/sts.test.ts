/** STS GetCallerIdentity through the real SDK v3 client: identities, SigV4 checks, XML errors, AWS_ENDPOINT_URL routing. */
import {GetRoleCredentialsCommand, ListAccountsCommand, SSOClient} from '@aws-sdk/client-sso'
import {CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand} from '@aws-sdk/client-sso-oidc'
import {GetCallerIdentityCommand, STSClient, type STSServiceException} from '@aws-sdk/client-sts'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type EmulatorHandle, signInWithSdk, startEmulator} from '../helpers/emulator.js'

let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})

type Credentials = {accessKeyId: string; secretAccessKey: string; sessionToken?: string}

function sts(credentials: Credentials) {
  return new STSClient({region: 'us-east-1', endpoint: emulator.url, credentials, maxAttempts: 1})
}

async function roleCredentials(accountId: string, roleName: string): Promise<Credentials> {
  const {accessToken} = await signInWithSdk(emulator)
  const sso = new SSOClient({region: 'us-east-1', endpoint: emulator.url})
  const {roleCredentials: c} = await sso.send(new GetRoleCredentialsCommand({accessToken, accountId, roleName}))
  return {accessKeyId: c!.accessKeyId!, secretAccessKey: c!.secretAccessKey!, sessionToken: c!.sessionToken!}
}

/** The secret with its first character changed (always changed: a secret that starts with `x` gets `y`). */
const otherFirstCharacter = (secret: string) => `${secret.startsWith('x') ? 'y' : 'x'}${secret.slice(1)}`

async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    const e = error as STSServiceException
    return {name: e.name, status: e.$metadata.httpStatusCode, message: e.message}
  }
  throw new Error('expected the call to fail')
}

const ROOT = {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey: 'emulator-root-secret-0000000000000000000'}
const USER = {accessKeyId: 'AKIAEMULATORUSER0001', secretAccessKey: 'emulator-user-secret-0000000000000000000'}

describe('GetCallerIdentity', () => {
  it('names the SSO role session of issued role credentials', async () => {
    const identity = await sts(await roleCredentials('222222222222', 'PowerUserAccess')).send(new GetCallerIdentityCommand({}))
    expect(identity.Account).toBe('222222222222')
    expect(identity.Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_PowerUserAccess_[0-9a-f]{16}\/demo\.user$/)
    expect(identity.UserId).toMatch(/^AROA[0-9A-F]{17}:demo\.user$/)
    // The same permission set keeps its suffix across sign-ins.
    const again = await sts(await roleCredentials('222222222222', 'PowerUserAccess')).send(new GetCallerIdentityCommand({}))
    expect(again.Arn).toBe(identity.Arn)
  })

  it('knows the static root and IAM user keys of the fixture', async () => {
    expect(await sts(ROOT).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: '111111111111',
      Arn: 'arn:aws:iam::111111111111:root',
      UserId: '111111111111',
    })
    expect(await sts(USER).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: '222222222222',
      Arn: 'arn:aws:iam::222222222222:user/terraform-deployer',
      UserId: expect.stringMatching(/^AIDA[A-Z0-9]{17}$/),
    })
  })

  it('knows a second root key in another account, and rejects the inactive key as AWS does (403 InvalidClientTokenId)', async () => {
    expect(
      await sts({accessKeyId: 'AKIAEMULATORROOT0003', secretAccessKey: 'emulator-root-secret-3333333333333333333'}).send(
        new GetCallerIdentityCommand({}),
      ),
    ).toMatchObject({
      Account: '333333333333',
      Arn: 'arn:aws:iam::333333333333:root',
    })
    const inactive = {accessKeyId: 'AKIAEMULATOROLD00001', secretAccessKey: 'emulator-old-secret-00000000000000000000'}
    expect(await failure(sts(inactive).send(new GetCallerIdentityCommand({})))).toEqual({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    })
  })

  it('SignatureDoesNotMatch (403) for a wrong secret', async () => {
    const creds = await roleCredentials('111111111111', 'ReadOnlyAccess')
    expect(
      await failure(sts({...creds, secretAccessKey: otherFirstCharacter(creds.secretAccessKey)}).send(new GetCallerIdentityCommand({}))),
    ).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
      message: expect.stringContaining('does not match'),
    })
    expect((await failure(sts({...USER, secretAccessKey: 'wrong'}).send(new GetCallerIdentityCommand({})))).name).toBe(
      'SignatureDoesNotMatch',
    )
  })

  it('InvalidClientTokenId (403) for an unknown key or a wrong session token', async () => {
    expect(await failure(sts({accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x'}).send(new GetCallerIdentityCommand({})))).toEqual({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    })
    const creds = await roleCredentials('111111111111', 'ReadOnlyAccess')
    expect((await failure(sts({...creds, sessionToken: 'forged'}).send(new GetCallerIdentityCommand({})))).name).toBe(
      'InvalidClientTokenId',
    )
    expect((await failure(sts({...creds, sessionToken: undefined}).send(new GetCallerIdentityCommand({})))).name).toBe(
      'InvalidClientTokenId',
    )
  })

  it('ExpiredToken once role credentials expired', async () => {
    const creds = await roleCredentials('111111111111', 'AdministratorAccess')
    await emulator.advanceClock(3601)
    expect(await failure(sts(creds).send(new GetCallerIdentityCommand({})))).toEqual({
      name: 'ExpiredToken',
      status: 400,
      message: 'The security token included in the request is expired',
    })
    // Long-term keys never expire.
    expect((await sts(ROOT).send(new GetCallerIdentityCommand({}))).Account).toBe('111111111111')
  })

  it('answers with a request id, as AWS does', async () => {
    const {$metadata} = await sts(ROOT).send(new GetCallerIdentityCommand({}))
    expect($metadata.httpStatusCode).toBe(200)
    expect($metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('AWS_ENDPOINT_URL', () => {
  it('sends sso-oidc, sso and sts to the emulator with no endpoint option', async () => {
    const saved = {...process.env}
    Object.assign(process.env, emulator.env())
    try {
      const fixture = await emulator.fixture()
      const oidc = new SSOOIDCClient({})
      const client = await oidc.send(new RegisterClientCommand({clientName: 'env', clientType: 'public', scopes: ['sso:account:access']}))
      const device = await oidc.send(
        new StartDeviceAuthorizationCommand({clientId: client.clientId, clientSecret: client.clientSecret, startUrl: fixture.startUrl}),
      )
      await emulator.approve(device.userCode!)
      const token = await oidc.send(
        new CreateTokenCommand({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          grantType: 'urn:ietf:params:oauth:grant-type:device_code',
          deviceCode: device.deviceCode,
        }),
      )
      const sso = new SSOClient({})
      const accounts = await sso.send(new ListAccountsCommand({accessToken: token.accessToken}))
      expect(accounts.accountList).toHaveLength(3)
      const {roleCredentials: c} = await sso.send(
        new GetRoleCredentialsCommand({accessToken: token.accessToken, accountId: '333333333333', roleName: 'ReadOnlyAccess'}),
      )
      const identity = await new STSClient({
        credentials: {accessKeyId: c!.accessKeyId!, secretAccessKey: c!.secretAccessKey!, sessionToken: c!.sessionToken},
      }).send(new GetCallerIdentityCommand({}))
      expect(identity.Account).toBe('333333333333')
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
  })
})
