import {ListAccountRolesCommand, ListAccountsCommand, SSOClient} from '@aws-sdk/client-sso'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {listAccountsWithRoles, type AccountWithRoles, type ListProgress} from '../../src/accounts/list.js'
import {KeylessError} from '../../src/errors.js'
import {SessionExpiredError} from '../../src/sso/errors.js'
import {defaultFixture, generateAccounts, type FixtureAccount} from '../emulator/fixture.js'
import {signInWithSdk, startEmulator, type EmulatorHandle} from '../helpers/emulator.js'

const SESSION = {name: 'acme', region: 'us-east-1'}

function expected(accounts: FixtureAccount[]): AccountWithRoles[] {
  return accounts
    .map((a) => ({...a, roles: [...a.roles].sort((x, y) => x.localeCompare(y, 'en'))}))
    .sort((a, b) => a.accountName.localeCompare(b.accountName, 'en') || a.accountId.localeCompare(b.accountId))
}

describe('listAccountsWithRoles against the emulator (real SDK client)', () => {
  let emulator: EmulatorHandle
  let accessToken: string
  let client: SSOClient
  const accounts = generateAccounts(250, 2)
  // One account with 230 roles: three ListAccountRoles pages.
  accounts[7]!.roles = Array.from({length: 230}, (_, i) => `PermissionSet${String(i).padStart(3, '0')}`)

  beforeAll(async () => {
    emulator = await startEmulator({fixture: {...defaultFixture(), accounts}})
    accessToken = (await signInWithSdk(emulator)).accessToken
    client = new SSOClient({region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1})
  })
  afterAll(async () => {
    client?.destroy()
    await emulator?.close()
  })

  it('reads every page of accounts (250) and of roles (230 for one account), in pages of 100', async () => {
    const before = await emulator.stats()
    const progress: ListProgress[] = []
    const listed = await listAccountsWithRoles(client, accessToken, {session: SESSION, onProgress: (p) => progress.push(p)})
    expect(listed).toEqual(expected(accounts))
    const after = await emulator.stats()
    // 3 pages of accounts; 249 accounts x 1 page + 3 pages for the big one.
    expect(after.operations.ListAccounts - before.operations.ListAccounts).toBe(3)
    expect(after.operations.ListAccountRoles - before.operations.ListAccountRoles).toBe(249 + 3)
    expect(progress.at(-1)).toEqual({accountsFound: 250, accountsDone: 250, allAccountsFound: true})
  })

  it('turns a revoked token (401) into the one-line "run keyless login" error', async () => {
    await emulator.revokeAll()
    const failure = await listAccountsWithRoles(client, accessToken, {session: SESSION}).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(SessionExpiredError)
    expect((failure as KeylessError).toLine()).toBe('keyless: SSO session "acme" has expired; run: keyless login --session acme')
  })
})

/** A scripted portal: answers by operation, with hooks to inject failures per call number. */
function fakePortal(accounts: FixtureAccount[], fail: (call: number, command: unknown) => Error | undefined) {
  let calls = 0
  const stats = {listAccounts: 0, listAccountRoles: 0}
  const client = {
    send: async (command: unknown) => {
      const n = ++calls
      await new Promise((r) => setTimeout(r, 1))
      const error = fail(n, command)
      if (error) throw error
      if (command instanceof ListAccountsCommand) {
        stats.listAccounts++
        const offset = Number(command.input.nextToken ?? 0)
        const size = command.input.maxResults ?? 20
        const page = accounts.slice(offset, offset + size)
        return {
          accountList: page.map(({accountId, accountName, emailAddress}) => ({accountId, accountName, emailAddress})),
          nextToken: offset + size < accounts.length ? String(offset + size) : undefined,
        }
      }
      if (command instanceof ListAccountRolesCommand) {
        stats.listAccountRoles++
        const account = accounts.find((a) => a.accountId === command.input.accountId)
        if (!account) throw Object.assign(new Error('not found'), {name: 'ResourceNotFoundException', $metadata: {httpStatusCode: 404}})
        return {roleList: account.roles.map((roleName) => ({roleName, accountId: account.accountId}))}
      }
      throw new Error('unexpected command')
    },
  } as unknown as SSOClient
  return {client, stats}
}

const sdkError = (name: string, status: number) => Object.assign(new Error(name), {name, $metadata: {httpStatusCode: status}})

