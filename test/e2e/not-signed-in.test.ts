/**
 * Issue 21 item 6: "not signed in" wherever nothing of the session is stored (never signed in, or after logout),
 * "has expired" only when a stored sign-in really ended. Every command that can say it, with and without a
 * terminal.
 */
import {describe, expect, it} from 'vitest'

import {KEYLESS_BIN, runKeyless, runProcess} from '../helpers/cli.js'
import {runInTerminal} from '../helpers/pty.js'
import {seedSession, useSignedInEmulator} from '../helpers/seed-session.js'

const signedIn = useSignedInEmulator()
const keyless = (args: string[], env: NodeJS.ProcessEnv = {}) => runKeyless(args, {env: {...signedIn.env, ...env}})
const ROLE = ['--account', '111111111111', '--role', 'ReadOnlyAccess']
const NOT_SIGNED_IN = 'keyless: SSO session "acme" is not signed in; run: keyless login --session acme\n'
// No browser can open over SSH: a login started here would be the device flow, its code on the terminal.
const SSH = {SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22'}

async function signedOut(): Promise<void> {
  const logout = await keyless(['logout'])
  expect(logout.code, logout.stderr).toBe(0)
}

describe('after logout', () => {
  it('env, console, accounts and exec without a terminal: "is not signed in"', async () => {
    await signedOut()
    for (const args of [
      ['env', ...ROLE],
      ['console', ...ROLE, '--print'],
      ['accounts'],
      ['exec', ...ROLE, '--', 'true'],
      ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'ReadOnlyAccess'],
    ]) {
      const result = await keyless(args)
      expect(result.stderr, args[0]).toBe(NOT_SIGNED_IN)
      expect(result.code, args[0]).toBe(1)
    }
  })

  it('exec in a terminal says "is not signed in" before it signs in', async () => {
    await signedOut()
    const before = (await signedIn.emulator.stats()).operations.StartDeviceAuthorization
    const {code, screen} = await runInTerminal([process.execPath, KEYLESS_BIN, 'exec', ...ROLE, '--', 'true'], {
      env: {...signedIn.env, ...SSH},
      // Ctrl-C once the sign-in code is shown: this test is about the words, not the login.
      answers: [[/approve this code/, '\u0003']],
    })
    expect(screen).toContain('keyless: the SSO session acme is not signed in; signing in first')
    expect(screen).not.toContain('expired')
    expect(code).toBe(130)
    expect((await signedIn.emulator.stats()).operations.StartDeviceAuthorization).toBe(before + 1)
  })

  it('credential-process --auto-login with no terminal (setsid): "is not signed in and --auto-login cannot sign in here"', async () => {
    await signedOut()
    const before = (await signedIn.emulator.stats()).operations.StartDeviceAuthorization
    const args = ['--session', 'acme', '--account-id', '111111111111', '--role-name', 'ReadOnlyAccess', '--auto-login']
    const result = await runProcess('setsid', ['-w', process.execPath, KEYLESS_BIN, 'credential-process', ...args], {
      env: {...signedIn.env, ...SSH},
    })
    expect(result.stderr).toBe(
      'keyless: SSO session "acme" is not signed in and --auto-login cannot sign in here (no terminal to show the sign-in code on, and this is an SSH session); run: keyless login --session acme\n',
    )
    expect(result.code).toBe(1)
    expect((await signedIn.emulator.stats()).operations.StartDeviceAuthorization).toBe(before)
  })
})

describe('a stored sign-in that ended', () => {
  it('still "has expired" (env without a terminal, credential-process --auto-login under setsid)', async () => {
    // An access token past its expiry and no refresh token: there was a sign-in, and it is over.
    await seedSession(signedIn.emulator, signedIn.sandbox, {tokenExpiresInSeconds: -60, withoutRefreshToken: true})
    const env = await keyless(['env', ...ROLE])
    expect(env.stderr).toBe('keyless: SSO session "acme" has expired; run: keyless login --session acme\n')
    expect(env.code).toBe(1)
    const args = ['--session', 'acme', '--account-id', '111111111111', '--role-name', 'ReadOnlyAccess', '--auto-login']
    const cp = await runProcess('setsid', ['-w', process.execPath, KEYLESS_BIN, 'credential-process', ...args], {
      env: {...signedIn.env, ...SSH},
    })
    expect(cp.stderr).toMatch(/^keyless: SSO session "acme" has expired and --auto-login cannot sign in here \(/)
  })
})
