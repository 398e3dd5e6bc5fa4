import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle, type EmulatorOptions} from '../helpers/emulator.js'
import {allFiles, findLeaks, ssoSessionSection, writeFile} from '../helpers/files.js'
import {browserEvents, httpBrowserEnv, type BrowserOptions} from '../helpers/http-browser.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// `keyless login` with authorization code + PKCE (PRODUCT.md section 10), end to end: the built CLI, the emulator's
// /authorize, a browser that is a plain HTTP client (http-browser.mjs, as $BROWSER), the real gnome-keyring.
// KEYLESS_HOST_KIND=host: this suite may run in a container, where keyless rightly defaults to the device flow.
const START_URL = 'https://keyless-demo.awsapps.com/start'
const PKCE_LINE = 'keyless: signing in with authorization code with PKCE (a browser opens on this machine)'

let sandbox: Sandbox
let emulator: EmulatorHandle | undefined
let outputs: RunResult[] = []

const browserLog = () => join(sandbox.home, 'browser.log')
const keychain = () => openKeychain({service: sandbox.keychainService})
const keychainKeys = async () => (await keychain().keys()).sort()
const lastLine = (r: RunResult) => r.stderr.trim().split('\n').at(-1)

async function keyless(
  args: string[],
  extra: {
    env?: NodeJS.ProcessEnv
    browser?: BrowserOptions | false
    onStderr?: (t: string, all: string) => void
    onSpawn?: (c: import('node:child_process').ChildProcess) => void
  } = {},
) {
  const browser = extra.browser === false ? {} : httpBrowserEnv(sandbox.home, browserLog(), extra.browser ?? {})
  const env = {...sandbox.env, ...(emulator?.env() ?? {}), KEYLESS_HOST_KIND: 'host', ...browser, ...extra.env}
  const result = await runKeyless(args, {env, onStderr: extra.onStderr, onSpawn: extra.onSpawn, timeoutMs: 60_000})
  outputs.push(result)
  return result
}

function useEmulator(options: EmulatorOptions) {
  beforeAll(async () => {
    emulator = await startEmulator(options)
  })
  afterAll(async () => {
    await emulator?.close()
    emulator = undefined
  })
}

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, after[k]! - (before[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  )

beforeEach(() => {
  sandbox = makeSandbox()
  outputs = []
  writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL))
})
afterEach(async () => {
  for (const key of await keychain().keys()) await keychain().delete(key)
  sandbox.cleanup()
})

