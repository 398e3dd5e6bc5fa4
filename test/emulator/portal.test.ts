/** The SSO portal through the real SDK v3 client: listings, pagination, credentials, logout, every error. */
import {
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  ListAccountsCommand,
  LogoutCommand,
  paginateListAccountRoles,
  paginateListAccounts,
  SSOClient,
  type SSOServiceException,
} from '@aws-sdk/client-sso'
import {CreateTokenCommand, SSOOIDCClient} from '@aws-sdk/client-sso-oidc'
import {afterAll, describe, expect, it} from 'vitest'

import {type EmulatorHandle, type EmulatorOptions, signInWithSdk, startEmulator} from '../helpers/emulator.js'

const emulators: EmulatorHandle[] = []
afterAll(async () => {
  for (const e of emulators) await e.close()
})

async function setup(options: EmulatorOptions = {}, clientOptions: {maxAttempts?: number} = {}) {
  const emulator = await startEmulator(options)
  emulators.push(emulator)
  const sso = new SSOClient({region: 'us-east-1', endpoint: emulator.url, maxAttempts: clientOptions.maxAttempts ?? 1})
  const session = await signInWithSdk(emulator)
  return {emulator, sso, session, accessToken: session.accessToken}
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    const e = error as SSOServiceException & {$response?: {headers: Record<string, string>; body?: unknown}}
    return {name: e.name, status: e.$metadata.httpStatusCode, errorType: e.$response?.headers['x-amzn-errortype'], message: e.message}
  }
  throw new Error('expected the call to fail')
}

const wireError = (name: string, status: number) => ({name, status, errorType: name, message: expect.any(String)})

async function allAccounts(sso: SSOClient, accessToken: string, pageSize?: number) {
  const pages: number[] = []
  const accounts = []
  for await (const page of paginateListAccounts({client: sso, pageSize}, {accessToken})) {
    pages.push(page.accountList?.length ?? 0)
    accounts.push(...(page.accountList ?? []))
  }
  return {pages, accounts}
}

describe('ListAccounts and ListAccountRoles', () => {
  it('list the default fixture', async () => {
    const {sso, accessToken} = await setup()
    const {accounts} = await allAccounts(sso, accessToken)
    expect(accounts).toEqual([
      {accountId: '111111111111', accountName: 'sandbox', emailAddress: 'aws-sandbox@keyless-demo.example.com'},
      {accountId: '222222222222', accountName: 'staging', emailAddress: 'aws-staging@keyless-demo.example.com'},
      {accountId: '333333333333', accountName: 'production', emailAddress: 'aws-production@keyless-demo.example.com'},
    ])
    const roles = await sso.send(new ListAccountRolesCommand({accessToken, accountId: '222222222222'}))
    expect(roles.roleList).toEqual([
      {roleName: 'PowerUserAccess', accountId: '222222222222'},
      {roleName: 'ReadOnlyAccess', accountId: '222222222222'},
    ])
    expect(roles.nextToken).toBeUndefined()
  })

  it('page by max_result, at most 100, default 20, with nextToken', async () => {
    const {sso, accessToken} = await setup({accounts: 250, rolesPerAccount: 2})
    const hundred = await allAccounts(sso, accessToken, 100)
    expect(hundred.pages).toEqual([100, 100, 50])
    expect(hundred.accounts[0]).toEqual({
      accountId: '100000000001',
      accountName: 'account-0001',
      emailAddress: 'account-0001@keyless-demo.example.com',
    })
    expect(hundred.accounts[249]!.accountName).toBe('account-0250')
    expect(new Set(hundred.accounts.map((a) => a.accountId)).size).toBe(250)
    expect((await allAccounts(sso, accessToken, 7)).pages.slice(0, 2)).toEqual([7, 7])
    expect((await allAccounts(sso, accessToken)).pages.length).toBe(13)
    expect(await failure(sso.send(new ListAccountsCommand({accessToken, maxResults: 101})))).toEqual(
      wireError('InvalidRequestException', 400),
    )
    expect(await failure(sso.send(new ListAccountsCommand({accessToken, nextToken: 'garbage'})))).toEqual(
      wireError('InvalidRequestException', 400),
    )
  })

  it('page roles too', async () => {
    const {sso, accessToken} = await setup({accounts: 1, rolesPerAccount: 130})
    const pages: string[][] = []
    for await (const page of paginateListAccountRoles({client: sso, pageSize: 100}, {accessToken, accountId: '100000000001'})) {
      pages.push((page.roleList ?? []).map((r) => r.roleName!))
    }
    expect(pages.map((p) => p.length)).toEqual([100, 30])
    expect(pages[0]!.slice(0, 2)).toEqual(['AdministratorAccess', 'ReadOnlyAccess'])
    expect(pages[1]!.at(-1)).toBe('PermissionSet130')
  })

  it('answer 404 for an account the user is not assigned to', async () => {
    const {sso, accessToken} = await setup()
    expect(await failure(sso.send(new ListAccountRolesCommand({accessToken, accountId: '999999999999'})))).toEqual(
      wireError('ResourceNotFoundException', 404),
    )
  })

  it('follow assignments changed at runtime', async () => {
    const {emulator, sso, accessToken} = await setup()
    await emulator.setAssignment('111111111111', 'ReadOnlyAccess', false)
    await emulator.setAssignment('333333333333', 'ReadOnlyAccess', false)
    await emulator.setAssignment('444444444444', 'Auditor', true, 'audit')
    const {accounts} = await allAccounts(sso, accessToken)
    expect(accounts.map((a) => a.accountName)).toEqual(['sandbox', 'staging', 'audit'])
    const roles = await sso.send(new ListAccountRolesCommand({accessToken, accountId: '111111111111'}))
    expect(roles.roleList?.map((r) => r.roleName)).toEqual(['AdministratorAccess'])
    expect((await failure(sso.send(new ListAccountRolesCommand({accessToken, accountId: '333333333333'})))).status).toBe(404)
  })
})

