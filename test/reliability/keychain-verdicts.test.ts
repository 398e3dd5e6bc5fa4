import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {SESSION, configText} from '../helpers/credential-process.js'
import {writeFile} from '../helpers/files.js'
import {privateKeyring, withStoreOn, type PrivateKeyring} from '../helpers/private-keyring.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// Issue 28: a keychain call that does not answer at once is one of three things, and credential-process tells them
// apart with the real gnome-keyring (the unit tests of keychain-busy.test.ts fake it): a locked collection, no Secret
// Service at all, or a live one that is slow (here: its daemon stopped with SIGSTOP, then resumed). Each test has its
// own D-Bus session and daemon, so stopping or locking it cannot touch another test's keyring.

const START_URL = 'https://example.awsapps.com/start'
const REGION = 'eu-west-1'
const ROLE = {accountId: '111111111111', roleName: 'ReadOnlyAccess'}
const ARGS = ['credential-process', '--session', SESSION, '--account-id', ROLE.accountId, '--role-name', ROLE.roleName]
const UNLOCK = 'unlock your keyring (e.g. log in to the desktop once, or run gnome-keyring-daemon --unlock) and try again'
const BUSY_LINE = 'keyless: the OS keychain is busy and answering slowly; waiting for it\n'
/** Made-up values in the shape AWS issues them (no test here talks to AWS or the emulator). */
const ROLE_CREDENTIALS = {
  accessKeyId: 'ASIAVERDICTTEST00001',
  secretAccessKey: 'verdict-test-secret-access-key-0000000001',
  sessionToken: 'verdict-test-session-token',
}

let sandbox: Sandbox
let keyring: PrivateKeyring
beforeEach(() => {
  sandbox = makeSandbox()
  writeFile(sandbox.configFile, configText(START_URL, REGION, []))
  keyring = privateKeyring()
})
afterEach(() => {
  keyring.close()
  sandbox.cleanup()
})

/** The sandbox's environment on the private bus. */
const onPrivateBus = (): NodeJS.ProcessEnv => ({...sandbox.env, DBUS_SESSION_BUS_ADDRESS: keyring.address})

/** A signed-in session with one role's credentials cached, written into the private keyring by keyless's own store. */
async function seedSignedIn(): Promise<void> {
  const expires = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString()
  await withStoreOn(
    onPrivateBus(),
    `await store.writeToken(input.session, input.token)
await store.writeRoleCredentials(input.session, input.role.accountId, input.role.roleName, input.creds, input.binding)`,
    {
      session: SESSION,
      role: ROLE,
      token: {
        accessToken: 'verdict-test-access-token',
        expiresAt: expires(8),
        startUrl: START_URL,
        region: REGION,
        signInId: 'verdict-sign-in',
      },
      creds: {...ROLE_CREDENTIALS, expiresAt: expires(1)},
      binding: {startUrl: START_URL, region: REGION, signIn: 'verdict-sign-in'},
    },
  )
}

