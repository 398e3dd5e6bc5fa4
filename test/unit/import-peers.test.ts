import {describe, expect, it} from 'vitest'

import {parseConfig} from '../../src/aws-config/ini.js'
import {listSsoSessions} from '../../src/aws-config/sso-sessions.js'
import {applyImport} from '../../src/import/apply.js'
import {scanPeerProfiles, type AwsSsoCliConfig} from '../../src/import/peers.js'

// Each peer's profiles as the tool writes them (from its documentation and source):
// - AWS CLI v2 `aws configure sso` (sso_session form) and the legacy form (sso_start_url/sso_region in the profile);
// - granted's "Credential Process" recipe: granted_sso_* keys and `granted credential-process --profile NAME`;
// - aws-sso-cli's `config-profiles` block: BEGIN/END markers, `aws-sso -u open -S "NAME" process --arn ARN`;
// - aws-vault's USAGE.md: `credential_process = aws-vault export --format=json NAME` over an SSO profile (and older
//   `aws-vault exec NAME --json`), or over an IAM user (long-term key in aws-vault's keychain, with mfa_serial).
const CONFIG = `# my config
[default]
region = eu-west-1

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile cli-new]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = us-west-2
output = json

[profile cli-legacy]
; set up in 2021
sso_start_url = https://acme.awsapps.com/start/
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = ReadOnlyAccess

[profile cli-other-portal]
sso_start_url = https://other.awsapps.com/start
sso_region = eu-central-1
sso_account_id = 444444444444
sso_role_name = Dev

[profile granted-prod]
granted_sso_account_id = 333333333333
granted_sso_region = us-east-1
granted_sso_role_name = ReadOnlyAccess
granted_sso_start_url = https://acme.awsapps.com/start
credential_process = granted credential-process --profile granted-prod
region = ap-southeast-2

# BEGIN_AWS_SSO_CLI

[profile Sandbox:AdministratorAccess]
credential_process = /usr/local/bin/aws-sso -u open -S "Default" process --arn arn:aws:iam::111111111111:role/AdministratorAccess
output=json

# END_AWS_SSO_CLI

[profile vault-sso]
credential_process = aws-vault export --format=json cli-legacy

[profile vault-old]
credential_process = aws-vault exec cli-new --json

[profile jon]
mfa_serial = arn:aws:iam::111111111111:mfa/jon

[profile vault-user]
credential_process = aws-vault export --format=json jon

[profile static]
aws_access_key_id = AKIAEXAMPLEEXAMPLE01
aws_secret_access_key = not-a-real-secret

[profile chain]
role_arn = arn:aws:iam::111111111111:role/Deployer
source_profile = cli-new
`

