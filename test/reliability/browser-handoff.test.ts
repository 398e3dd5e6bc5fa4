/**
 * Issue 20, items 1 and 2: the browser hand-off, against the attacker who can read every command line. A second
 * Unix user polls /proc/*\/cmdline every millisecond and tries to redeem what it finds (cmdline-thief.ts): the
 * console's one-time link, the login's state and code challenge, any file named there. It must get nothing it can
 * use, while the real browser path still works, and the hand-off page is gone afterwards on every way out.
 */
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {ROOT, runKeyless, type RunResult} from '../helpers/cli.js'
import {startCmdlineThief, type ThiefReport} from '../helpers/cmdline-thief.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {ssoSessionSection, writeFile} from '../helpers/files.js'
import {browserEvents, httpBrowserEnv} from '../helpers/http-browser.js'
import {createOtherUser, IS_ROOT, type OtherUser} from '../helpers/other-user.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

const FOLLOW = join(ROOT, 'test', 'helpers', 'follow-handoff.mjs')
const ROLE = ['--account', 'production', '--role', 'ReadOnlyAccess']
const START_URL = 'https://keyless-demo.awsapps.com/start'

let user: OtherUser
let emulator: EmulatorHandle
let sandbox: Sandbox

/** The sandbox HOME as many homes are (0755, ~/.cache 0755): only keyless's own modes keep the thief out. */
function openHome(s: Sandbox) {
  chmodSync(s.home, 0o755)
  mkdirSync(join(s.home, '.cache'), {recursive: true, mode: 0o755})
  chmodSync(join(s.home, '.cache'), 0o755)
}

const pages = () => (existsSync(join(sandbox.cacheDir, 'browser')) ? readdirSync(join(sandbox.cacheDir, 'browser')) : [])

async function underThief(run: () => Promise<RunResult>): Promise<{result: RunResult; thief: ThiefReport}> {
  const thief = await startCmdlineThief(user)
  // Stopped either way (it lets what it started, a fetch or a read, finish before it reports).
  const result = await run().catch(async (error: unknown) => {
    await thief.stop()
    throw error
  })
  return {result, thief: await thief.stop()}
}

/** The thief got nothing it could redeem, and not for lack of looking. */
function expectNothingStolen(thief: ThiefReport) {
  expect(thief.polls).toBeGreaterThan(50)
  // It saw keyless's opener at work: the hand-off page's path is on a command line, and that is all.
  expect(thief.cmdlines.some((c) => /\/browser\/h-[^/ ]+\/open\.html/.test(c))).toBe(true)
  expect(thief.loopback).toEqual([])
  expect(thief.loginUrls).toBe(0)
  expect(thief.cancels).toEqual([])
  expect(thief.files.length).toBeGreaterThan(0)
  // The barrier: the page lives under directories only this user can enter, whatever the home's modes.
  for (const dir of [sandbox.cacheDir, join(sandbox.cacheDir, 'browser')]) expect(statSync(dir).mode & 0o777, dir).toBe(0o700)
  for (const file of thief.files) {
    // Nothing read: refused at keyless's 0700 directories (the barrier, checked on its own in each test), or tried
    // only once nothing was there (a thief starved on a loaded machine: the clean-clone run once saw ENOENT).
    expect(file.read, JSON.stringify(file)).toBe(false)
    expect(['EACCES', 'ENOENT'], JSON.stringify(file)).toContain(file.error)
  }
  expect(thief.cmdlines.filter((c) => /SigninToken|[?&]state=|code_challenge|user_code|127\.0\.0\.1:\d+\/[\w-]{20}/.test(c))).toEqual([])
}

