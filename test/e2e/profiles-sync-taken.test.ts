/**
 * Issue 21 item 12: `profiles sync` that wanted profiles and could write none (every name taken by a profile of
 * the user's own) exits 1 with a one-line fix, so an onboarding script stops there; a sync with nothing to change
 * still exits 0.
 */
import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {writeFile} from '../helpers/files.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

const signedIn = useSignedInEmulator()
const keyless = (args: string[]) => runKeyless(args, {env: signedIn.env})
const NAMES = [
  'production.ReadOnlyAccess',
  'sandbox.AdministratorAccess',
  'sandbox.ReadOnlyAccess',
  'staging.PowerUserAccess',
  'staging.ReadOnlyAccess',
]

describe('profiles sync when every wanted name is taken by your own profiles', () => {
  it('exits 1 with the fix in one line; nothing written; --json still prints the result', async () => {
    const config = readFileSync(signedIn.sandbox.configFile, 'utf8') + NAMES.map((n) => `\n[profile ${n}]\nregion = eu-west-1\n`).join('')
    writeFile(signedIn.sandbox.configFile, config)
    const result = await keyless(['profiles', 'sync'])
    expect(result.code).toBe(1)
    expect(readFileSync(signedIn.sandbox.configFile, 'utf8')).toBe(config)
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines.slice(0, -1)).toHaveLength(5) // one warning per profile left alone
    expect(lines.at(-1)).toBe(
      'keyless: no profile written: all 5 profile names keyless wanted are taken (see above); give this session its own names, ' +
        "run: keyless profiles sync --session acme --template '{session}.{account_name}.{role_name}'",
    )
    expect(result.stdout).toBe(
      `Nothing written to ${signedIn.sandbox.configFile}: 0 added, 0 updated, 0 removed, 0 unchanged, 5 skipped (every profile name is taken).\n`,
    )

    const json = await keyless(['profiles', 'sync', '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({added: [], updated: [], removed: [], unchanged: [], skipped: NAMES})

    // The fix as printed works.
    const fixed = await keyless(['profiles', 'sync', '--template', '{session}.{account_name}.{role_name}'])
    expect(fixed.code, fixed.stderr).toBe(0)
  })

  it('a sync with nothing to change still exits 0', async () => {
    const again = await keyless(['profiles', 'sync'])
    expect(again.stdout).toMatch(/^No changes to .*: 0 added, 0 updated, 0 removed, 5 unchanged, 0 skipped\.\n$/)
    expect(again.code).toBe(0)
  })
})