describe('credential-process against the real gnome-keyring', () => {
  it('LOCKED (a login keyring that exists but was not unlocked): exit 1 with the unlock line', {timeout: 120_000}, async () => {
    // Made and filled unlocked with one password, then the daemon restarted without it: what a desktop login that
    // did not unlock the keyring (auto-login, SSH) leaves.
    await keyring.start('the keyring password')
    await seedSignedIn()
    await keyring.stop()
    await keyring.start()
    expect(keyring.locked()).toBe(true)

    // Bounded: runKeyless kills it after 60 s (then code is null and the test fails).
    const result = await runKeyless(ARGS, {env: onPrivateBus(), timeoutMs: 60_000})
    expect({code: result.code, stdout: result.stdout, stderr: result.stderr}).toEqual({
      code: 1,
      stdout: '',
      stderr: `keyless: the OS keychain refused access (its default collection is locked); ${UNLOCK}\n`,
    })
  })

  it(
    'ABSENT (no D-Bus session at the address): exit 1 with the "no Secret Service" line naming the kernel keyring',
    {timeout: 60_000},
    async () => {
      const result = await runKeyless(ARGS, {
        env: {...sandbox.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${sandbox.home}/no-such-bus`},
        timeoutMs: 30_000,
      })
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr.split('\n')).toHaveLength(2)
      expect(result.stderr).toMatch(/^keyless: no Secret Service keychain is reachable on D-Bus \(/)
      expect(result.stderr).toContain('keyless configure --store kernel-keyring')
    },
  )

  it(
    'BUSY (the daemon stopped past the probe threshold, then resumed): the credentials, and the one busy line',
    {timeout: 120_000},
    async () => {
      await keyring.start('the keyring password')
      await seedSignedIn()
      const pid = keyring.daemonPid()!
      // Stopped before the call: its read and then the Secret Service probe (after 5 s) both go unanswered. Resumed
      // only once keyless says it is waiting (past 10 s): by then the old code had given up with the unlock line.
      process.kill(pid, 'SIGSTOP')
      let resumed = false
      const resume = () => {
        if (resumed) return
        resumed = true
        process.kill(pid, 'SIGCONT')
      }
      // Whatever keyless does, the daemon runs again before the bound of the call (30 s): no test leaves it stopped.
      const backstop = setTimeout(resume, 45_000)
      try {
        const result = await runKeyless(ARGS, {
          env: onPrivateBus(),
          timeoutMs: 90_000,
          onStderr: (_, all) => {
            if (all.includes(BUSY_LINE)) resume()
          },
        })
        expect({code: result.code, stderr: result.stderr}).toEqual({code: 0, stderr: BUSY_LINE})
        expect(JSON.parse(result.stdout)).toMatchObject({
          Version: 1,
          AccessKeyId: ROLE_CREDENTIALS.accessKeyId,
          SecretAccessKey: ROLE_CREDENTIALS.secretAccessKey,
        })
      } finally {
        clearTimeout(backstop)
        resume()
      }
    },
  )
})

describe('status and accounts against the real gnome-keyring', () => {
  /** A signed-in session, then the daemon restarted without its password: the login keyring is there but locked. */
  async function lockedAfterSignIn(): Promise<void> {
    await keyring.start('the keyring password')
    await seedSignedIn()
    await keyring.stop()
    await keyring.start()
    expect(keyring.locked()).toBe(true)
  }
  const LOCKED_LINE = `keyless: the OS keychain refused access (its default collection is locked); ${UNLOCK}\n`

  it('status on a LOCKED keychain: exit 1 with the unlock line, not a session shown as signed out', {timeout: 120_000}, async () => {
    await lockedAfterSignIn()
    for (const argv of [['status'], ['status', '--json']]) {
      const result = await runKeyless(argv, {env: onPrivateBus(), timeoutMs: 60_000})
      expect({argv, code: result.code, signal: result.signal, stdout: result.stdout, stderr: result.stderr}).toEqual({
        argv,
        code: 1,
        signal: null,
        stdout: '',
        stderr: LOCKED_LINE,
      })
    }
  })

  it('accounts on a LOCKED keychain: exit 1 with the unlock line, not "not signed in"', {timeout: 120_000}, async () => {
    await lockedAfterSignIn()
    for (const argv of [['accounts'], ['accounts', '--json'], ['accounts', '--refresh']]) {
      const result = await runKeyless(argv, {env: onPrivateBus(), timeoutMs: 60_000})
      expect({argv, code: result.code, signal: result.signal, stdout: result.stdout, stderr: result.stderr}).toEqual({
        argv,
        code: 1,
        signal: null,
        stdout: '',
        stderr: LOCKED_LINE,
      })
    }
  })

  it('status on an unlocked keychain still shows the session (the locked check passes it by)', {timeout: 120_000}, async () => {
    await keyring.start('the keyring password')
    await seedSignedIn()
    const result = await runKeyless(['status', '--json'], {env: onPrivateBus(), timeoutMs: 60_000})
    expect({code: result.code, stderr: result.stderr}).toEqual({code: 0, stderr: ''})
    expect(JSON.parse(result.stdout).sessions[0]).toMatchObject({name: SESSION, hasRefreshToken: false, roleCredentials: [{...ROLE}]})
  })
})
