import {chmodSync, existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {KEYLESS_BIN, runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, ssoSessionSection, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {writeRecordingBrowser} from '../helpers/recording-browser.js'

// `keyless login/logout/status/configure` end to end: the built CLI, the emulator, the real gnome-keyring.
const START_URL = 'https://keyless-demo.awsapps.com/start'

let sandbox: Sandbox
let emulator: EmulatorHandle | undefined
const outputs: RunResult[] = []

async function keyless(args: string[], extra: {env?: NodeJS.ProcessEnv; onStderr?: (t: string, all: string) => void} = {}) {
  const result = await runKeyless(args, {env: {...sandbox.env, ...(emulator?.env() ?? {}), ...extra.env}, onStderr: extra.onStderr})
  outputs.push(result)
  return result
}
const keychain = () => openKeychain({service: sandbox.keychainService})
const keychainKeys = async () => keychain().keys()

function useEmulator(options: Parameters<typeof startEmulator>[0]) {
  beforeAll(async () => {
    emulator = await startEmulator(options)
  })
  afterAll(async () => {
    await emulator?.close()
    emulator = undefined
  })
}

beforeEach(() => {
  sandbox = makeSandbox()
  writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL))
})
afterEach(async () => {
  for (const key of await keychainKeys()) await keychain().delete(key)
  sandbox.cleanup()
})

