/** Rough edges a new user meets in the first week: each one line that says what is wrong and what to do. */
import {appendFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {ssoSessionSection} from '../helpers/files.js'
import {seedSession, useSignedInEmulator} from '../helpers/seed-session.js'

const signedIn = useSignedInEmulator()
const keyless = (args: string[], env: NodeJS.ProcessEnv = {}) => runKeyless(args, {env: {...signedIn.env, ...env}})

describe('login with a start URL Identity Center does not know', () => {
  it("shows the server's description in the one line and suggests checking sso_start_url", async () => {
    appendFileSync(signedIn.sandbox.configFile, '\n' + ssoSessionSection('typo', 'https://keyless-dem0.awsapps.com/start'))
    const result = await keyless(['login', '--session', 'typo', '--no-browser'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'keyless: AWS Identity Center refused the sign-in (InvalidRequestException: Invalid start URL: no Identity Center instance with this start URL); ' +
        'check sso_start_url of [sso-session typo] (https://keyless-dem0.awsapps.com/start): run: keyless configure --session typo --start-url https://...\n',
    )
  })
})
