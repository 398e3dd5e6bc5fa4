import {describe, expect, it} from 'vitest'

import {convertToKeylessProfile, removeStaticKeys} from '../../src/aws-config/remove-keys.js'
import {findKeyPairs} from '../../src/audit/scan.js'
import {rateFinding} from '../../src/audit/severity.js'
import {describeCache} from '../../src/audit/sources.js'
import type {Draft, KeyIdentity} from '../../src/audit/types.js'

const ROOT_KEY = {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey: 'emulator-root-secret-0000000000000000000'}
const at = (file: string | null, profile: string | null = null) => ({file, line: 1, profile, variable: null})

describe('severity rules (PRODUCT.md section 12)', () => {
  const key = (kind: Draft['kind'], identity: KeyIdentity | undefined, extra: Partial<Draft> = {}) =>
    rateFinding({kind, location: at('~/.aws/credentials', 'default'), key: ROOT_KEY, ...extra}, identity).severity
  const root: KeyIdentity = {status: 'active', account: '111111111111', arn: 'arn:aws:iam::111111111111:root', principalKind: 'root'}
  const user: KeyIdentity = {
    status: 'active',
    account: '2',
    arn: 'arn:aws:iam::222222222222:user/u',
    principalKind: 'iam-user',
    userName: 'u',
  }
  it.each([
    ['a root key', key('credentials-file-key', root), 'critical'],
    ['a root key in a project file', key('project-file-key', root), 'critical'],
    ['an IAM user key', key('config-file-key', user), 'high'],
    ['an IAM user key in the environment', key('environment-key', user), 'high'],
    ['a key not checked (--offline)', key('credentials-file-key', {status: 'unchecked'}), 'high'],
    ['a key STS did not answer for', key('credentials-file-key', {status: 'unreachable'}), 'high'],
    ['a key AWS rejects', key('credentials-file-key', {status: 'rejected', reason: 'InvalidClientTokenId'}), 'medium'],
    ['temporary credentials in a file', key('credentials-file-key', undefined, {temporary: true}), 'medium'],
    ['temporary credentials in the environment', key('environment-key', undefined, {temporary: true}), 'info'],
    ['expired temporary credentials', key('credentials-file-key', {status: 'expired'}, {temporary: true}), 'info'],
  ])('%s', (_, severity, expected) => expect(severity).toBe(expected))

  const other = (draft: Partial<Draft> & Pick<Draft, 'kind'>) => rateFinding({location: at('~/x'), ...draft}, undefined).severity
  it.each([
    ['an SSO cache with a refresh token', other({kind: 'sso-cache', holds: ['access-token', 'refresh-token'], status: 'valid'}), 'high'],
    ['an SSO cache with a live client secret', other({kind: 'sso-cache', holds: ['client-secret'], status: 'valid'}), 'high'],
    ['an SSO cache with an expired client secret', other({kind: 'sso-cache', holds: ['client-secret'], status: 'expired'}), 'info'],
    ['an SSO cache with a live access token only', other({kind: 'sso-cache', holds: ['access-token'], status: 'valid'}), 'medium'],
    ['live role credentials in the CLI cache', other({kind: 'cli-cache', holds: ['role-credentials'], status: 'valid'}), 'medium'],
    ['expired role credentials in the CLI cache', other({kind: 'cli-cache', holds: ['role-credentials'], status: 'expired'}), 'info'],
    ['an aws login cache with a refresh token', other({kind: 'login-cache', holds: ['refresh-token'], status: 'valid'}), 'high'],
    ['a shadowed profile', other({kind: 'shadowed-profile'}), 'medium'],
    ['a world-readable file with a secret', other({kind: 'file-permissions', holdsSecret: true}), 'high'],
    ['a world-readable file without one', other({kind: 'file-permissions', holdsSecret: false}), 'medium'],
    ['a keyless profile', other({kind: 'keyless-profile'}), 'info'],
    ['another credential_process', other({kind: 'credential-process-profile', detail: 'aws-vault'}), 'info'],
    ['an SSO profile', other({kind: 'sso-profile'}), 'info'],
  ])('%s', (_, severity, expected) => expect(severity).toBe(expected))

  it('masks the key id and never carries the secret', () => {
    const finding = rateFinding({kind: 'credentials-file-key', location: at('~/.aws/credentials', 'default'), key: ROOT_KEY}, root)
    expect(finding.accessKeyId).toBe('AKIA************0001')
    expect(JSON.stringify(finding)).not.toContain(ROOT_KEY.secretAccessKey)
    expect(JSON.stringify(finding)).not.toContain(ROOT_KEY.accessKeyId)
  })
})

