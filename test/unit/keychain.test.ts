import {randomBytes} from 'node:crypto'
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, describe, expect, it} from 'vitest'

import {KeychainTimeoutError, KeychainUnavailableError} from '../../src/keychain/errors.js'
import {MAX_ENTRY_BYTES, openKeychain, splitUtf8} from '../../src/keychain/keychain.js'
import {openStore, STORE_KINDS} from '../../src/keychain/stores.js'
import {runProcess} from '../helpers/cli.js'
import {quietBusConfig} from '../helpers/quiet-bus.js'

const run = promisify(execFile)

// The contract every store keeps (PRODUCT.md sections 3 and 13), on the real stores of this machine: the Secret
// Service (gnome-keyring from scripts/with-keychain.sh) and the Linux kernel keyring (keyctl, the user keyring).
describe.each(STORE_KINDS)('the %s store', (kind) => {
  // Tests run in parallel forks, maybe in one login session: every key of this file lives under its own service.
  const service = `keyless-test-${randomBytes(6).toString('hex')}`
  const store = openStore(kind, {service})

  afterAll(async () => {
    for (const key of await store.keys()) await store.delete(key)
    expect(await store.keys()).toEqual([])
  })

  it('round-trips a value, overwrites it, and reports a missing key as undefined', async () => {
    await store.set('session/acme/token', '{"accessToken":"abc"}')
    expect(await store.get('session/acme/token')).toBe('{"accessToken":"abc"}')
    await store.set('session/acme/token', '{"accessToken":"def"}', {expiresAt: new Date(Date.now() + 3600_000).toISOString()})
    expect(await store.get('session/acme/token')).toBe('{"accessToken":"def"}')
    expect(await store.get('session/acme/nothing-here')).toBeUndefined()
    expect(await store.get('session/acme/token/')).toBeUndefined()
  })

  it('keeps a large value whole (multi-byte characters, 12 KB), every byte of it', async () => {
    const big = 'é'.repeat(1500) + randomBytes(7000).toString('base64') + '\n"quotes" and \\ backslashes'
    await store.set('session/acme/big', big)
    expect(await store.get('session/acme/big')).toBe(big)
    expect(await store.keys('session/acme/big')).toEqual(['session/acme/big'])
    await store.set('session/acme/big', 'small')
    expect(await store.get('session/acme/big')).toBe('small')
  })

  it('deletes a value: gone, unlisted, and a second delete reports nothing deleted', async () => {
    await store.set('session/acme/gone', 'x'.repeat(MAX_ENTRY_BYTES * 3))
    expect(await store.delete('session/acme/gone')).toBe(true)
    expect(await store.get('session/acme/gone')).toBeUndefined()
    expect(await store.keys('session/acme/gone')).toEqual([])
    expect(await store.delete('session/acme/gone')).toBe(false)
  })

  it('lists keys by prefix, sorted, only its own service', async () => {
    const other = openStore(kind, {service: `${service}-other`})
    await other.set('session/one/token', 'not mine')
    try {
      await store.set('session/one/token', 'a')
      await store.set('session/one/role/111111111111/Admin', 'b')
      await store.set('session/two/token', 'c')
      expect(await store.keys('session/one/')).toEqual(['session/one/role/111111111111/Admin', 'session/one/token'])
      expect(await store.keys('session/t')).toEqual(['session/two/token'])
    } finally {
      await other.delete('session/one/token')
    }
  })
})

