import {describe, expect, it} from 'vitest'

import {generateAccounts} from '../emulator/fixture.js'
import {runKeyless} from '../helpers/cli.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

// Issue 4's scale test at full size: 1,000 accounts x 3 roles behind Identity Center's 20 requests/s, with 5%
// of calls failing. Peers give up or loop here; keyless must finish, exactly right, with no error surfacing.
// About a minute of wall time (1,010 calls at 20/s): how long it takes is the benchmark's business, not this test's.
describe('keyless accounts at 1,000 accounts x 3 roles, 20 requests/s, 5% faults', () => {
  const signedIn = useSignedInEmulator({accounts: 1000, rolesPerAccount: 3, rateLimit: 20, faultRate: 0.05})

  it('completes, exactly matching the fixture, with every 429 and 500 absorbed', async () => {
    const before = await signedIn.emulator.stats()
    const run = await runKeyless(['accounts', '--json'], {env: signedIn.env, timeoutMs: 300_000})
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const expected = generateAccounts(1000, 3)
      .map(({accountId, accountName, emailAddress, roles}) => ({accountId, accountName, emailAddress, roles: [...roles].sort()}))
      .sort((a, b) => a.accountName.localeCompare(b.accountName, 'en'))
    expect(JSON.parse(run.stdout)).toEqual({session: 'acme', accounts: expected})
    const after = await signedIn.emulator.stats()
    expect(after.faults - before.faults).toBeGreaterThan(0)
    expect(after.throttled - before.throttled).toBeGreaterThan(0)
  }, 320_000)
})