describe('removeStaticKeys: only the key lines go, every other byte stays', () => {
  const cases: Array<[string, string, string[], string]> = [
    [
      'a section of only keys goes whole, with its trailing blank line; comments above the next section stay',
      '# mine\n[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n\n; dev keys\n[dev]\nregion = eu-west-1\n',
      ['default'],
      '# mine\n; dev keys\n[dev]\nregion = eu-west-1\n',
    ],
    [
      'a section that keeps other keys keeps its header and those keys, in place',
      '[dev]\nregion = eu-west-1\naws_access_key_id = AKIA1\naws_secret_access_key = s1\naws_session_token = t1\noutput = json\n',
      ['dev'],
      '[dev]\nregion = eu-west-1\noutput = json\n',
    ],
    [
      'a comment inside the section keeps the section',
      '[dev]\n# the deploy key\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n',
      ['dev'],
      '[dev]\n# the deploy key\n',
    ],
    [
      'CRLF, no final newline, other profiles untouched',
      '[a]\r\naws_access_key_id = AKIA1\r\naws_secret_access_key = s1\r\n\r\n[b]\r\naws_access_key_id = AKIA2\r\naws_secret_access_key = s2',
      ['a'],
      '[b]\r\naws_access_key_id = AKIA2\r\naws_secret_access_key = s2',
    ],
    [
      'the last section goes with the blank lines before it',
      '[keep]\nregion = us-east-1\n\n[gone]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n',
      ['gone'],
      '[keep]\nregion = us-east-1\n',
    ],
    ['nothing to remove: the same text', '[a]\nregion = x\n', ['a', 'zzz'], '[a]\nregion = x\n'],
  ]
  it.each(cases)('%s', (_, before, profiles, after) => {
    expect(removeStaticKeys(before, profiles, {file: 'credentials'}).text).toBe(after)
  })

  it('reads config-file profiles as [profile NAME] and [default]', () => {
    const text = '[profile dev]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\nregion = x\n\n[default]\nregion = y\n'
    expect(removeStaticKeys(text, ['dev'], {file: 'config'})).toEqual({
      text: '[profile dev]\nregion = x\n\n[default]\nregion = y\n',
      removed: ['dev'],
    })
  })
})

describe('convertToKeylessProfile', () => {
  const profile = {
    name: 'dev',
    credentialProcess: '"/bin/keyless" credential-process --session acme --account-id 111111111111 --role-name Admin',
    region: 'us-east-1',
    session: 'acme',
  }
  it('appends a keyless profile when there is none', () => {
    expect(convertToKeylessProfile('[sso-session acme]\nsso_region = us-east-1\n', profile)).toBe(
      `[sso-session acme]\nsso_region = us-east-1\n\n[profile dev]\ncredential_process = ${profile.credentialProcess}\nregion = us-east-1\nkeyless_session = acme\n`,
    )
  })
  it("adds to the user's own section, keeping its region, output and comments", () => {
    expect(convertToKeylessProfile('[profile dev]\n# mine\nregion = eu-west-1\noutput = json\n', profile)).toBe(
      `[profile dev]\ncredential_process = ${profile.credentialProcess}\n# mine\nregion = eu-west-1\nkeyless_session = acme\noutput = json\n`,
    )
  })
  it('refuses a section that gets credentials its own way', () => {
    expect(() => convertToKeylessProfile('[profile dev]\nsso_session = acme\n', profile)).toThrow(/already has sso_session/)
  })
})

describe('findKeyPairs', () => {
  it('pairs key ids with the nearest secret in .env, HCL, JSON and shell syntax; a key id alone is nothing', () => {
    const text = [
      'export AWS_ACCESS_KEY_ID=AKIAEMULATORUSER0001',
      'export AWS_SECRET_ACCESS_KEY="emulator-user-secret-0000000000000000000"',
      'provider "aws" {',
      '  access_key = "AKIAEMULATORROOT0001"',
      '  secret_key = "emulator-root-secret-0000000000000000000"',
      '}',
      '{"id": "AKIAEMULATOROLD00001"}',
    ].join('\n')
    expect(findKeyPairs(text).map((p) => [p.line, p.variable, p.key.accessKeyId, p.key.secretAccessKey])).toEqual([
      [1, 'AWS_ACCESS_KEY_ID', 'AKIAEMULATORUSER0001', 'emulator-user-secret-0000000000000000000'],
      [4, 'access_key', 'AKIAEMULATORROOT0001', 'emulator-root-secret-0000000000000000000'],
    ])
  })
})

describe('describeCache: presence and expiry only', () => {
  const now = Date.parse('2026-06-01T00:00:00Z')
  it('an AWS CLI SSO token file', () => {
    const d = describeCache(
      'sso-cache',
      {
        accessToken: 'x',
        expiresAt: '2026-05-01T00:00:00Z',
        refreshToken: 'r',
        clientSecret: 's',
        registrationExpiresAt: '2026-09-01T00:00:00Z',
      },
      now,
    )
    expect(d).toMatchObject({
      holds: ['access-token', 'refresh-token', 'client-secret'],
      expiresAt: '2026-05-01T00:00:00.000Z',
      status: 'valid',
    })
  })
  it('an expired CLI role-credentials file', () => {
    const d = describeCache(
      'cli-cache',
      {Credentials: {AccessKeyId: 'ASIAEMULATORCACHE001', SecretAccessKey: 's', SessionToken: 't', Expiration: '2026-05-01T00:00:00Z'}},
      now,
    )
    expect(d).toMatchObject({holds: ['role-credentials'], status: 'expired', temporary: true})
  })
})

describe('deactivateStep', () => {
  it('names the IAM user from STS only when it is a valid IAM user name', async () => {
    const {deactivateStep} = await import('../../src/audit/fix.js')
    const user = (userName: string) =>
      deactivateStep('AKIAEMULATORUSER0001', false, {status: 'active', account: '2', principalKind: 'iam-user', userName})
    expect(user('terraform-deployer')).toBe(
      'aws iam update-access-key --status Inactive --access-key-id AKIAEMULATORUSER0001 --user-name terraform-deployer',
    )
    expect(user('x; rm -rf ~')).toMatch(/--user-name USER \(find USER with/)
    expect(deactivateStep('AKIAEMULATOROLD00001', false, {status: 'rejected'})).toBeNull()
    expect(deactivateStep('ASIAEMULATORCACHE001', true, undefined)).toBeNull()
  })
})
