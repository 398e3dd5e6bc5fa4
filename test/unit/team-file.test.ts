import {describe, expect, it} from 'vitest'

import {applyTeamFile} from '../../src/team-file/apply.js'
import {regionFor} from '../../src/team-file/regions.js'
import {parseTeamFile} from '../../src/team-file/validate.js'

const TEAM = `keyless: 1
name: platform
version: 1
sessions:
  acme:
    start_url: https://acme.awsapps.com/start
    region: us-east-1
    login_flow: device-code
    template: "{account_name}-{role_name}"
    regions:
      - account: "111111111111"
        region: eu-west-1
      - role: ReadOnlyAccess
        region: us-west-2
chains:
  deploy-prod:
    source_profile: production-ReadOnlyAccess
    role_arn: arn:aws:iam::333333333333:role/Deployer
    role_session_name: deployer
    external_id: acme-ci
    duration_seconds: 3600
`

const USER = `# mine
[default]
region = eu-central-1

[profile own]
region = us-east-2
`

describe('parseTeamFile: validated whole', () => {
  it('accepts the documented format (YAML, and the same as JSON)', async () => {
    const team = await parseTeamFile(TEAM, 'team.yaml')
    expect(team.sessions.acme?.regions?.length).toBe(2)
    const json = await parseTeamFile(JSON.stringify(team), 'team.json')
    expect(json).toEqual(team)
  })

  it.each([
    ['a missing version', TEAM.replace('version: 1\n', ''), /\/: must have required property 'version'/],
    ['an unknown key', TEAM.replace('  acme:\n', '  acme:\n    colour: red\n'), /\/sessions\/acme: unknown key "colour"/],
    ['an http start URL', TEAM.replace('https://acme', 'http://acme'), /\/sessions\/acme\/start_url: the start URL must use https/],
    [
      'a region that is not one',
      TEAM.replace('region: eu-west-1', 'region: eu-westish-1'),
      /\/sessions\/acme\/regions\/0\/region: "eu-westish-1" is not an AWS region/,
    ],
    [
      'a template that folds roles',
      TEAM.replace('{account_name}-{role_name}', '{account_name}'),
      /\/sessions\/acme\/template: .*cannot tell every account and role apart/,
    ],
    ['a bad role ARN', TEAM.replace('role/Deployer', 'user/Deployer'), /\/chains\/deploy-prod\/role_arn: must match pattern/],
    ['a session over 12 h', TEAM.replace('3600', '50000'), /\/chains\/deploy-prod\/duration_seconds: must be <= 43200/],
    ['another format', TEAM.replace('keyless: 1', 'keyless: 2'), /\/keyless: must be equal to constant/],
    ['not YAML', 'sessions: [\n', /is not valid YAML or JSON/],
    ['a duplicate key', TEAM.replace('version: 1\n', 'version: 1\nversion: 2\n'), /is not valid YAML or JSON/],
  ])('refuses %s with where it is', async (_, text, error) => {
    await expect(parseTeamFile(text, 'team.yaml')).rejects.toThrow(error)
  })
})

describe('applyTeamFile', () => {
  it('adds the session with its team keys and the chain; applying again changes nothing', async () => {
    const team = await parseTeamFile(TEAM, 't')
    const once = applyTeamFile(USER, team)
    expect(once.text.startsWith(USER)).toBe(true)
    expect(once.text.slice(USER.length)).toBe(
      [
        '',
        '[sso-session acme]',
        'sso_start_url = https://acme.awsapps.com/start',
        'sso_region = us-east-1',
        'sso_registration_scopes = sso:account:access',
        'keyless_login_flow = device-code',
        'keyless_template = {account_name}-{role_name}',
        'keyless_regions = 111111111111=eu-west-1,*/ReadOnlyAccess=us-west-2',
        'keyless_team = platform',
        'keyless_team_version = 1',
        '',
        '[profile deploy-prod]',
        'role_arn = arn:aws:iam::333333333333:role/Deployer',
        'source_profile = production-ReadOnlyAccess',
        'role_session_name = deployer',
        'external_id = acme-ci',
        'duration_seconds = 3600',
        'keyless_team = platform',
        '',
      ].join('\n'),
    )
    expect(applyTeamFile(once.text, team).text).toBe(once.text)
  })

  it("a newer version: changed keys in place, dropped keys and chains gone, the user's own profile never touched", async () => {
    const v1 = await parseTeamFile(TEAM, 't')
    const v2 = await parseTeamFile(
      TEAM.replace('version: 1', 'version: 2')
        .replace('    template: "{account_name}-{role_name}"\n', '')
        .replace('external_id: acme-ci\n    ', '')
        .replace('chains:\n', 'chains:\n  own:\n    source_profile: x\n    role_arn: arn:aws:iam::111111111111:role/X\n')
        .replace('deploy-prod', 'deploy-production'),
      't',
    )
    const once = applyTeamFile(USER, v1).text
    const twice = applyTeamFile(once, v2)
    expect(twice.chains).toEqual({written: ['deploy-production'], removed: ['deploy-prod'], skipped: ['own']})
    expect(twice.warnings[0]).toMatch(/profile "own" .* is not one team platform wrote: left alone/)
    expect(twice.text).toContain('keyless_team_version = 2')
    expect(twice.text).not.toContain('keyless_template')
    expect(twice.text).not.toContain('[profile deploy-prod]\n')
    expect(twice.text).toContain('[profile deploy-production]\nrole_arn')
    expect(twice.text).not.toContain('external_id')
    expect(twice.text).toContain('[profile own]\nregion = us-east-2\n')
    // And an older version than the one applied is refused.
    expect(() => applyTeamFile(twice.text, v1)).toThrow(/version 1 is older than version 2/)
  })
})

describe('regionFor: the most specific rule', () => {
  const rules = '111111111111=eu-west-1,*/ReadOnlyAccess=us-west-2,production/ReadOnlyAccess=ap-south-1'
  it.each([
    [{accountId: '111111111111'}, 'Admin', 'eu-west-1'],
    [{accountId: '111111111111'}, 'ReadOnlyAccess', 'eu-west-1'],
    [{accountId: '222222222222'}, 'ReadOnlyAccess', 'us-west-2'],
    [{accountId: '333333333333', accountName: 'production'}, 'ReadOnlyAccess', 'ap-south-1'],
    [{accountId: '222222222222'}, 'Admin', undefined],
  ])('%o %s -> %s', (account, role, region) => {
    expect(regionFor(rules, account, role)).toBe(region)
  })
})