describe('login with the device-authorization flow (auto-approve)', () => {
  useEmulator({autoApprove: true})

  it('signs in, stores the tokens in the keychain, and a second login makes no call at all', async () => {
    const before = await emulator!.stats()
    const first = await keyless(['login', '--no-browser'])
    expect(first.stderr).toMatch(/approve this code in your browser: [A-Z0-9-]+/)
    expect(first.stderr).toContain(`${emulator!.url}/`)
    expect(first.stderr).toMatch(/scan this with your phone/) // the QR code on --no-browser
    expect(first.stdout).toMatch(/^Signed in to demo; the access token is valid until \d{4}-/)
    expect(first.code).toBe(0)
    expect(await keychainKeys()).toEqual(['session/demo/registration', 'session/demo/token'])
    const token = JSON.parse((await keychain().get('session/demo/token'))!)
    expect(token.refreshToken).toBeTruthy()
    const afterFirst = await emulator!.stats()
    expect(afterFirst.operations.RegisterClient - before.operations.RegisterClient).toBe(1)
    expect(afterFirst.operations.StartDeviceAuthorization - before.operations.StartDeviceAuthorization).toBe(1)

    const second = await keyless(['login'])
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/^Already signed in to demo/)
    expect(await emulator!.stats()).toEqual(afterFirst)
  })

  it('never polls earlier than the interval the server gave', async () => {
    await keyless(['login', '--no-browser'])
    const {devices} = await emulator!.polls()
    expect(devices.length).toBeGreaterThan(0)
    for (const device of devices) {
      for (let i = 1; i < device.polls.length; i++) {
        expect(device.polls[i]! - device.polls[i - 1]!).toBeGreaterThanOrEqual(device.interval * 1000 - 5)
      }
    }
  })

  it('--force runs the device flow again and reuses the client registration', async () => {
    await keyless(['login', '--no-browser'])
    const before = await emulator!.stats()
    const forced = await keyless(['login', '--no-browser', '--force'])
    expect(forced.code).toBe(0)
    const after = await emulator!.stats()
    expect(after.operations.StartDeviceAuthorization - before.operations.StartDeviceAuthorization).toBe(1)
    expect(after.operations.RegisterClient - before.operations.RegisterClient).toBe(0)
  })

  it('opens the browser through BROWSER with the verification URL', async () => {
    const record = join(sandbox.home, 'browser-urls.txt')
    const script = join(sandbox.home, 'fake-browser.sh')
    writeRecordingBrowser(script, record)
    chmodSync(script, 0o700)
    const result = await keyless(['login', '--device-code'], {env: {BROWSER: script, DISPLAY: ':99'}})
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('Opened your browser')
    const urls = readFileSync(record, 'utf8').trim().split('\n')
    expect(urls).toHaveLength(1)
    expect(urls[0]).toMatch(new RegExp(`^${emulator!.url}/.*user_code=`))
    expect(result.stderr).not.toMatch(/scan this with your phone/)
  })

  it('does not open a browser over SSH, and says why', async () => {
    const record = join(sandbox.home, 'browser-urls.txt')
    const script = join(sandbox.home, 'fake-browser.sh')
    writeRecordingBrowser(script, record)
    const result = await keyless(['login'], {env: {BROWSER: script, DISPLAY: ':99', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22'}})
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('Not opening a browser (this is an SSH session)')
    expect(existsSync(record)).toBe(false)
  })

  it('status --json shows expiry times and never a token value', async () => {
    await keyless(['login', '--no-browser'])
    const status = await keyless(['status', '--json'])
    expect(status.code).toBe(0)
    const parsed = JSON.parse(status.stdout)
    expect(parsed).toEqual({
      sessions: [
        {
          name: 'demo',
          startUrl: START_URL,
          region: 'us-east-1',
          accessTokenExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          hasRefreshToken: true,
          registrationExpiresAt: expect.stringMatching(/Z$/),
          roleCredentials: [],
          orphaned: false,
          store: 'keychain',
        },
      ],
    })
    for (const secret of await emulator!.issued()) expect(status.stdout).not.toContain(secret)
  })

  it('logout ends the session at Identity Center and removes every keychain entry', async () => {
    await keyless(['login', '--no-browser'])
    const token = JSON.parse((await keychain().get('session/demo/token'))!)
    // The sign-in marker (not secret, see credential-process) goes too.
    const marker = join(sandbox.cacheDir, 'sign-in', `${sandbox.keychainService}.demo`)
    expect(readFileSync(marker, 'utf8')).toBe(`${token.signInId}\n`)
    const before = await emulator!.stats()
    const out = await keyless(['logout'])
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('Signed out of demo')
    expect((await emulator!.stats()).operations.Logout - before.operations.Logout).toBe(1)
    expect(await keychainKeys()).toEqual([])
    expect(existsSync(marker)).toBe(false)
    // The server no longer accepts the old token.
    const {SSOClient, ListAccountsCommand} = await import('@aws-sdk/client-sso')
    const sso = new SSOClient({region: 'us-east-1', endpoint: emulator!.url})
    await expect(sso.send(new ListAccountsCommand({accessToken: token.accessToken}))).rejects.toMatchObject({name: 'UnauthorizedException'})
  })

  it('logout --all signs out of every session, also one no longer in the config file', async () => {
    writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL) + '\n' + ssoSessionSection('second', START_URL))
    expect((await keyless(['login', '--no-browser', '--session', 'demo'])).code).toBe(0)
    expect((await keyless(['login', '--no-browser', '--session', 'second'])).code).toBe(0)
    // `second` disappears from the config: its secrets must not be stranded in the keychain.
    writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL))
    const out = await keyless(['logout', '--all', '--json'])
    expect(out.code).toBe(0)
    expect(
      JSON.parse(out.stdout)
        .sessions.map((s: {session: string}) => s.session)
        .sort(),
    ).toEqual(['demo', 'second'])
    expect(await keychainKeys()).toEqual([])
    const conflicting = await keyless(['logout', '--all', '--session', 'demo'])
    expect(conflicting.code).toBe(2)
  })

  it('logout waits for a token refresh in flight (session lock) instead of letting it write the token back', async () => {
    await keyless(['login', '--no-browser'])
    const refreshed = (await keychain().get('session/demo/token'))!
    const {withFileLock} = await import('../../src/locks/file-lock.js')
    const {cacheDir} = await import('../../src/aws-config/paths.js')
    let logout: Promise<RunResult> | undefined
    // Another keyless (credential-process, accounts) holds the session lock while it refreshes the token...
    await withFileLock(join(cacheDir(sandbox.env), 'locks'), 'session-demo', async () => {
      logout = keyless(['logout'])
      await new Promise((resolve) => setTimeout(resolve, 2000))
      // ...and stores the refreshed token just before it lets go.
      await keychain().set('session/demo/token', refreshed)
    })
    expect((await logout!).code).toBe(0)
    // Logout waited for the lock, then wiped what the refresh stored: nothing of the session stays.
    expect(await keychainKeys()).toEqual([])
  })

  it('logout succeeds locally when Identity Center is unreachable, and says so', async () => {
    await keyless(['login', '--no-browser'])
    const out = await keyless(['logout'], {env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
    expect(out.code).toBe(0)
    expect(out.stderr).toMatch(/could not reach Identity Center.*deleted anyway/)
    expect(await keychainKeys()).toEqual([])
  })
})