describe.skipIf(!IS_ROOT)('the browser hand-off against another local user (skipped unless root: it creates the user)', () => {
  beforeAll(async () => {
    user = createOtherUser()
    emulator = await startEmulator({})
  })
  afterAll(async () => {
    await emulator?.close()
    user?.remove()
  })

  /** The browser's log once it has a line: the browser runs on its own, keyless may be done before it writes. */
  async function logLine(path: string): Promise<string> {
    for (let i = 0; i < 100 && !(existsSync(path) && readFileSync(path, 'utf8').endsWith('\n')); i++) await sleep(100)
    return existsSync(path) ? readFileSync(path, 'utf8') : ''
  }

  describe('keyless console (item 1)', () => {
    beforeAll(async () => {
      sandbox = makeSandbox()
      openHome(sandbox)
      await seedSession(emulator, sandbox)
    })
    afterAll(async () => {
      await wipeSandboxKeychain(sandbox)
      sandbox.cleanup()
    })

    it('the thief sees only a page it cannot read; the browser signs in once; the page is gone', async () => {
      const log = join(sandbox.home, 'browser.log')
      const browser = join(sandbox.home, 'browser.sh')
      // A browser that takes its time (as a real one starting up does), then loads the page and follows its link
      // without a command line of its own (curl would put the link on one): counts the sign-in URLs it was sent to
      // (the default browser's profile is shared: the sign-in rides as redirect_uri of the sign-out, encoded).
      writeFile(
        browser,
        `#!/bin/sh\nsleep 0.5\n"${process.execPath}" "${FOLLOW}" "$1" | grep -c 'Signin[T]oken\\(=\\|%3D\\)' >> '${log}'\nexit 0\n`,
        0o700,
      )
      const before = (await emulator.stats()).operations
      const {result, thief} = await underThief(() =>
        runKeyless(['console', ...ROLE], {env: {...sandbox.env, ...emulator.env(), BROWSER: browser}, timeoutMs: 60_000}),
      )
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr).toBe('Opening the AWS console as production.ReadOnlyAccess in your browser...\n')
      // Our browser got the 302 to the sign-in URL: the hand-off works.
      expect(await logLine(log)).toBe('1\n')
      expect((await emulator.stats()).operations.GetSigninToken - before.GetSigninToken).toBe(1)
      expectNothingStolen(thief)
      expect(pages()).toEqual([])
    })

    it('Ctrl-C while waiting for the browser: the page is deleted and keyless ends as interrupted', async () => {
      const browser = join(sandbox.home, 'idle-browser.sh')
      writeFile(browser, '#!/bin/sh\nexit 0\n', 0o700)
      let child: import('node:child_process').ChildProcess | undefined
      let seen: string[] = []
      const result = await runKeyless(['console', ...ROLE], {
        env: {...sandbox.env, ...emulator.env(), BROWSER: browser},
        onSpawn: (c) => (child = c),
        onStderr: (_, all) => {
          if (/Opening the AWS console/.test(all) && seen.length === 0) {
            seen = pages()
            child?.kill('SIGINT')
          }
        },
      })
      expect(seen).toHaveLength(1) // the page was there while keyless waited
      expect(result.signal ?? result.code).toSatisfy((s: unknown) => s === 'SIGINT' || s === 130)
      expect(pages()).toEqual([])
    })
  })

  describe('keyless login with authorization code + PKCE (item 2)', () => {
    beforeEach(() => {
      sandbox = makeSandbox()
      openHome(sandbox)
      writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL))
    })
    afterAll(() => sandbox?.cleanup())

    it('the thief learns no state or challenge and cannot cancel or inject; the login is ours; the page is gone', async () => {
      const log = join(sandbox.home, 'browser.log')
      const env = {
        ...sandbox.env,
        ...emulator.env(),
        KEYLESS_HOST_KIND: 'host',
        ...httpBrowserEnv(sandbox.home, log),
        HTTP_BROWSER_DELAY_MS: '500',
      }
      try {
        const {result, thief} = await underThief(() => runKeyless(['login'], {env, timeoutMs: 60_000}))
        expect(result.code, result.stderr).toBe(0)
        expect(result.stdout).toMatch(/^Signed in to demo/)
        expect(browserEvents(log).at(-1)).toMatchObject({event: 'landed', status: 200, title: 'Signed in'})
        expectNothingStolen(thief)
        expect(pages()).toEqual([])
      } finally {
        const keychain = openKeychain({service: sandbox.keychainService})
        for (const key of await keychain.keys()) await keychain.delete(key)
      }
    })

    it('a login that times out leaves no page behind', async () => {
      const browser = join(sandbox.home, 'idle-browser.sh')
      writeFile(browser, '#!/bin/sh\nexit 0\n', 0o700)
      const env = {
        ...sandbox.env,
        ...emulator.env(),
        KEYLESS_HOST_KIND: 'host',
        KEYLESS_AUTH_CODE_TIMEOUT_MS: '3000',
        BROWSER: browser,
        DISPLAY: ':99',
      }
      const result = await runKeyless(['login'], {env, timeoutMs: 60_000})
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/was not completed in the browser within 3 s/)
      expect(pages()).toEqual([])
    })
  })
})
