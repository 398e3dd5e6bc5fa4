import {describe, expect, it} from 'vitest'

import {roleProfiles} from '../../src/role/profiles.js'

const CONFIG = `[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1

[profile sandbox.Admin]
credential_process = "/bin/keyless" credential-process --session acme --account-id=111111111111 --role-name=Admin
region = eu-west-1
keyless_session = acme

[profile deploy]
role_arn = arn:aws:iam::333333333333:role/Deployer
source_profile = sandbox.Admin
role_session_name = deployer
external_id = ext-1
duration_seconds = 3600

[profile deploy-further]
source_profile = deploy
role_arn = arn:aws:iam::444444444444:role/Deployer
region = ap-south-1

[profile loop-a]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::111111111111:role/B
source_profile = loop-a

[profile from-keys]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = default
`

describe('roleProfiles: role chains over keyless profiles', () => {
  const {usable, unusable} = roleProfiles(CONFIG)
  const byName = Object.fromEntries(usable.map((p) => [p.name, p]))

  it("a chain takes its source's session, account and role, and its own hops and region", () => {
    expect(byName.deploy).toEqual({
      name: 'deploy',
      session: 'acme',
      accountId: '111111111111',
      roleName: 'Admin',
      region: 'eu-west-1',
      chain: [{roleArn: 'arn:aws:iam::333333333333:role/Deployer', sessionName: 'deployer', externalId: 'ext-1', durationSeconds: 3600}],
    })
  })

  it('a chain may name a chain (hops in order), whatever the order of the sections', () => {
    expect(byName['deploy-further']?.chain?.map((h) => h.roleArn)).toEqual([
      'arn:aws:iam::333333333333:role/Deployer',
      'arn:aws:iam::444444444444:role/Deployer',
    ])
    expect(byName['deploy-further']?.region).toBe('ap-south-1')
  })

  it('loops and chains over profiles keyless cannot use stay unusable', () => {
    expect(byName['loop-a']).toBeUndefined()
    expect(byName['from-keys']).toBeUndefined()
    expect(unusable.map((p) => p.name)).toEqual(expect.arrayContaining(['loop-a', 'loop-b', 'from-keys']))
  })
})