describe('login: silent refresh', () => {
  // Tokens live 10 minutes: under the 15-minute window, so every login after the first refreshes.
  useEmulator({autoApprove: true, accessTokenTtl: 600, rotateRefreshTokens: true})

  it('refreshes with the (rotating) refresh token instead of a new device flow', async () => {
    await keyless(['login', '--no-browser'])
    const first = JSON.parse((await keychain().get('session/demo/token'))!)
    const before = await emulator!.stats()
    const refreshed = await keyless(['login'])
    expect(refreshed.code).toBe(0)
    expect(refreshed.stdout).toMatch(/^Refreshed the session demo/)
    const second = JSON.parse((await keychain().get('session/demo/token'))!)
    expect(second.accessToken).not.toBe(first.accessToken)
    expect(second.refreshToken).not.toBe(first.refreshToken) // rotated, and the new one was stored
    // Again: only works if the rotated refresh token was kept.
    expect((await keyless(['login'])).stdout).toMatch(/^Refreshed/)
    const after = await emulator!.stats()
    expect(after.operations.CreateToken - before.operations.CreateToken).toBe(2)
    expect(after.operations.StartDeviceAuthorization).toBe(before.operations.StartDeviceAuthorization)
  })

  it('falls back to the device flow when the server forgot the refresh token', async () => {
    await keyless(['login', '--no-browser'])
    await emulator!.revokeAll()
    const before = await emulator!.stats()
    const out = await keyless(['login', '--no-browser'])
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/^Signed in to demo/)
    expect((await emulator!.stats()).operations.StartDeviceAuthorization - before.operations.StartDeviceAuthorization).toBe(1)
  })
})

