import {readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {getAccounts, type AccountsDeps} from '../../src/accounts/accounts.js'
import {accountsCachePath, isFresh, readAccountsCache, writeAccountsCache} from '../../src/accounts/cache.js'
import {diffAccounts} from '../../src/accounts/diff.js'
import type {AccountWithRoles} from '../../src/accounts/list.js'
import {accountsTable, changeLines, summaryLine} from '../../src/accounts/render.js'
import type {SsoSession} from '../../src/sso/types.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

const session: SsoSession = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access']}
const A = (id: string, name: string, roles: string[]): AccountWithRoles => ({
  accountId: id,
  accountName: name,
  emailAddress: `${name}@x.example`,
  roles,
})

let sandbox: Sandbox
beforeEach(() => {
  sandbox = makeSandbox()
})
afterEach(() => sandbox.cleanup())

describe('the accounts cache file', () => {
  it('is written atomically as 0600 JSON in a 0700 $XDG_CACHE_HOME/keyless, and read back', async () => {
    const accounts = [A('111111111111', 'sandbox', ['AdministratorAccess'])]
    await writeAccountsCache(session, accounts, new Date('2026-01-02T03:04:05.000Z'), sandbox.env)
    const path = join(sandbox.home, '.cache', 'keyless', 'accounts-acme.json')
    expect(accountsCachePath('acme', sandbox.env)).toBe(path)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700)
    expect(readdirSync(dirname(path))).toEqual(['accounts-acme.json'])
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      version: 1,
      session: 'acme',
      startUrl: session.startUrl,
      region: 'us-east-1',
      fetchedAt: '2026-01-02T03:04:05.000Z',
      accounts,
    })
    expect((await readAccountsCache(session, sandbox.env))?.accounts).toEqual(accounts)
  })

  it('keeps every session name inside the cache directory', () => {
    for (const name of ['../../etc/passwd', 'a/b', '..', 'x\\y', 'ünï cødé']) {
      const path = accountsCachePath(name, sandbox.env)
      expect(dirname(path)).toBe(join(sandbox.home, '.cache', 'keyless'))
      expect(path).not.toMatch(/accounts-\.\.|[/\\]\.\./)
    }
  })

  it('ignores a file written for another start URL, and a corrupt one', async () => {
    await writeAccountsCache(session, [A('1', 'a', [])], new Date(), sandbox.env)
    expect(await readAccountsCache({...session, startUrl: 'https://other.awsapps.com/start'}, sandbox.env)).toBeUndefined()
    const path = accountsCachePath('acme', sandbox.env)
    writeFileSync(path, '{"version":1,')
    expect(await readAccountsCache(session, sandbox.env)).toBeUndefined()
  })

  it('is fresh for less than its max age, and never when fetched "in the future"', () => {
    const fetchedAt = '2026-01-01T00:00:00.000Z'
    const t = Date.parse(fetchedAt)
    expect(isFresh({fetchedAt}, t + 59 * 60_000, 3600_000)).toBe(true)
    expect(isFresh({fetchedAt}, t + 60 * 60_000, 3600_000)).toBe(false)
    expect(isFresh({fetchedAt}, t - 1000, 3600_000)).toBe(false)
  })
})

describe('getAccounts', () => {
  function deps(listing: () => AccountWithRoles[], calls: {token: number; portal: number}): AccountsDeps {
    return {
      env: sandbox.env,
      accessToken: async () => {
        calls.token++
        return 'token'
      },
      portal: async () => {
        calls.portal++
        const accounts = listing()
        return {
          send: async (command: {input: {accountId?: string}; constructor: {name: string}}) =>
            command.constructor.name === 'ListAccountsCommand'
              ? {accountList: accounts.map(({accountId, accountName, emailAddress}) => ({accountId, accountName, emailAddress}))}
              : {roleList: accounts.find((a) => a.accountId === command.input.accountId)!.roles.map((roleName) => ({roleName}))},
        } as never
      },
    }
  }

  it('serves a fresh cache without a token or a portal call; --refresh fetches and reports the changes', async () => {
    let listing = [A('1', 'alpha', ['Admin', 'Read']), A('2', 'beta', ['Read'])]
    const calls = {token: 0, portal: 0}
    const first = await getAccounts(
      session,
      deps(() => listing, calls),
      {refresh: false},
    )
    expect(first.source).toBe('network')
    expect(first.changes).toBeUndefined()
    expect(calls).toEqual({token: 1, portal: 1})

    const second = await getAccounts(
      session,
      deps(() => listing, calls),
      {refresh: false},
    )
    expect(second.source).toBe('cache')
    expect(second.result).toEqual(first.result)
    expect(calls).toEqual({token: 1, portal: 1})

    listing = [A('1', 'alpha', ['Admin', 'Billing']), A('3', 'gamma', ['Read'])]
    const third = await getAccounts(
      session,
      deps(() => listing, calls),
      {refresh: true},
    )
    expect(third.source).toBe('network')
    expect(third.previousFetchedAt).toBe(first.fetchedAt)
    expect(changeLines(third.changes!, third.previousFetchedAt!)).toEqual([
      `Changes since the listing of ${first.fetchedAt}:`,
      '  + account gamma (3): Read',
      '  - account beta (2): Read',
      '  + role Billing in alpha (1)',
      '  - role Read in alpha (1)',
    ])
    expect((await readAccountsCache(session, sandbox.env))?.accounts).toEqual(listing)
  })

  it('fetches again once the cache is an hour old', async () => {
    const calls = {token: 0, portal: 0}
    const listing = [A('1', 'alpha', ['Admin'])]
    await getAccounts(session, {...deps(() => listing, calls), now: () => Date.parse('2026-01-01T00:00:00Z')}, {refresh: false})
    await getAccounts(session, {...deps(() => listing, calls), now: () => Date.parse('2026-01-01T00:59:00Z')}, {refresh: false})
    expect(calls.portal).toBe(1)
    await getAccounts(session, {...deps(() => listing, calls), now: () => Date.parse('2026-01-01T01:00:01Z')}, {refresh: false})
    expect(calls.portal).toBe(2)
  })
})

describe('presentation', () => {
  it('renders a plain table (no colour off a terminal) with control characters stripped', () => {
    const table = accountsTable([A('111111111111', 'evil\u001b[31mred', ['Admin', 'Read\u0007'])])
    expect(table).not.toMatch(/\u001b|\u0007/)
    expect(table).toContain('evil[31mred')
    expect(table).toContain('Admin, Read')
    expect(table.split('\n')[1]).toMatch(/Account name\s+│ Account ID\s+│ Email\s+│ Roles/)
  })

  it('summarises counts and where the listing came from', () => {
    const accounts = [A('1', 'a', ['x', 'y']), A('2', 'b', ['x'])]
    expect(summaryLine(accounts, 'network', new Date().toISOString(), Date.now())).toBe('2 accounts, 3 roles; fetched just now')
    expect(summaryLine(accounts, 'cache', '2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:12:30Z'))).toBe(
      '2 accounts, 3 roles; cached 12 min ago (run with --refresh to fetch again)',
    )
  })

  it('says so when nothing changed, and reports renames', () => {
    const before = [A('1', 'old', ['x'])]
    expect(changeLines(diffAccounts(before, before), 'T')).toEqual(['No changes since the listing of T.'])
    expect(changeLines(diffAccounts(before, [A('1', 'new', ['x'])]), 'T')).toEqual([
      'Changes since the listing of T:',
      '  ~ account 1 renamed from old to new',
    ])
  })
})
