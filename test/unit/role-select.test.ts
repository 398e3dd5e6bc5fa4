import {describe, expect, it} from 'vitest'

import {closestNames, editDistance} from '../../src/role/closest.js'
import {keylessProfiles, selectRole, type SelectDeps} from '../../src/role/select.js'
import {filterRoles, roleRows} from '../../src/ui/role-picker.js'

const session = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access']}
const accounts = [
  {accountId: '111111111111', accountName: 'sandbox', emailAddress: 's@x', roles: ['AdministratorAccess', 'ReadOnlyAccess']},
  {accountId: '222222222222', accountName: 'staging', emailAddress: 't@x', roles: ['PowerUserAccess', 'ReadOnlyAccess']},
  {accountId: '333333333333', accountName: 'production', emailAddress: 'p@x', roles: ['ReadOnlyAccess']},
  {accountId: '444444444444', accountName: 'twin', emailAddress: 'a@x', roles: ['ReadOnlyAccess']},
  {accountId: '555555555555', accountName: 'twin', emailAddress: 'b@x', roles: ['ReadOnlyAccess']},
]
const config = `[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1

[profile production.ReadOnlyAccess]
credential_process = "/usr/bin/keyless" credential-process --session acme --account-id 333333333333 --role-name ReadOnlyAccess
region = eu-west-1
keyless_session = acme

[profile users-own]
credential_process = /usr/bin/other --account-id 1 --role-name x
`

function deps(extra: Partial<SelectDeps> = {}): SelectDeps {
  return {
    command: 'exec',
    configText: async () => config,
    loadSession: async () => session,
    listAccounts: async () => accounts,
    cachedAccounts: async () => accounts,
    ...extra,
  }
}

async function failure(p: Promise<unknown>): Promise<{message: string; exitCode: number; toLine(): string}> {
  try {
    await p
  } catch (error) {
    return error as never
  }
  throw new Error('expected a failure')
}

describe('role selection', () => {
  it('by profile: session, account, role and region from the keyless profile', async () => {
    expect(await selectRole({profile: 'production.ReadOnlyAccess'}, deps())).toMatchObject({
      accountId: '333333333333',
      roleName: 'ReadOnlyAccess',
      profileRegion: 'eu-west-1',
      label: 'production.ReadOnlyAccess',
    })
    expect(keylessProfiles(config).map((p) => p.name)).toEqual(['production.ReadOnlyAccess'])
  })

  it('by account name or id and role; a positional ACCOUNT.ROLE when no profile has that name', async () => {
    expect(await selectRole({account: 'Staging', roleName: 'readonlyaccess'}, deps())).toMatchObject({
      accountId: '222222222222',
      roleName: 'ReadOnlyAccess',
      label: 'staging.ReadOnlyAccess',
    })
    expect(
      await selectRole(
        {account: '111111111111', roleName: 'AdministratorAccess'},
        deps({
          listAccounts: async () => {
            throw new Error('no listing needed')
          },
        }),
      ),
    ).toMatchObject({label: 'sandbox.AdministratorAccess'})
    expect(await selectRole({role: 'sandbox.ReadOnlyAccess'}, deps())).toMatchObject({
      accountId: '111111111111',
      roleName: 'ReadOnlyAccess',
    })
  })

  it('unknown or ambiguous names: one usage line with the closest names', async () => {
    const cases: Array<[Parameters<typeof selectRole>[0], RegExp]> = [
      [{account: 'prodution', roleName: 'ReadOnlyAccess'}, /no account "prodution" in session acme; closest: production/],
      [{account: 'sandbox', roleName: 'Admin'}, /no role "Admin" in account sandbox \(111111111111\); closest: AdministratorAccess/],
      [{account: 'twin', roleName: 'ReadOnlyAccess'}, /2 accounts are named "twin": 444444444444, 555555555555; pass the account id/],
      [{profile: 'production.ReadOnly'}, /no profile "production.ReadOnly" keyless can use; closest: production.ReadOnlyAccess/],
      [{profile: 'users-own'}, /profile "users-own" keyless cannot use: it names no SSO session, account and role/],
      [{account: 'sandbox'}, /--account needs --role NAME/],
      [{profile: 'a', account: 'b', roleName: 'c'}, /give the role one way only/],
      [{}, /no role given and no terminal.*--profile NAME, or --account NAME\|ID --role NAME/],
    ]
    for (const [flags, message] of cases) {
      const error = await failure(selectRole(flags, deps()))
      expect(error.exitCode).toBe(2)
      expect(error.toLine()).toMatch(message)
      expect(error.toLine()).not.toContain('\n')
    }
  })

  it('with none of them on a terminal: the picker chooses', async () => {
    const picked = await selectRole({}, deps({pick: async () => ({accountId: '222222222222', roleName: 'PowerUserAccess'})}))
    expect(picked.label).toBe('staging.PowerUserAccess')
  })
})

describe('closest names and the picker filter', () => {
  it('closest: substrings and abbreviations first, then edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(closestNames('AdminAccess', ['ReadOnlyAccess', 'AdministratorAccess'])).toEqual(['AdministratorAccess', 'ReadOnlyAccess'])
    expect(closestNames('stagin', ['sandbox', 'staging', 'production'])).toEqual(['staging'])
    expect(closestNames('zzzzzzzz', ['sandbox'])).toEqual([])
  })

  it('every word of the filter must match; 3,000 rows filter fast enough to type', () => {
    const rows = roleRows(accounts)
    expect(filterRoles(rows, 'prod read').map((r) => r.accountId)).toEqual(['333333333333'])
    expect(filterRoles(rows, '2222').map((r) => r.roleName)).toEqual(['PowerUserAccess', 'ReadOnlyAccess'])
    const many = roleRows(
      Array.from({length: 1000}, (_, i) => ({
        accountId: String(100000000000 + i),
        accountName: `account-${i}`,
        emailAddress: '',
        roles: ['Alpha', 'Beta', 'Gamma'],
      })),
    )
    expect(many).toHaveLength(3000)
    expect(filterRoles(many, 'account-999 gam')).toHaveLength(1)
    expect(filterRoles(many, '')).toHaveLength(50)
  })
})