const AWS_SSO: AwsSsoCliConfig = {
  defaultSso: 'Default',
  instances: [{name: 'Default', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1'}],
}

function scan(text = CONFIG, awsSso: AwsSsoCliConfig | null = AWS_SSO) {
  const doc = parseConfig(text)
  return scanPeerProfiles(doc, listSsoSessions(doc), {awsSso: awsSso ?? undefined})
}

describe('scanPeerProfiles: each peer format read', () => {
  it('finds the account, role and session of every convertible profile, by tool', () => {
    const {candidates} = scan()
    const got = Object.fromEntries(
      candidates.map((c) => [c.name, `${c.tool} ${c.session.name}${c.session.created ? '+' : ''} ${c.accountId}/${c.roleName}`]),
    )
    expect(got).toEqual({
      'cli-new': 'aws-cli acme 111111111111/AdministratorAccess',
      'cli-legacy': 'aws-cli acme 222222222222/ReadOnlyAccess',
      'cli-other-portal': 'aws-cli other+ 444444444444/Dev',
      'granted-prod': 'granted acme 333333333333/ReadOnlyAccess',
      'Sandbox:AdministratorAccess': 'aws-sso-cli acme 111111111111/AdministratorAccess',
      'vault-sso': 'aws-vault acme 222222222222/ReadOnlyAccess',
      'vault-old': 'aws-vault acme 111111111111/AdministratorAccess',
    })
  })

  it('lists what it cannot convert with the reason; leaves plain and chained profiles alone', () => {
    const {refused, candidates} = scan()
    const got = Object.fromEntries(refused.map((r) => [r.name, r.reason]))
    // A profile with a long-term key is the import's key conversion (static-keys.ts), not a peer's profile.
    expect(Object.keys(got).sort()).toEqual(['vault-user'])
    expect(got['vault-user']).toMatch(/IAM user with MFA/)
    expect(candidates.map((c) => c.name)).not.toContain('static')
  })

  it('an aws-sso-cli profile without its ~/.aws-sso/config.yaml is listed, not guessed', () => {
    const {refused, candidates} = scan(CONFIG, null)
    expect(candidates.map((c) => c.name)).not.toContain('Sandbox:AdministratorAccess')
    expect(refused.find((r) => r.name === 'Sandbox:AdministratorAccess')?.reason).toMatch(/config\.yaml/)
  })

  it('an sso_session naming a section that is not there is listed', () => {
    const {refused} = scan('[profile x]\nsso_session = gone\nsso_account_id = 111111111111\nsso_role_name = R\n')
    expect(refused[0]?.reason).toMatch(/\[sso-session gone\] is not in the config file/)
  })
})

describe('applyImport: the same names, every other byte kept', () => {
  const cp = (c: {session: {name: string}; accountId: string; roleName: string}) =>
    `"/bin/keyless" credential-process --session ${c.session.name} --account-id=${c.accountId} --role-name=${c.roleName}`

  it('rewrites each profile in place: SSO keys and the foreign credential_process go, keyless keys come, the rest stays', () => {
    const {candidates} = scan()
    const newSessions = candidates.filter((c) => c.session.created).map((c) => c.session)
    const out = applyImport(CONFIG, candidates, newSessions, cp)
    expect(out).toContain(
      [
        '[profile cli-new]',
        'credential_process = "/bin/keyless" credential-process --session acme --account-id=111111111111 --role-name=AdministratorAccess',
        'keyless_session = acme',
        'region = us-west-2',
        'output = json',
      ].join('\n'),
    )
    expect(out).toContain(
      [
        '[profile cli-legacy]',
        '; set up in 2021',
        'credential_process = "/bin/keyless" credential-process --session acme --account-id=222222222222 --role-name=ReadOnlyAccess',
        'keyless_session = acme',
      ].join('\n'),
    )
    expect(out).toContain(
      [
        '[profile granted-prod]',
        'credential_process = "/bin/keyless" credential-process --session acme --account-id=333333333333 --role-name=ReadOnlyAccess',
        'keyless_session = acme',
        'region = ap-southeast-2',
      ].join('\n'),
    )
    expect(out).toContain('# BEGIN_AWS_SSO_CLI\n\n[profile Sandbox:AdministratorAccess]\ncredential_process = "/bin/keyless"')
    expect(out).toMatch(/\[sso-session other\]\nsso_start_url = https:\/\/other\.awsapps\.com\/start\nsso_region = eu-central-1\n/)
    // Nothing of the SSO keys is left in a converted profile; untouched sections are byte for byte.
    const doc = parseConfig(out)
    for (const c of candidates) {
      const section = doc.sections.find((s) => s.name === c.name)!
      expect(section.keys.map((k) => k.name).filter((k) => k.startsWith('sso_') || k.startsWith('granted_'))).toEqual([])
    }
    for (const kept of [
      '[profile static]\naws_access_key_id',
      '[profile chain]\nrole_arn',
      '[profile jon]\nmfa_serial',
      '# my config\n[default]\nregion = eu-west-1\n',
    ])
      expect(out).toContain(kept)
    // Applied to its own output: nothing more to do.
    const again = scan(out)
    expect(again.candidates).toEqual([])
    expect(again.alreadyKeyless.length).toBe(candidates.length)
  })

  it('keeps CRLF line endings and a missing final newline', () => {
    const text =
      '[sso-session acme]\r\nsso_start_url = https://acme.awsapps.com/start\r\nsso_region = us-east-1\r\n\r\n[profile a]\r\nsso_session = acme\r\nsso_account_id = 111111111111\r\nsso_role_name = R'
    const doc = parseConfig(text)
    const {candidates} = scanPeerProfiles(doc, listSsoSessions(doc))
    const out = applyImport(text, candidates, [], cp)
    expect(out).toBe(
      '[sso-session acme]\r\nsso_start_url = https://acme.awsapps.com/start\r\nsso_region = us-east-1\r\n\r\n[profile a]\r\ncredential_process = "/bin/keyless" credential-process --session acme --account-id=111111111111 --role-name=R\r\nkeyless_session = acme',
    )
  })
})

// aws-vault's `include_profile` (USAGE.md "include_profile"; vault/config.go populateFromConfigFile): a profile
// takes every key it lacks from the profile it includes, recursively, then from [default]; a loop is an error there.
const AWS_VAULT_INCLUDE = `[default]
region = eu-west-1

[profile acme-sso]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1

[profile sandbox-admin]
include_profile = acme-sso
sso_account_id = 111111111111
sso_role_name = AdministratorAccess

[profile sandbox-readonly]
include_profile = sandbox-admin
sso_role_name = ReadOnlyAccess

[profile sandbox-vault]
credential_process = aws-vault export --format=json sandbox-readonly
region = us-east-1

[profile loop-a]
include_profile = loop-b
sso_account_id = 222222222222
sso_role_name = ReadOnlyAccess

[profile loop-b]
include_profile = loop-a

[profile loop-vault]
credential_process = aws-vault export --format=json loop-b
`

describe('scanPeerProfiles: aws-vault include_profile', () => {
  const sessions = [{name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1'}] as never
  const result = scanPeerProfiles(parseConfig(AWS_VAULT_INCLUDE), sessions)
  const cp = (c: {session: {name: string}; accountId: string; roleName: string}) =>
    `"/bin/keyless" credential-process --session ${c.session.name} --account-id=${c.accountId} --role-name=${c.roleName}`

  it('follows include_profile, recursively, for the start URL, region, account and role', () => {
    const got = Object.fromEntries(result.candidates.map((c) => [c.name, `${c.tool} ${c.session.name} ${c.accountId}/${c.roleName}`]))
    expect(got).toEqual({
      'sandbox-admin': 'aws-vault acme 111111111111/AdministratorAccess',
      'sandbox-readonly': 'aws-vault acme 111111111111/ReadOnlyAccess',
      'sandbox-vault': 'aws-vault acme 111111111111/ReadOnlyAccess',
    })
  })

  it('a loop is a reason, not a hang', () => {
    const got = Object.fromEntries(result.refused.map((r) => [r.name, r.reason]))
    expect(got['loop-a']).toBe("aws-vault's include_profile loops (loop-a -> loop-b -> loop-a)")
    expect(got['loop-vault']).toBe("aws-vault's include_profile loops (loop-b -> loop-a -> loop-b)")
  })

  it('the import drops include_profile with the SSO keys of a converted profile, and nothing else', () => {
    const out = applyImport(AWS_VAULT_INCLUDE, result.candidates, [], cp)
    expect(out).toContain(
      '[profile sandbox-readonly]\ncredential_process = "/bin/keyless" credential-process --session acme --account-id=111111111111 --role-name=ReadOnlyAccess\nkeyless_session = acme\n',
    )
    // The included profile of nobody's conversion stays as it was.
    expect(out).toContain('[profile acme-sso]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n')
  })
})