describe('listAccountsWithRoles failure handling', () => {
  it('stops at the first 401 half-way and reports the session as expired', async () => {
    const accounts = generateAccounts(120, 1)
    const {client} = fakePortal(accounts, (n) => (n >= 40 ? sdkError('UnauthorizedException', 401) : undefined))
    await expect(listAccountsWithRoles(client, 'token', {session: SESSION})).rejects.toBeInstanceOf(SessionExpiredError)
  })

  it('retries 429 and 500 answers so that none of them surfaces', async () => {
    const accounts = generateAccounts(250, 3)
    // A token bucket of 100 calls/s (burst 100, as the emulator and Identity Center throttle), a 500 now and then.
    let tokens = 100
    let checkedAt = performance.now()
    const {client, stats} = fakePortal(accounts, (n) => {
      const now = performance.now()
      tokens = Math.min(100, tokens + ((now - checkedAt) / 1000) * 100)
      checkedAt = now
      if (tokens < 1) return sdkError('TooManyRequestsException', 429)
      tokens--
      return n % 11 === 0 ? sdkError('InternalServerException', 500) : undefined
    })
    const listed = await listAccountsWithRoles(client, 'token', {session: SESSION, limiter: {random: () => 0.01}})
    expect(listed).toEqual(expected(accounts))
    expect(stats.listAccounts).toBe(3)
    expect(stats.listAccountRoles).toBe(250)
  })

  it('lists an account whose roles are gone (404) with no roles', async () => {
    const accounts = generateAccounts(3, 1)
    const {client} = fakePortal(accounts, (_, command) =>
      command instanceof ListAccountRolesCommand && command.input.accountId === accounts[1]!.accountId
        ? sdkError('ResourceNotFoundException', 404)
        : undefined,
    )
    const listed = await listAccountsWithRoles(client, 'token', {session: SESSION})
    expect(listed.map((a) => a.roles.length)).toEqual([1, 0, 1])
  })

  it('gives up at the deadline with one clear line', async () => {
    const {client} = fakePortal(generateAccounts(5, 1), () => sdkError('TooManyRequestsException', 429))
    const failure = (await listAccountsWithRoles(client, 'token', {session: SESSION, deadlineMs: 300}).catch(
      (e: unknown) => e,
    )) as KeylessError
    expect(failure).toBeInstanceOf(KeylessError)
    expect(failure.toLine()).toMatch(
      /^keyless: listing the accounts of session acme did not finish within 0 min \(0 of 0\+ accounts listed; .*\); try again later/,
    )
  })

  it('abandons requests that get no answer, retries them, then says the portal does not answer', async () => {
    const {createServer} = await import('node:http')
    const server = createServer(() => {}).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const {port} = server.address() as {port: number}
    const client = new SSOClient({region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1})
    try {
      const failure = (await listAccountsWithRoles(client, 'token', {
        session: SESSION,
        requestTimeoutMs: 100,
        limiter: {maxNetworkAttempts: 3, random: () => 0},
      }).catch((e: unknown) => e)) as KeylessError
      expect(failure.toLine()).toMatch(
        /^keyless: AWS Identity Center at \S+ did not answer within 100 ms, several times; check your network or VPN, then try again$/,
      )
    } finally {
      client.destroy()
      server.closeAllConnections()
      server.close()
    }
  })

  it('fails at once on an error retrying cannot fix', async () => {
    const {client} = fakePortal(generateAccounts(5, 1), () => sdkError('AccessDeniedException', 403))
    const failure = (await listAccountsWithRoles(client, 'token', {session: SESSION}).catch((e: unknown) => e)) as KeylessError
    expect(failure.toLine()).toBe(
      'keyless: AWS Identity Center call failed (AccessDeniedException: AccessDeniedException); run again with --debug for details',
    )
  })

  it('sorts by account name, then id, and strips nothing from the data itself', async () => {
    const accounts: FixtureAccount[] = [
      {accountId: '2', accountName: 'beta', emailAddress: 'b@x', roles: ['Z', 'A']},
      {accountId: '3', accountName: 'Alpha', emailAddress: 'a@x', roles: ['R']},
      {accountId: '1', accountName: 'beta', emailAddress: 'c@x', roles: ['R']},
    ]
    const {client} = fakePortal(accounts, () => undefined)
    const listed = await listAccountsWithRoles(client, 'token', {session: SESSION})
    expect(listed.map((a) => `${a.accountName}/${a.accountId}/${a.roles.join('+')}`)).toEqual(['Alpha/3/R', 'beta/1/R', 'beta/2/A+Z'])
  })
})