describe('GetRoleCredentials', () => {
  it('issues ASIA credentials expiring in 1 h, expiration in epoch milliseconds', async () => {
    const {emulator, sso, accessToken} = await setup()
    const before = Date.now()
    const {roleCredentials: c} = await sso.send(
      new GetRoleCredentialsCommand({accessToken, accountId: '111111111111', roleName: 'ReadOnlyAccess'}),
    )
    expect(c!.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(c!.secretAccessKey).toHaveLength(40)
    expect(c!.sessionToken!.length).toBeGreaterThan(500)
    expect(c!.expiration).toBeGreaterThanOrEqual(before + 3_600_000)
    expect(c!.expiration).toBeLessThan(before + 3_600_000 + 60_000)
    expect(await emulator.issued()).toEqual(expect.arrayContaining([c!.secretAccessKey, c!.sessionToken, accessToken]))
  })

  it('honours --role-credentials-ttl', async () => {
    const {sso, accessToken} = await setup({roleCredentialsTtl: 600})
    const before = Date.now()
    const {roleCredentials: c} = await sso.send(
      new GetRoleCredentialsCommand({accessToken, accountId: '333333333333', roleName: 'ReadOnlyAccess'}),
    )
    expect(c!.expiration! - before).toBeGreaterThanOrEqual(600_000)
    expect(c!.expiration! - before).toBeLessThan(660_000)
  })

  it('answers 404 for a role or account the user is not assigned', async () => {
    const {sso, accessToken} = await setup()
    const notAssigned = [
      {accountId: '333333333333', roleName: 'AdministratorAccess'},
      {accountId: '999999999999', roleName: 'ReadOnlyAccess'},
    ]
    for (const input of notAssigned) {
      expect(await failure(sso.send(new GetRoleCredentialsCommand({accessToken, ...input})))).toEqual(
        wireError('ResourceNotFoundException', 404),
      )
    }
  })
})

describe('the bearer token', () => {
  const list = (sso: SSOClient, accessToken: string) => sso.send(new ListAccountsCommand({accessToken}))

  it('401 for an empty or unknown token', async () => {
    const {sso} = await setup()
    expect(await failure(list(sso, ''))).toEqual(wireError('UnauthorizedException', 401))
    expect(await failure(list(sso, 'aoaAAAAAGnot-a-token'))).toEqual(wireError('UnauthorizedException', 401))
  })

  it('401 once the access token expired (--access-token-ttl)', async () => {
    const {emulator, sso, accessToken} = await setup({accessTokenTtl: 60})
    await list(sso, accessToken)
    await emulator.advanceClock(61)
    expect(await failure(list(sso, accessToken))).toEqual(wireError('UnauthorizedException', 401))
  })

  it('Logout invalidates the access token and ends the session (its refresh token too)', async () => {
    const {emulator, sso, session, accessToken} = await setup()
    await sso.send(new LogoutCommand({accessToken}))
    expect(await failure(list(sso, accessToken))).toEqual(wireError('UnauthorizedException', 401))
    expect(await failure(sso.send(new LogoutCommand({accessToken})))).toEqual(wireError('UnauthorizedException', 401))
    const oidc = new SSOOIDCClient({region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1})
    const refresh = oidc.send(
      new CreateTokenCommand({
        clientId: session.clientId,
        clientSecret: session.clientSecret,
        grantType: 'refresh_token',
        refreshToken: session.refreshToken,
      }),
    )
    await expect(refresh).rejects.toMatchObject({name: 'InvalidGrantException'})
  })

  it('401 after revoke-all', async () => {
    const {emulator, sso, accessToken} = await setup()
    await emulator.revokeAll()
    expect((await failure(list(sso, accessToken))).status).toBe(401)
  })
})

describe('rate limit, faults, latency', () => {
  it('--rate-limit answers 429 TooManyRequestsException beyond the bucket and counts it', async () => {
    const {emulator, sso, accessToken} = await setup({rateLimit: 3})
    const results = await Promise.allSettled(Array.from({length: 10}, () => sso.send(new ListAccountsCommand({accessToken}))))
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(rejected.length).toBeGreaterThanOrEqual(6)
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(3)
    expect(await failure(Promise.reject((rejected[0] as PromiseRejectedResult).reason))).toEqual(wireError('TooManyRequestsException', 429))
    const stats = await emulator.stats()
    expect(stats.throttled).toBe(rejected.length)
    expect(stats.operations.ListAccounts).toBe(10)
  })

  it('the SDK retries through 429s by itself (the bucket refills)', async () => {
    const {emulator, sso, accessToken} = await setup({rateLimit: 5}, {maxAttempts: 10})
    const results = await Promise.all(Array.from({length: 8}, () => sso.send(new ListAccountsCommand({accessToken}))))
    expect(results.every((r) => r.accountList?.length === 3)).toBe(true)
    expect((await emulator.stats()).throttled).toBeGreaterThan(0)
  })

  it('--fault-rate 1 answers every portal call with a 500', async () => {
    const {emulator, sso, accessToken} = await setup({faultRate: 1})
    const result = await failure(sso.send(new ListAccountsCommand({accessToken})))
    expect(result.status).toBe(500)
    expect((await emulator.stats()).faults).toBe(1)
  })

  it('--fault-rate P picks the same calls on every run (seeded)', async () => {
    const outcomes = async () => {
      const {sso, accessToken} = await setup({faultRate: 0.5})
      const out: number[] = []
      for (let i = 0; i < 20; i++)
        out.push(
          await sso.send(new ListAccountsCommand({accessToken})).then(
            () => 200,
            (e: SSOServiceException) => e.$metadata.httpStatusCode!,
          ),
        )
      return out
    }
    const first = await outcomes()
    expect(first).toContain(500)
    expect(first).toContain(200)
    expect(await outcomes()).toEqual(first)
  })

  it('--latency-ms delays each answer by at least that much', async () => {
    const {sso, accessToken} = await setup({latencyMs: 150})
    const started = performance.now()
    await sso.send(new ListAccountsCommand({accessToken}))
    expect(performance.now() - started).toBeGreaterThanOrEqual(145)
  })
})

describe('stats', () => {
  it('count every portal call', async () => {
    const {emulator, sso, accessToken} = await setup()
    await sso.send(new ListAccountsCommand({accessToken}))
    await sso.send(new ListAccountRolesCommand({accessToken, accountId: '111111111111'}))
    await sso.send(new ListAccountRolesCommand({accessToken, accountId: '222222222222'}))
    await sso.send(new GetRoleCredentialsCommand({accessToken, accountId: '111111111111', roleName: 'AdministratorAccess'}))
    await sso.send(new LogoutCommand({accessToken}))
    expect(await emulator.stats()).toEqual({
      operations: {
        RegisterClient: 1,
        StartDeviceAuthorization: 1,
        Authorize: 0,
        CreateToken: 1,
        ListAccounts: 1,
        ListAccountRoles: 2,
        GetRoleCredentials: 1,
        Logout: 1,
        GetCallerIdentity: 0,
        AssumeRole: 0,
        AssumeRoleWithWebIdentity: 0,
        GetSigninToken: 0,
        ConsoleLogin: 0,
        ConsoleLogout: 0,
      },
      grants: {authorization_code: 0, 'urn:ietf:params:oauth:grant-type:device_code': 1, refresh_token: 0},
      throttled: 0,
      faults: 0,
    })
  })
})