// These tests use the real Secret Service (gnome-keyring started by scripts/with-keychain.sh), never a mock.
describe('keychain on the real OS keychain', () => {
  const service = `keyless-test-${randomBytes(6).toString('hex')}`
  const keychain = openKeychain({service})

  afterAll(async () => {
    for (const key of await keychain.keys()) await keychain.delete(key)
  })

  it('round-trips a value and reports a missing key as undefined', async () => {
    await keychain.set('session/acme/token', '{"accessToken":"abc"}')
    expect(await keychain.get('session/acme/token')).toBe('{"accessToken":"abc"}')
    expect(await keychain.get('session/acme/nothing-here')).toBeUndefined()
  })

  it('splits a value over 2,500 bytes into entries under the limit and joins it back', async () => {
    const big = 'é'.repeat(1500) + randomBytes(3000).toString('base64') // multi-byte characters across a boundary
    await keychain.set('session/acme/big', big)
    expect(await keychain.get('session/acme/big')).toBe(big)
    // Every stored entry (as keytar sees it) is under the Windows limit.
    const keytar = (await import('keytar')).default
    const entries = await keytar.findCredentials(service)
    const parts = entries.filter((e) => e.account.startsWith('session/acme/big'))
    expect(parts.length).toBeGreaterThan(2)
    for (const p of parts) expect(Buffer.byteLength(p.password)).toBeLessThanOrEqual(2500)
    // keys() hides the parts.
    expect(await keychain.keys('session/acme/big')).toEqual(['session/acme/big'])
    // Shrinking the value removes the parts it no longer needs.
    await keychain.set('session/acme/big', 'small')
    expect(await keychain.get('session/acme/big')).toBe('small')
    const after = (await keytar.findCredentials(service)).filter((e) => e.account.startsWith('session/acme/big'))
    expect(after.map((e) => e.account)).toEqual(['session/acme/big'])
  })

  it('a reader racing a writer (another process) of a chunked value sees the old value or the new one, never a mix', async () => {
    // Two values of the same length and chunk count: a mix of their parts would look like a whole value.
    const a = 'A' + randomBytes(4500).toString('base64')
    const b = 'B' + randomBytes(4500).toString('base64')
    await keychain.set('session/acme/race', a)
    // The writer is another process, as a token refresh is for the credential-process calls reading the token.
    const script = `
      import {openKeychain} from './src/keychain/keychain.ts'
      const keychain = openKeychain({service: process.env.SERVICE})
      for (let i = 0; i < 30; i++) await keychain.set('session/acme/race', i % 2 === 0 ? process.env.B : process.env.A)
    `
    let writing = true
    const writer = run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: {...process.env, SERVICE: service, A: a, B: b},
      cwd: process.cwd(),
    }).finally(() => (writing = false))
    const seen: Array<string | undefined> = []
    while (writing) seen.push(await keychain.get('session/acme/race'))
    await writer
    const mixed = seen.filter((v) => v !== a && v !== b)
    expect(mixed.map((v) => (v === undefined ? 'undefined' : `${v.length} chars, a mix`))).toEqual([])
    // Whatever the race, the last value stands, and no part of an overwritten value is left behind.
    expect(await keychain.get('session/acme/race')).toBe(a)
    const keytar = (await import('keytar')).default
    const left = (await keytar.findCredentials(service)).filter((e) => e.account.startsWith('session/acme/race'))
    expect(left.length).toBe(4) // the main entry and the three parts of the value in it
    await keychain.delete('session/acme/race')
    expect((await keytar.findCredentials(service)).filter((e) => e.account.startsWith('session/acme/race'))).toEqual([])
  })

  it('reads a value chunked by an earlier keyless (v1 layout) and replaces it without leaving its parts', async () => {
    const keytar = (await import('keytar')).default
    await keytar.setPassword(service, 'session/acme/old#1', 'first half, ')
    await keytar.setPassword(service, 'session/acme/old#2', 'second half')
    await keytar.setPassword(service, 'session/acme/old', 'keyless-chunked:v1:2')
    expect(await keychain.get('session/acme/old')).toBe('first half, second half')
    expect(await keychain.keys('session/acme/old')).toEqual(['session/acme/old'])
    await keychain.set('session/acme/old', 'new')
    const left = (await keytar.findCredentials(service)).filter((e) => e.account.startsWith('session/acme/old'))
    expect(left.map((e) => e.account)).toEqual(['session/acme/old'])
  })

  it('deletes a value with all its parts', async () => {
    await keychain.set('session/acme/gone', 'x'.repeat(MAX_ENTRY_BYTES * 3))
    expect(await keychain.delete('session/acme/gone')).toBe(true)
    expect(await keychain.get('session/acme/gone')).toBeUndefined()
    expect(await keychain.keys('session/acme/gone')).toEqual([])
    expect(await keychain.delete('session/acme/gone')).toBe(false)
  })

  it('lists keys by prefix so a session can be wiped by name', async () => {
    await keychain.set('session/one/token', 'a')
    await keychain.set('session/one/role/111111111111/Admin', 'b')
    await keychain.set('session/two/token', 'c')
    expect(await keychain.keys('session/one/')).toEqual(['session/one/role/111111111111/Admin', 'session/one/token'])
  })

  it.each([
    ['a dead bus address', {DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keyless-bus'}],
    ['no bus at all', {DBUS_SESSION_BUS_ADDRESS: undefined}],
  ])('fails fast with the cause and the fix when no Secret Service is reachable (%s)', async (_, busEnv) => {
    // A child process with no D-Bus session: libsecret cannot reach any keychain.
    const script = `
      import {openKeychain} from './src/keychain/keychain.ts'
      const started = Date.now()
      try { await openKeychain({service: 'keyless-test-nodbus'}).get('x'); console.log('UNEXPECTED') }
      catch (e) { console.log(JSON.stringify({name: e.name, message: e.message, fix: e.fix, ms: Date.now() - started})) }
    `
    const env: NodeJS.ProcessEnv = {...process.env, ...busEnv, DISPLAY: ''}
    if (busEnv.DBUS_SESSION_BUS_ADDRESS === undefined) delete env.DBUS_SESSION_BUS_ADDRESS
    const {stdout} = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {env, cwd: process.cwd()})
    const result = JSON.parse(stdout.trim()) as {name: string; message: string; fix: string}
    expect(result.name).toBe('KeychainUnavailableError')
    expect(result.message).toMatch(/Secret Service/)
    expect(result.fix).toMatch(/gnome-keyring-daemon --unlock/)
    expect(result.fix).toMatch(/on a headless machine, keep the secrets in kernel memory: keyless configure --store kernel-keyring/)
  })
})

