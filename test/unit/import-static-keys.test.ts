import {describe, expect, it} from 'vitest'

import type {RoleChoice} from '../../src/audit/fix.js'
import {parseConfig} from '../../src/aws-config/ini.js'
import {editKeyProfiles} from '../../src/aws-config/key-profiles.js'
import {findKeyProfiles, offerFor, pickRole, screenKeyProfiles} from '../../src/import/static-keys.js'

// The pure steps of `keyless import`'s key conversion (issue 26, item 1): which names hold keys, which can be
// converted before STS is asked, what each STS answer means, and the one edit audit --fix and import share.
const CONFIG = `[profile both]
region = eu-west-1

[profile in-config]
aws_access_key_id = AKIAEXAMPLEEXAMPLE02
aws_secret_access_key = secret-two

[profile mfa]
mfa_serial = arn:aws:iam::222222222222:mfa/jo

[profile sso-too]
sso_session = acme

[profile temp]
aws_access_key_id = ASIAEXAMPLEEXAMPLE05
aws_secret_access_key = secret-five
aws_session_token = token

[profile imported]
aws_access_key_id = AKIAEXAMPLEEXAMPLE09
aws_secret_access_key = secret-nine
`
const CREDENTIALS = `[both]
aws_access_key_id = AKIAEXAMPLEEXAMPLE01
aws_secret_access_key = secret-one

[mfa]
aws_access_key_id = AKIAEXAMPLEEXAMPLE03
aws_secret_access_key = secret-three

[sso-too]
aws_access_key_id = AKIAEXAMPLEEXAMPLE04
aws_secret_access_key = secret-four

[two-keys]
aws_access_key_id = AKIAEXAMPLEEXAMPLE06
aws_secret_access_key = secret-six
`
const CONFIG_TWO = CONFIG + '\n[profile two-keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE07\naws_secret_access_key = secret-seven\n'
const role = (roleName: string): RoleChoice => ({
  session: 'acme',
  region: 'us-east-1',
  accountId: '111111111111',
  accountName: 'sandbox',
  roleName,
})

describe('import: profiles with long-term keys', () => {
  const found = findKeyProfiles(parseConfig(CONFIG_TWO), parseConfig(CREDENTIALS), new Set(['imported']))

  it("finds each name once, from both files, the credentials file's key winning; names import handled are left out", () => {
    expect(found.map((p) => [p.name, p.key.accessKeyId, p.files, p.mfaSerial ?? null])).toEqual([
      ['both', 'AKIAEXAMPLEEXAMPLE01', {credentials: 'AKIAEXAMPLEEXAMPLE01'}, null],
      ['mfa', 'AKIAEXAMPLEEXAMPLE03', {credentials: 'AKIAEXAMPLEEXAMPLE03'}, 'arn:aws:iam::222222222222:mfa/jo'],
      ['sso-too', 'AKIAEXAMPLEEXAMPLE04', {credentials: 'AKIAEXAMPLEEXAMPLE04'}, null],
      ['two-keys', 'AKIAEXAMPLEEXAMPLE06', {credentials: 'AKIAEXAMPLEEXAMPLE06', config: 'AKIAEXAMPLEEXAMPLE07'}, null],
      ['in-config', 'AKIAEXAMPLEEXAMPLE02', {config: 'AKIAEXAMPLEEXAMPLE02'}, null],
      ['temp', 'ASIAEXAMPLEEXAMPLE05', {config: 'ASIAEXAMPLEEXAMPLE05'}, null],
    ])
    expect(found.find((p) => p.name === 'both')?.key.region).toBe('eu-west-1')
  })

  it('refuses, before STS: MFA users, temporary credentials, two keys under one name, a profile with its own credentials', () => {
    const {toIdentify, refused} = screenKeyProfiles(found, parseConfig(CONFIG_TWO))
    expect(toIdentify.map((p) => p.name)).toEqual(['both', 'in-config'])
    expect(Object.fromEntries(refused.map((r) => [r.name, r.reason]))).toEqual({
      mfa: 'it is an IAM user with MFA (arn:aws:iam::222222222222:mfa/jo): its long-term key is not converted',
      'sso-too': 'its config profile also has sso_session, so it cannot become a keyless profile',
      temp: 'it holds temporary credentials in plaintext, not a long-term key',
      'two-keys': 'it holds two different keys (AKIA************LE06, AKIA************LE07) in the credentials and config files',
    })
  })

  it('after STS: rejected, unreachable, no role in the account, or an offer with the roles', () => {
    const p = found[0]!
    const roles = new Map([['111111111111', [role('AdministratorAccess'), role('ReadOnlyAccess')]]])
    expect(offerFor(p, {status: 'rejected', reason: 'InvalidClientTokenId'}, roles)).toMatchObject({
      reason: expect.stringMatching(/^AWS rejects its key/),
    })
    expect(offerFor(p, {status: 'unreachable', reason: 'TimeoutError'}, roles)).toMatchObject({
      reason: expect.stringMatching(/TimeoutError/),
    })
    expect(offerFor(p, {status: 'active', account: '999999999999', principalKind: 'iam-user', userName: 'ci'}, roles)).toMatchObject({
      reason: expect.stringMatching(/^it holds IAM user ci's long-term key in account 999999999999 .*no role in account 999999999999/),
    })
    const offer = offerFor(p, {status: 'active', account: '111111111111', principalKind: 'root'}, roles)
    expect('roles' in offer && offer.roles.map((r) => r.roleName)).toEqual(['AdministratorAccess', 'ReadOnlyAccess'])
  })

  it('--convert-keys NAME picks the only role; NAME=ROLE or NAME=ACCOUNT/ROLE picks one of several', () => {
    expect(pickRole([role('A')], undefined)?.roleName).toBe('A')
    expect(pickRole([role('A'), role('B')], undefined)).toBeUndefined()
    expect(pickRole([role('A'), role('B')], 'B')?.roleName).toBe('B')
    expect(pickRole([role('A'), role('B')], 'sandbox/A')?.roleName).toBe('A')
    expect(pickRole([role('A')], 'C')).toBeUndefined()
  })

  it('the shared edit removes exactly the reviewed key and converts the name; a changed key is left and not converted', () => {
    const convert = [{profile: 'in-config', session: 'acme', region: 'us-east-1', credentialProcess: 'keyless credential-process'}]
    const done = editKeyProfiles(CONFIG, 'config', 'config', {remove: new Map([['in-config', 'AKIAEXAMPLEEXAMPLE02']]), convert})
    expect(done.failed).toEqual([])
    expect(done.text).toContain(
      '[profile in-config]\ncredential_process = keyless credential-process\nregion = us-east-1\nkeyless_session = acme\n\n[profile mfa]',
    )
    const stale = editKeyProfiles(CONFIG, 'config', 'config', {remove: new Map([['in-config', 'AKIAEXAMPLEEXAMPLE99']]), convert})
    expect(stale.text).toBe(CONFIG)
    expect(stale.failed).toEqual([expect.stringMatching(/not the one reviewed \(it is now AKIA\*+LE02\)/)])
  })
})
