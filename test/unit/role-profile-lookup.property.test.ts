import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {roleProfile, roleProfiles} from '../../src/role/profiles.js'

// `exec/env/console --profile NAME` resolve the one profile (and its chain) without reading every profile of the file
// (issue 22). Differential test: for any file of keyless, AWS CLI SSO, legacy, chained, looping and unusable profiles,
// the profile looked up alone is the one the index of every profile gives, or undefined where the index has none
// (or where only it can tell: `default`).

const NAMES = ['a', 'b', 'c', 'd', 'default']
const SESSIONS = `[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n\n`
const profileBody = fc.oneof(
  fc.constant(
    'credential_process = "/bin/keyless" credential-process --session acme --account-id 111111111111 --role-name Admin\nkeyless_session = acme\n',
  ),
  fc.constant('sso_session = acme\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\n'),
  fc.constant(
    'sso_start_url = https://acme.awsapps.com/start/\nsso_region = us-east-1\nsso_account_id = 333333333333\nsso_role_name = Ops\n',
  ),
  fc.constant('sso_start_url = https://other.awsapps.com/start\nsso_account_id = 333333333333\nsso_role_name = Ops\n'),
  fc
    .constantFrom(...NAMES)
    .map((source) => `role_arn = arn:aws:iam::444444444444:role/Deployer\nsource_profile = ${source}\nduration_seconds = 900\n`),
  fc
    .constantFrom(...NAMES)
    .map(
      (source) =>
        `role_arn = arn:aws:iam::555555555555:role/X\nsource_profile = ${source}\nsso_session = acme\nsso_account_id = 1\nsso_role_name = R\n`,
    ),
  fc.constant('region = eu-west-1\n'),
)
const file = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...NAMES, '[default]'), profileBody), {selector: ([name]) => name, maxLength: 6})
  .map(
    (profiles) =>
      SESSIONS +
      profiles
        .map(([name, body]) =>
          `${name === '[default]' ? '[default]' : `[profile ${name}]`}\n${body}\nregion = us-west-2\n`.replace(
            /\nregion = us-west-2\n$/,
            '\n',
          ),
        )
        .join('\n'),
  )

describe('one profile looked up alone', () => {
  it('is the profile the index of every profile gives, chains and loops included', () => {
    fc.assert(
      fc.property(file, (text) => {
        const index = roleProfiles(text)
        for (const name of NAMES) {
          const alone = roleProfile(text, name)
          const listed = index.usable.find((p) => p.name === name)
          // What byProfile does: the profile alone, else the index.
          expect(alone ?? listed).toEqual(listed)
          // Alone answers for itself wherever no default is involved (then the index, as the AWS tools, decides).
          if (!text.includes('default')) expect(alone).toEqual(listed)
          if (name === 'default') expect(alone).toBeUndefined()
        }
      }),
      {numRuns: 1000},
    )
  })
})
