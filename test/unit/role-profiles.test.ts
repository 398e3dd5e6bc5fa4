import {describe, expect, it} from 'vitest'

import {roleProfiles, sameStartUrl} from '../../src/role/profiles.js'
import {selectRole, type SelectDeps} from '../../src/role/select.js'

// Issue 21 item 2: --profile takes any profile whose session, account and role keyless can tell, and the hint for an
// unknown one never names another account's profile.

const acme = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access']}
const other = {name: 'other', startUrl: 'https://other.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access']}
const config = `[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1

[sso-session other]
sso_start_url = https://other.awsapps.com/start
sso_region = eu-west-1

[profile production.ReadOnlyAccess]
credential_process = "/usr/bin/keyless" credential-process --session acme --account-id 333333333333 --role-name ReadOnlyAccess
keyless_session = acme

[profile dev]
sso_session = acme
sso_account_id = 222222222222
sso_role_name = PowerUserAccess
region = eu-central-1

[profile legacy]
sso_start_url = https://OTHER.awsapps.com/start/#/
sso_region = eu-west-1
sso_account_id = 444444444444
sso_role_name = ReadOnlyAccess

[profile elsewhere]
sso_start_url = https://unknown.awsapps.com/start
sso_region = us-west-2
sso_account_id = 555555555555
sso_role_name = Admin

[profile static]
aws_access_key_id = AKIAEXAMPLE
`

function deps(): SelectDeps {
  return {
    command: 'exec',
    configText: async () => config,
    loadSession: async (name) => {
      const found = [acme, other].find((s) => s.name === name)
      if (!found) throw new Error(`no session ${name}`)
      return found
    },
    listAccounts: async () => [],
    cachedAccounts: async () => undefined,
  }
}

async function line(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (error) {
    return (error as {toLine(): string}).toLine()
  }
  throw new Error('expected a failure')
}

describe('profiles keyless can use', () => {
  it("keyless's own, sso_session profiles, and legacy sso_start_url profiles of a configured session", () => {
    const {usable, unusable} = roleProfiles(config)
    expect(usable).toEqual([
      {name: 'production.ReadOnlyAccess', session: 'acme', accountId: '333333333333', roleName: 'ReadOnlyAccess', region: undefined},
      {name: 'dev', session: 'acme', accountId: '222222222222', roleName: 'PowerUserAccess', region: 'eu-central-1'},
      {name: 'legacy', session: 'other', accountId: '444444444444', roleName: 'ReadOnlyAccess', region: undefined},
    ])
    expect(unusable.map((p) => p.name)).toEqual(['elsewhere', 'static'])
  })

  it('start URLs: trailing slash, #/ and the host case do not matter; the path does', () => {
    expect(sameStartUrl('https://acme.awsapps.com/start', 'https://ACME.awsapps.com/start/#/')).toBe(true)
    expect(sameStartUrl('https://acme.awsapps.com/start', 'https://acme.awsapps.com/start2')).toBe(false)
    expect(sameStartUrl('https://acme.awsapps.com/start', 'https://acme2.awsapps.com/start')).toBe(false)
  })

  it('--profile of an AWS CLI SSO profile selects its session, account, role and region', async () => {
    expect(await selectRole({profile: 'dev'}, deps())).toMatchObject({
      session: {name: 'acme'},
      accountId: '222222222222',
      roleName: 'PowerUserAccess',
      profileRegion: 'eu-central-1',
      label: 'dev',
    })
    expect(await selectRole({role: 'legacy'}, deps())).toMatchObject({session: {name: 'other'}, accountId: '444444444444', label: 'legacy'})
  })

  it('an unknown profile: only close names, never the first profile of another account', async () => {
    expect(await line(selectRole({profile: 'prod'}, deps()))).toBe(
      'keyless: no profile "prod" keyless can use; closest: production.ReadOnlyAccess; run: keyless exec --profile production.ReadOnlyAccess',
    )
    const far = await line(selectRole({profile: 'qa'}, deps()))
    expect(far).toBe('keyless: no profile "qa" keyless can use; pass --account NAME|ID --role NAME (keyless accounts lists them)')
  })

  it('a profile keyless cannot use says why and what to do', async () => {
    expect(await line(selectRole({profile: 'elsewhere'}, deps()))).toBe(
      'keyless: profile "elsewhere" keyless cannot use: its start URL https://unknown.awsapps.com/start is not that of any [sso-session] in the config file; run: keyless configure --session NAME --start-url https://unknown.awsapps.com/start --region us-west-2',
    )
    expect(await line(selectRole({profile: 'static'}, deps()))).toMatch(
      /^keyless: profile "static" keyless cannot use: it names no SSO session, account and role .*; pass --account NAME\|ID --role NAME instead$/,
    )
  })
})