describe('login: denied, expired, cancelled', () => {
  useEmulator({deviceExpiresIn: 3})

  it('a denial in the browser is one line, exit 1, nothing stored', async () => {
    let denied = false
    const out = await keyless(['login', '--no-browser'], {
      onStderr: (_, all) => {
        const code = /browser: (\S+)/.exec(all)?.[1]
        if (code && !denied) {
          denied = true
          void emulator!.deny(code.replace(/\u001b\[[0-9;]*m/g, ''))
        }
      },
    })
    expect(out.code).toBe(1)
    expect(out.stderr.trim().split('\n').at(-1)).toBe(
      'keyless: the login was denied in the browser; nothing was stored; to try again, run: keyless login --session demo',
    )
    expect(await keychainKeys()).toEqual([])
  })

  it('an unapproved code expires: one line, exit 1, nothing stored', async () => {
    const out = await keyless(['login', '--no-browser'])
    expect(out.code).toBe(1)
    expect(out.stderr.trim().split('\n').at(-1)).toMatch(
      /^keyless: the login code expired before it was approved; nothing was stored; run: keyless login --session demo/,
    )
    expect(await keychainKeys()).toEqual([])
  })

  it('Ctrl-C while waiting exits 130 and stores nothing', async () => {
    let child: import('node:child_process').ChildProcess | undefined
    const result = await runKeyless(['login', '--no-browser'], {
      env: {...sandbox.env, ...emulator!.env()},
      onSpawn: (c) => (child = c),
      onStderr: (_, all) => {
        if (/browser: /.test(all)) setTimeout(() => child?.kill('SIGINT'), 200)
      },
    })
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(/login cancelled; nothing was stored/)
    expect(await keychainKeys()).toEqual([])
  })
})

/** A pass-through proxy to the emulator whose answers carry a Date header `skewMs` away from now. */
async function skewedClockProxy(target: string, skewMs: number) {
  const {createServer, request} = await import('node:http')
  const server = createServer((req, res) => {
    const upstream = request(new URL(req.url ?? '/', target), {method: req.method, headers: req.headers}, (up) => {
      res.writeHead(up.statusCode ?? 502, {...up.headers, date: new Date(Date.now() + skewMs).toUTCString()})
      up.pipe(res)
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  return {url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve()))}
}

describe('a clock far from AWS', () => {
  useEmulator({autoApprove: true})

  it('stops login before the browser step with the skew and the fix, storing nothing', async () => {
    const proxy = await skewedClockProxy(emulator!.url, -2 * 3600 * 1000)
    try {
      const out = await keyless(['login', '--no-browser'], {env: {AWS_ENDPOINT_URL: proxy.url}})
      expect(out.code).toBe(1)
      expect(out.stderr.trim()).toMatch(
        /^keyless: this computer's clock is 120 minutes ahead of AWS's; .*nothing was stored; set the clock right/,
      )
      expect(out.stderr).not.toMatch(/approve this code/)
      expect(await keychainKeys()).toEqual([])
    } finally {
      await proxy.close()
    }
  })
})

describe('errors that must be clear', () => {
  it('Identity Center unreachable: one line naming the endpoint, exit 1, nothing stored', async () => {
    const out = await keyless(['login', '--no-browser'], {env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
    expect(out.code).toBe(1)
    expect(out.stderr.trim()).toBe(
      'keyless: cannot reach AWS Identity Center at http://127.0.0.1:9 (connection refused); check your network or VPN, and the sso_region of the session in your AWS config',
    )
    expect(await keychainKeys()).toEqual([])
  })

  it('a host that does not resolve (DNS): one line naming it, exit 1, nothing stored', async () => {
    const out = await keyless(['login', '--no-browser'], {env: {AWS_ENDPOINT_URL: 'http://oidc.keyless-test.invalid'}})
    expect(out.code).toBe(1)
    expect(out.stderr.trim()).toMatch(
      /^keyless: cannot reach AWS Identity Center at http:\/\/oidc\.keyless-test\.invalid \((host not found \(DNS\)|DNS lookup failed)\); check your network or VPN/,
    )
    expect(await keychainKeys()).toEqual([])
  })

  it('an unknown session name lists the ones there are', async () => {
    const out = await keyless(['login', '--session', 'nope'])
    expect(out.code).toBe(2) // a usage error
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(/nope/)
    expect(out.stderr).toMatch(/demo/)
  })

  it('no sessions configured says to run keyless configure', async () => {
    writeFile(sandbox.configFile, '[default]\nregion = eu-west-1\n')
    const out = await keyless(['login'])
    expect(out.code).toBe(1)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(/keyless configure/)
  })

  it('a malformed config file names the line', async () => {
    writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL) + '[profile broken\nregion = x\n')
    const before = readFileSync(sandbox.configFile)
    const out = await keyless(['login'])
    expect(out.code).toBe(1)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(/config line 5: "\[profile broken" is not a section header/)
    expect(readFileSync(sandbox.configFile)).toEqual(before)
  })

  it('no keychain reachable: the cause and the fix, exit 1', async () => {
    const out = await keyless(['login', '--no-browser'], {env: {DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus'}})
    expect(out.code).toBe(1)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(/^keyless: no Secret Service keychain is reachable.*gnome-keyring-daemon --unlock/)
  })

  it('no keychain reachable with --force: the same line (not an "Identity Center call failed")', async () => {
    // --force goes straight to the device flow, whose first keychain read used to be caught by the SDK-error net.
    const out = await keyless(['login', '--force', '--no-browser'], {env: {DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus'}})
    expect(out.code).toBe(1)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(/^keyless: no Secret Service keychain is reachable.*gnome-keyring-daemon --unlock/)
  })
})

describe('configure', () => {
  it('adds a session without touching any other byte, and refuses bad input', async () => {
    // CRLF and no final newline: the new section follows the file's own style.
    const original = '# my settings\r\n[default]\r\nregion = eu-west-1\r\n; keep me'
    writeFile(sandbox.configFile, original)
    const out = await keyless([
      'configure',
      '--session',
      'acme',
      '--start-url',
      'https://acme.awsapps.com/start',
      '--region',
      'eu-central-1',
    ])
    expect(out.code).toBe(0)
    const text = readFileSync(sandbox.configFile, 'utf8')
    expect(text.startsWith(original)).toBe(true)
    expect(text.slice(original.length)).toBe(
      '\r\n\r\n[sso-session acme]\r\nsso_start_url = https://acme.awsapps.com/start\r\nsso_region = eu-central-1\r\nsso_registration_scopes = sso:account:access',
    )
    expect(statSync(sandbox.configFile).mode & 0o777).toBe(0o600)
    const again = await keyless([
      'configure',
      '--session',
      'acme',
      '--start-url',
      'https://acme.awsapps.com/start',
      '--region',
      'eu-central-1',
    ])
    expect(again.stdout).toMatch(/already up to date/)

    const bad = readFileSync(sandbox.configFile)
    for (const args of [
      ['--session', 'x', '--start-url', 'http://acme.awsapps.com/start', '--region', 'us-east-1'],
      ['--session', 'x', '--start-url', 'https://acme.awsapps.com/start', '--region', 'us-east'],
    ]) {
      const refused = await keyless(['configure', ...args])
      expect(refused.code).toBe(2) // a bad flag value is a usage error
      expect(refused.stderr.trim().split('\n')).toHaveLength(1)
      expect(readFileSync(sandbox.configFile)).toEqual(bad)
    }
    const missing = await keyless(['configure', '--session', 'x', '--region', 'us-east-1'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--start-url/)
  })
})

describe('configure in a terminal', () => {
  it('prompts for what is missing, re-asks after a bad answer, and writes the section', async () => {
    // `script` gives the command a real pseudo-terminal, as a person at a shell has.
    const {spawn} = await import('node:child_process')
    writeFile(sandbox.configFile, '')
    const child = spawn('script', ['-qfec', `${process.execPath} ${KEYLESS_BIN} configure`, '/dev/null'], {
      env: {...sandbox.env, TERM: 'xterm'},
    })
    const answers: Array<[RegExp, string]> = [
      [/Session name/, 'acme\r'],
      [/portal URL/, 'http://acme.awsapps.com/start\r'], // refused: not https
      [/must use https/, '\u0015https://acme.awsapps.com/start\r'], // Ctrl-U clears the line
      [/Identity Center region/, '\r'], // the default, us-east-1
    ]
    let screen = ''
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString()
      const next = answers[0]
      if (next && next[0].test(screen)) {
        answers.shift()
        screen = ''
        setTimeout(() => child.stdin.write(next[1]), 100)
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(answers).toEqual([])
    expect(code).toBe(0)
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(
      '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n',
    )
  })
})

describe('secrets never leak', () => {
  useEmulator({autoApprove: true, accessTokenTtl: 600})

  it('no issued secret in any file under HOME or in any output, --debug included', async () => {
    await keyless(['login', '--no-browser', '--debug'])
    await keyless(['login', '--debug']) // the refresh path
    await keyless(['status', '--json', '--debug'])
    await keyless(['logout', '--debug'])
    const secrets = await emulator!.issued()
    expect(secrets.length).toBeGreaterThan(3)
    const places = [
      ...allFiles(sandbox.home),
      ...outputs.flatMap((o, i) => [
        {path: `stdout#${i}`, text: o.stdout},
        {path: `stderr#${i}`, text: o.stderr},
      ]),
    ]
    expect(outputs.some((o) => o.stderr.includes('keyless:'))).toBe(true) // --debug did print
    expect(findLeaks(secrets, places)).toEqual([])
  })
})
