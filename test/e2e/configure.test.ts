/**
 * Issue 21 item 5: `configure` changes only what it is asked to change. `--login-flow auto` goes back to the
 * automatic choice (no keyless_login_flow at all); `--store keychain` on a session already on the keychain
 * changes no byte and needs no new login.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {writeFile} from '../helpers/files.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

const signedIn = useSignedInEmulator()
const keyless = (args: string[]) => runKeyless(args, {env: signedIn.env})
const config = () => readFileSync(signedIn.sandbox.configFile, 'utf8')

describe('configure --login-flow auto', () => {
  it('removes keyless_login_flow, so each login chooses by the machine again; every other byte kept', async () => {
    const original = config()
    const device = await keyless(['configure', '--session', 'acme', '--login-flow', 'device-code'])
    expect(device.code, device.stderr).toBe(0)
    expect(config()).toBe(original + 'keyless_login_flow = device-code\n')
    const auto = await keyless(['configure', '--session', 'acme', '--login-flow', 'auto', '--json'])
    expect(auto.code, auto.stderr).toBe(0)
    const json = JSON.parse(auto.stdout) as Record<string, unknown>
    expect(json).toMatchObject({session: 'acme', changed: true})
    expect(json).not.toHaveProperty('loginFlow')
    expect(config()).toBe(original)
    // Already automatic: nothing to do.
    const again = await keyless(['configure', '--session', 'acme', '--login-flow', 'auto'])
    expect(again.stdout).toBe(`[sso-session acme] in ${signedIn.sandbox.configFile} is already up to date.\n`)
    expect(config()).toBe(original)
  })
})

describe('configure --store keychain on a session already on the keychain', () => {
  it('changes no byte, writes no backup, and the session stays signed in (no new login)', async () => {
    // Scopes of the user's own: a run that does not name --scopes leaves them as they are.
    const section = config().replace('sso_registration_scopes = sso:account:access', 'sso_registration_scopes = sso:account:access, openid')
    writeFile(signedIn.sandbox.configFile, section)
    const before = statSync(signedIn.sandbox.configFile).mtimeMs
    const backup = `${signedIn.sandbox.configFile}.keyless.bak`
    const hadBackup = existsSync(backup) ? readFileSync(backup, 'utf8') : undefined
    const tokensBefore = (await signedIn.emulator.stats()).operations.CreateToken

    const result = await keyless(['configure', '--session', 'acme', '--store', 'keychain'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(`[sso-session acme] in ${signedIn.sandbox.configFile} is already up to date.\n`)
    expect(result.stdout).not.toContain('keyless login')
    expect(config()).toBe(section)
    expect(statSync(signedIn.sandbox.configFile).mtimeMs).toBe(before)
    expect(existsSync(backup) ? readFileSync(backup, 'utf8') : undefined).toBe(hadBackup)

    const login = await keyless(['login', '--no-browser'])
    expect(login.code, login.stderr).toBe(0)
    expect(login.stdout).toMatch(/^Already signed in to acme/)
    expect((await signedIn.emulator.stats()).operations.CreateToken).toBe(tokensBefore)
  })

  it('a change that needs no sign-in does not ask for one', async () => {
    const result = await keyless(['configure', '--session', 'acme', '--login-flow', 'device-code'])
    expect(result.stdout).toBe(`Updated [sso-session acme] in ${signedIn.sandbox.configFile}.\n`)
    expect((await keyless(['configure', '--session', 'acme', '--login-flow', 'auto'])).code).toBe(0)
  })
})