describe('splitUtf8', () => {
  it('never cuts a character and never exceeds the limit', () => {
    const text = '€'.repeat(10) + 'abc'
    const parts = splitUtf8(text, 7)
    expect(parts.join('')).toBe(text)
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(7)
  })
})

describe('a Secret Service that does not answer', () => {
  it('times out with the cause and the fix instead of hanging (each call)', async () => {
    // A private bus where a fake service owns org.freedesktop.secrets and answers nothing, until 10 s after the
    // child's first call reaches it (a monitor of the bus, dbus-monitor, tells it when): long after the child has given
    // up at its busy bound (3 s), however slowly it started. (It used to leave 4 s after the child marked a file, which
    // raced the call's own failure on a loaded machine: in one CI run the call failed first, "not provided by any
    // .service files".) The child reports its errors, then kills itself: Node cannot exit while the abandoned call
    // holds a worker thread (what README: Troubleshooting says), and waiting for D-Bus to give up would only slow the
    // suite.
    const fake = [
      'import dbus, subprocess, time',
      'bus = dbus.SessionBus()',
      "bus.request_name('org.freedesktop.secrets')",
      "monitor = subprocess.Popen(['dbus-monitor', '--session', \"type='method_call',destination='org.freedesktop.secrets'\"], stdout=subprocess.PIPE, text=True)",
      // Ready once the monitor has given up its own name (what dbus-monitor does as it becomes a monitor).
      "next(line for line in monitor.stdout if 'member=NameLost' in line)",
      "print('ready', flush=True)",
      "next(line for line in monitor.stdout if line.startswith('method call'))",
      'time.sleep(10)',
      'monitor.kill()',
    ].join('\n')
    const script = `
      import {openKeychain} from './src/keychain/keychain.ts'
      const keychain = openKeychain({service: 'keyless-test-hung', timeoutMs: 1000, busyTimeoutMs: 3000})
      const errors = []
      for (const key of ['a', 'b']) {
        try { await keychain.get(key); errors.push('UNEXPECTED') } catch (e) { errors.push({name: e.name, message: e.message, fix: e.fix}) }
      }
      console.log(JSON.stringify(errors))
      process.kill(process.pid, 'SIGKILL')
    `
    // A bus that starts no daemon on demand (quietBusConfig says why), with directories of its own.
    const isolated = mkdtempSync(join(tmpdir(), 'keyless-hung-bus-'))
    const config = quietBusConfig(isolated)
    const {stdout} = await runProcess(
      'dbus-run-session',
      [
        `--config-file=${config}`,
        '--',
        'sh',
        '-c',
        `/usr/bin/python3 -c "$FAKE" | (read line; exec "$@")`,
        'sh',
        process.execPath,
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      {
        env: {...process.env, FAKE: fake, XDG_RUNTIME_DIR: isolated, XDG_DATA_HOME: isolated},
        cwd: process.cwd(),
        timeoutMs: 60_000,
      },
    )
    const errors = JSON.parse(stdout.split('\n').find((line) => line.startsWith('['))!) as Array<{
      name: string
      message: string
      fix: string
    }>
    expect(errors).toHaveLength(2)
    // A service silent to the call and to the lock probe alike may be a stopped daemon about to resume (issue 28): it
    // is waited for up to the busy bound (3 s here), and the line names that whole wait. The second call fails at
    // once with the same line.
    for (const error of errors) {
      expect(error.name).toBe('KeychainTimeoutError')
      expect(error.message).toMatch(/^the OS keychain did not answer within \d+ s \(read\)$/)
      expect(error.fix).toMatch(/unlock your keyring/)
    }
    expect(errors[1]).toEqual(errors[0])
    rmSync(isolated, {recursive: true, force: true})
  })
})

describe('the kernel-keyring store: expiry and errors', () => {
  const service = `keyless-test-${randomBytes(6).toString('hex')}`
  const withPath = async <T>(path: string, fn: () => Promise<T>): Promise<T> => {
    const saved = process.env.PATH
    process.env.PATH = path
    try {
      return await fn()
    } finally {
      process.env.PATH = saved
    }
  }
  const fakeKeyctl = (body: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-fake-keyctl-'))
    writeFileSync(join(dir, 'keyctl'), `#!/bin/sh\n${body}\n`, {mode: 0o755})
    return `${dir}:/usr/bin:/bin`
  }

  it('an entry leaves the kernel keyring by itself when what it holds expires', async () => {
    const store = openStore('kernel-keyring', {service})
    await store.set('session/acme/role/1/R', 'short-lived', {expiresAt: new Date(Date.now() + 1500).toISOString()})
    expect(await store.get('session/acme/role/1/R')).toBe('short-lived')
    for (let i = 0; i < 60 && (await store.get('session/acme/role/1/R')) !== undefined; i++) await new Promise((r) => setTimeout(r, 100))
    expect(await store.get('session/acme/role/1/R')).toBeUndefined()
    expect(await store.keys()).toEqual([])
  })

  it.each([
    ['keyctl is not installed', '/nonexistent', /needs the keyctl program/, /sudo apt-get install keyutils/],
    [
      'the kernel refuses (seccomp)',
      'echo "keyctl_read_alloc: Operation not permitted" >&2; exit 1',
      /refused .* seccomp profile .* keyctl\/add_key/,
      /seccomp profile/,
    ],
    [
      'the quota is full',
      'echo "keyctl_add: Disk quota exceeded" >&2; exit 1',
      /quota of this user is full/,
      /sysctl -w kernel\.keys\.maxbytes/,
    ],
  ])('%s: a typed error with the cause and the fix', async (_, script, message, fix) => {
    const path = script.startsWith('/') ? script : fakeKeyctl(script)
    const error = await withPath(path, () =>
      openStore('kernel-keyring', {service})
        .set('k', 'v')
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    )
    expect(error).toBeInstanceOf(KeychainUnavailableError)
    expect((error as KeychainUnavailableError).message).toMatch(message)
    expect((error as KeychainUnavailableError).fix).toMatch(fix)
  })

  it("reads and lists from a session keyring that does not link the user keyring (a container's)", async () => {
    const store = openStore('kernel-keyring', {service})
    await store.set('session/acme/token', 'from the user keyring')
    try {
      // `keyctl session -`: the child runs in a new anonymous session keyring, as a container's processes do.
      const script = `
        import {openStore} from './src/keychain/stores.ts'
        const store = openStore('kernel-keyring', {service: process.env.SERVICE})
        console.log(JSON.stringify({value: await store.get('session/acme/token'), keys: await store.keys(), none: await store.get('session/acme/none') ?? null}))
      `
      const {stdout} = await run('keyctl', ['session', '-', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
        env: {...process.env, SERVICE: service},
        cwd: process.cwd(),
      })
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
        value: 'from the user keyring',
        keys: ['session/acme/token'],
        none: null,
      })
    } finally {
      await store.delete('session/acme/token')
    }
  })

  it('a keyctl that hangs times out with the cause', async () => {
    const error = await withPath(fakeKeyctl('exec sleep 30'), () =>
      openStore('kernel-keyring', {service, timeoutMs: 500})
        .get('k')
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    )
    expect(error).toBeInstanceOf(KeychainTimeoutError)
    expect((error as Error).message).toBe('the kernel keyring (keyctl) did not answer within 0.5 s (read)')
  })
})