describe('where a browser opens, login signs in with authorization code + PKCE', () => {
  useEmulator({autoApprove: true})

  it('follows the authorize URL to the loopback callback; CreateToken with the authorization_code grant; no device authorization', async () => {
    const before = await emulator!.stats()
    const first = await keyless(['login'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^Signed in to demo; the access token is valid until \d{4}-/)
    expect(first.stderr.split('\n')[0]).toBe(PKCE_LINE)
    expect(first.stderr).toContain(`${emulator!.url}/authorize?response_type=code&client_id=`) // the URL, for when no browser comes up
    expect(first.stderr).toContain('Opened your browser.')
    const after = await emulator!.stats()
    expect(delta(after.operations, before.operations)).toEqual({RegisterClient: 1, Authorize: 1, CreateToken: 1})
    expect(delta(after.grants, before.grants)).toEqual({authorization_code: 1})

    const events = browserEvents(browserLog())
    // The browser hand-off: the opener got a page only this user can read, gone once the browser followed it.
    expect(events[0]).toMatchObject({event: 'handoff', fileMode: 0o600, dirMode: 0o700})
    const page = String(events[0]!.arg).replace(/^file:\/\//, '')
    expect(page).toMatch(new RegExp(`^${sandbox.cacheDir}/browser/h-[^/]+/open\\.html$`))
    expect(existsSync(page)).toBe(false)
    expect(readdirSync(join(sandbox.cacheDir, 'browser'))).toEqual([])
    const opened = new URL(String(events.find((e) => e.event === 'opened')!.url))
    expect(Object.fromEntries(opened.searchParams)).toEqual({
      response_type: 'code',
      client_id: expect.any(String),
      redirect_uri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/),
      scopes: 'sso:account:access',
      state: expect.stringMatching(/^[\w-]{22,}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
    })
    expect(events.at(-1)).toMatchObject({event: 'landed', status: 200, title: 'Signed in'})

    // Stored apart from the device-code registration, and the token remembers which client refreshes it.
    expect(await keychainKeys()).toEqual(['session/demo/registration-auth-code', 'session/demo/token'])
    const registration = JSON.parse((await keychain().get('session/demo/registration-auth-code'))!)
    expect(registration.issuerUrl).toBe(START_URL)
    expect(emulator!.state!.registrations.get(registration.clientId)).toMatchObject({
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://127.0.0.1/oauth/callback'],
      issuerUrl: START_URL,
    })
    expect(JSON.parse((await keychain().get('session/demo/token'))!)).toMatchObject({flow: 'auth-code', refreshToken: expect.any(String)})

    const second = await keyless(['login'])
    expect(second.stdout).toMatch(/^Already signed in to demo/)
    expect(second.stderr).toBe('')
    expect((await emulator!.stats()).operations).toEqual(after.operations)
  })

  it('--force reuses the authorization-code registration; the device flow registers its own next to it', async () => {
    expect((await keyless(['login'])).code).toBe(0)
    const before = await emulator!.stats()
    const again = await keyless(['login', '--force'])
    expect(again.code).toBe(0)
    let d = delta((await emulator!.stats()).operations, before.operations)
    expect(d).toEqual({Authorize: 1, CreateToken: 1})
    const device = await keyless(['login', '--force', '--device-code'], {browser: false})
    expect(device.code, device.stderr).toBe(0)
    expect(device.stderr.split('\n')[0]).toBe('keyless: signing in with the device code flow (--device-code was given)')
    d = delta((await emulator!.stats()).operations, before.operations)
    expect(d).toMatchObject({RegisterClient: 1, StartDeviceAuthorization: 1, Authorize: 1})
    expect(await keychainKeys()).toEqual(['session/demo/registration', 'session/demo/registration-auth-code', 'session/demo/token'])
    expect(JSON.parse((await keychain().get('session/demo/token'))!).flow).toBe('device-code')
  })

  it('the device flow where a browser cannot open on this machine, or when asked; one line says which and why', async () => {
    // One session per case, all at once: each login is a whole device flow against the auto-approving emulator.
    const cases: Array<[string, string[], NodeJS.ProcessEnv, string, string]> = [
      ['nobrowser', ['--no-browser'], {}, '--no-browser was given: approve from any device', ''],
      ['ssh', [], {SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22'}, 'this is an SSH session: approve from any device', ''],
      ['nodisplay', [], {DISPLAY: '', BROWSER: ''}, 'there is no display: approve from any device', ''],
      ['flag', ['--device-code'], {}, '--device-code was given', ''],
      ['wsl', [], {KEYLESS_HOST_KIND: 'wsl'}, "this is WSL, where the browser's redirect back to keyless is unreliable", ''],
      [
        'container',
        [],
        {KEYLESS_HOST_KIND: 'container'},
        "this is a container, where the browser's redirect back to keyless is unreliable",
        '',
      ],
      ['saved', [], {}, 'keyless_login_flow = device-code in [sso-session saved]', 'keyless_login_flow = device-code\n'],
      ['flagswin', ['--no-browser'], {}, '--no-browser was given: approve from any device', 'keyless_login_flow = auth-code\n'],
    ]
    writeFile(sandbox.configFile, cases.map(([name, , , , extra]) => ssoSessionSection(name, START_URL) + extra).join('\n'))
    const before = await emulator!.stats()
    const results = await Promise.all(cases.map(([name, flags, env]) => keyless(['login', '--session', name, ...flags], {env})))
    for (const [i, [, , , reason]] of cases.entries()) {
      expect(results[i]!.code, results[i]!.stderr).toBe(0)
      expect(results[i]!.stderr.split('\n')[0]).toBe(`keyless: signing in with the device code flow (${reason})`)
    }
    const d = delta((await emulator!.stats()).operations, before.operations)
    expect(d.StartDeviceAuthorization).toBe(cases.length)
    expect(d.Authorize).toBeUndefined()
  })

  it('keyless_login_flow = auth-code over SSH: no browser is opened, the URL is printed and keyless waits for it', async () => {
    writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL) + 'keyless_login_flow = auth-code\n')
    let followed: Promise<unknown> | undefined
    const result = await keyless(['login'], {
      browser: {action: 'none'},
      env: {SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22'},
      // The person opens the printed URL themselves (here: with fetch, following the redirects).
      onStderr: (_, all) => {
        const url = /^ {2}(http:\/\/\S+\/authorize\?\S+)$/m.exec(all)?.[1]
        if (url && !followed) followed = fetch(url).then((r) => r.text())
      },
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr.split('\n')[0]).toBe(
      'keyless: signing in with authorization code with PKCE (keyless_login_flow = auth-code in [sso-session demo])',
    )
    expect(result.stderr).toContain(
      'Not opening a browser (this is an SSH session): open the URL above in a browser on this machine, or sign in from another device with: keyless login --session demo --device-code',
    )
    expect(browserEvents(browserLog())).toEqual([])
    expect(await followed).toContain('Signed in')
  })

  it('a browser that cannot be opened: the URL and the --device-code hint, and the login still completes from the URL', async () => {
    let followed = false
    const result = await keyless(['login'], {
      browser: false,
      // No opener can run (xdg-open finds none of its tools); with BROWSER=/bin/false it would try an installed chromium.
      env: {PATH: '/nonexistent', BROWSER: '', DISPLAY: ':99'},
      onStderr: (_, all) => {
        const url = /^ {2}(http:\/\/\S+\/authorize\?\S+)$/m.exec(all)?.[1]
        if (url && /Could not open a browser/.test(all) && !followed) {
          followed = true
          void fetch(url)
        }
      },
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain(
      'Could not open a browser: open the URL above in a browser on this machine, or sign in from another device with: keyless login --session demo --device-code',
    )
  })

  it('a forged callback (wrong state, no state, another path) first is answered 400/404 and ignored; the real one completes; a replay finds the server gone', async () => {
    const result = await keyless(['login'], {browser: {forge: true}})
    expect(result.code, result.stderr).toBe(0)
    const events = browserEvents(browserLog())
    expect(events.find((e) => e.event === 'forged')).toMatchObject({
      wrongState: 400,
      missingState: 400,
      otherPath: 404,
      title: 'Sign-in link not recognised',
    })
    expect(events.find((e) => e.event === 'landed')).toMatchObject({status: 200, title: 'Signed in'})
    // The server closed after the one good callback: replaying it reaches nothing.
    expect(events.find((e) => e.event === 'replayed')).toMatchObject({result: 'ECONNREFUSED'})
  })

  it('the loopback server answers on 127.0.0.1 only: every other address of this machine refuses', async () => {
    const result = await keyless(['login'], {browser: {probe: true}})
    expect(result.code, result.stderr).toBe(0)
    const probe = browserEvents(browserLog()).find((e) => e.event === 'probe') as unknown as {
      loopback: number
      others: Array<{host: string; reachable: boolean}>
    }
    expect(probe.loopback).toBe(400) // reachable there (a callback without our state)
    expect(probe.others.map((o) => o.host)).toEqual(expect.arrayContaining(['127.0.0.2', '::1']))
    expect(probe.others.filter((o) => o.reachable)).toEqual([])
  })

  it('CreateToken refuses the code (invalid_grant): one line, exit 1, nothing stored, and the tab says so', async () => {
    const result = await keyless(['login'], {browser: {bogusCode: true}})
    expect(result.code).toBe(1)
    expect(lastLine(result)).toBe(
      'keyless: Identity Center refused the authorization code (invalid_grant); nothing was stored; to try again, run: keyless login --session demo',
    )
    expect(await keychainKeys()).toEqual([])
    expect(browserEvents(browserLog()).at(-1)).toMatchObject({event: 'landed', status: 400, title: 'Sign-in failed'})
  })
})

describe('authorization code: denied, timed out, cancelled', () => {
  useEmulator({})

  it('Deny on the approval page: the denial line, exit 1, nothing stored; the tab says denied', async () => {
    const result = await keyless(['login'], {browser: {action: 'deny'}})
    expect(result.code).toBe(1)
    expect(lastLine(result)).toBe(
      'keyless: the login was denied in the browser; nothing was stored; to try again, run: keyless login --session demo',
    )
    expect(await keychainKeys()).toEqual([])
    const events = browserEvents(browserLog())
    expect(events.map((e) => e.event)).toEqual(['handoff', 'opened', 'approval-page', 'redirect', 'landed'])
    expect(events.at(-1)).toMatchObject({status: 200, title: 'Sign-in denied'})
  })

  it('Allow on the approval page (form POST) signs in', async () => {
    const result = await keyless(['login'], {browser: {action: 'allow'}})
    expect(result.code, result.stderr).toBe(0)
    expect(browserEvents(browserLog()).at(-1)).toMatchObject({event: 'landed', status: 200, title: 'Signed in'})
  })

  it('the callback never comes: one line after the timeout, exit 1, nothing stored', async () => {
    const result = await keyless(['login'], {browser: {action: 'none'}, env: {KEYLESS_AUTH_CODE_TIMEOUT_MS: '2000'}})
    expect(result.code).toBe(1)
    expect(lastLine(result)).toBe(
      'keyless: the sign-in was not completed in the browser within 2 s; nothing was stored; run: keyless login --session demo to try again, or add --device-code to approve from another device',
    )
    expect(await keychainKeys()).toEqual([])
  })

  it('Ctrl-C while waiting for the browser exits 130 and stores nothing', async () => {
    let child: import('node:child_process').ChildProcess | undefined
    const result = await keyless(['login'], {
      browser: {action: 'none'},
      onSpawn: (c) => (child = c),
      onStderr: (_, all) => {
        if (/Opened your browser/.test(all)) setTimeout(() => child?.kill('SIGINT'), 200)
      },
    })
    expect(result.code).toBe(130)
    expect(lastLine(result)).toBe('keyless: login cancelled; nothing was stored')
    expect(await keychainKeys()).toEqual([])
  })
})

describe('configure --login-flow', () => {
  it('saves keyless_login_flow in the [sso-session], keeps every other byte; a bad value is a usage error', async () => {
    const original = readFileSync(sandbox.configFile, 'utf8')
    const out = await keyless(['configure', '--session', 'demo', '--login-flow', 'device-code', '--json'], {browser: false})
    expect(out.code, out.stderr).toBe(0)
    expect(JSON.parse(out.stdout)).toMatchObject({session: 'demo', loginFlow: 'device-code', changed: true})
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(original + 'keyless_login_flow = device-code\n')
    expect((await keyless(['configure', '--session', 'demo', '--login-flow', 'auth-code'], {browser: false})).code).toBe(0)
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(original + 'keyless_login_flow = auth-code\n')
    const bad = await keyless(['configure', '--session', 'demo', '--login-flow', 'magic'], {browser: false})
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(/--login-flow/)
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(original + 'keyless_login_flow = auth-code\n')
  })

  it('an unknown keyless_login_flow in the file: one line naming the fix, exit 1, before any network call', async () => {
    writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL) + 'keyless_login_flow = sometimes\n')
    const out = await keyless(['login'], {env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
    expect(out.code).toBe(1)
    expect(out.stderr.trim()).toBe(
      'keyless: keyless_login_flow = sometimes in [sso-session demo] is neither auth-code nor device-code; run: keyless configure --session demo --login-flow auth-code (or device-code)',
    )
  })
})

describe('secrets never leak from an authorization-code login', () => {
  // Tokens live 10 minutes, so the second login refreshes them with the authorization-code client.
  useEmulator({autoApprove: true, accessTokenTtl: 600})

  it('no issued secret, code or PKCE verifier in any file under HOME or any output, --debug included; the refresh uses the same client', async () => {
    expect((await keyless(['login', '--debug'])).code).toBe(0)
    const before = await emulator!.stats()
    const refreshed = await keyless(['login', '--debug'])
    expect(refreshed.stdout).toMatch(/^Refreshed the session demo/)
    expect(delta((await emulator!.stats()).grants, before.grants)).toEqual({refresh_token: 1})
    expect((await keyless(['status', '--json', '--debug'])).code).toBe(0)
    expect((await keyless(['logout', '--debug'])).code).toBe(0)
    const secrets = await emulator!.issued()
    const registration = [...emulator!.state!.registrations.values()].find((r) => r.grantTypes?.includes('authorization_code'))!
    expect(secrets).toContain(registration.clientSecret)
    expect(secrets.some((s) => /^[\w-]{43}$/.test(s))).toBe(true) // the PKCE verifier keyless sent
    expect([...emulator!.state!.authCodes.keys()].every((code) => secrets.includes(code))).toBe(true)
    expect(outputs.some((o) => /keyless:(login|sdk)/.test(o.stderr))).toBe(true) // --debug did print
    const places = [
      ...allFiles(sandbox.home),
      ...outputs.flatMap((o, i) => [
        {path: `stdout#${i}`, text: o.stdout},
        {path: `stderr#${i}`, text: o.stderr},
      ]),
    ]
    expect(findLeaks(secrets, places)).toEqual([])
  })
})
