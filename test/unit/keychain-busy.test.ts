import {describe, expect, it} from 'vitest'

import {KeychainSlowError, KeychainTimeoutError, KeychainUnavailableError} from '../../src/keychain/errors.js'
import {openKeychain} from '../../src/keychain/keychain.js'
import {probeSecretService, type SecretServiceState} from '../../src/keychain/secret-service-probe.js'

// Issue 28: a keychain call that does not return in time is one of three things, told apart, each with its own line.
// keytar is faked here (pure timing logic: a call answering after N ms); the probe is faked too, and the real probe is
// checked against the real gnome-keyring of scripts/with-keychain.sh at the end.

type Keytar = typeof import('keytar')
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms))

/** A keytar whose getPassword answers `value` after `ms` (never, for Infinity). */
function slowKeytar(ms: number, value: string | null = 'the value'): Keytar {
  return {getPassword: () => (Number.isFinite(ms) ? later(ms, value) : new Promise(() => {}))} as unknown as Keytar
}

function keychain(keytar: Keytar, probe: SecretServiceState | 'never' | {late: number; state: SecretServiceState}, lines: string[]) {
  let probes = 0
  const store = openKeychain({
    service: 'keyless-test-busy',
    keytar,
    timeoutMs: 100,
    noticeMs: 300,
    busyTimeoutMs: 800,
    notice: (line) => lines.push(line),
    probe: async () => {
      probes++
      if (probe === 'never') return new Promise<SecretServiceState>(() => {})
      return typeof probe === 'string' ? probe : later(probe.late, probe.state)
    },
  })
  return {store, probes: () => probes}
}

describe('a keychain call that is slow', () => {
  it('a live, unlocked Secret Service that answers late: the value, silently while under the notice threshold', async () => {
    const lines: string[] = []
    const {store, probes} = keychain(slowKeytar(250), 'unlocked', lines)
    expect(await store.get('k')).toBe('the value')
    expect(probes()).toBe(1)
    expect(lines).toEqual([])
  })

  it('past the notice threshold: one line on stderr, however many calls are slow, and still the value', async () => {
    const lines: string[] = []
    const {store, probes} = keychain(slowKeytar(500), 'unlocked', lines)
    expect(await Promise.all([store.get('a'), store.get('b')])).toEqual(['the value', 'the value'])
    expect(await store.get('c')).toBe('the value')
    expect(lines).toEqual(['keyless: the OS keychain is busy and answering slowly; waiting for it'])
    // Once it has said it is alive, later slow calls wait without asking again.
    expect(probes()).toBeLessThanOrEqual(2)
  })

  it('a live keychain that never answers: a bounded wait, then a line that says it was slow, not locked', async () => {
    const lines: string[] = []
    const {store} = keychain(slowKeytar(Infinity), 'unlocked', lines)
    const error = await store.get('k').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeychainSlowError)
    expect((error as KeychainSlowError).message).toMatch(/^the OS keychain is unlocked but too busy: no answer within \d+ s \(read\)$/)
    expect((error as KeychainSlowError).fix).not.toMatch(/unlock/)
    expect(lines).toHaveLength(1)
    // Further calls fail at once (a hung call holds a worker thread; no second one is started).
    await expect(store.get('k2')).rejects.toBe(error)
  })

  it.each([
    ['a locked collection', 'locked'],
    ['no way to ask (no dbus-send or gdbus)', 'unknown'],
  ] as const)('%s: the unlock line, as before, and no busy line', async (_, probe) => {
    const lines: string[] = []
    const {store} = keychain(slowKeytar(Infinity), probe, lines)
    const error = await store.get('k').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeychainTimeoutError)
    expect(error).not.toBeInstanceOf(KeychainSlowError)
    expect((error as KeychainTimeoutError).message).toBe('the OS keychain did not answer within 0.1 s (read)')
    expect((error as KeychainTimeoutError).fix).toMatch(/unlock your keyring/)
    expect(lines).toEqual([])
  })

  it('silent to the call and the probe alike (a stopped daemon): waited for up to the busy bound with the busy line, then the unlock line', async () => {
    const lines: string[] = []
    const {store} = keychain(slowKeytar(Infinity), 'never', lines)
    const error = await store.get('k').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeychainTimeoutError)
    expect(error).not.toBeInstanceOf(KeychainSlowError)
    expect((error as KeychainTimeoutError).message).toBe('the OS keychain did not answer within 1 s (read)')
    expect((error as KeychainTimeoutError).fix).toMatch(/unlock your keyring/)
    expect(lines).toEqual(['keyless: the OS keychain is busy and answering slowly; waiting for it'])
  })

  it('a stopped daemon that resumes (the probe answers late, then the call): the value, with the busy line past the threshold', async () => {
    const lines: string[] = []
    const {store} = keychain(slowKeytar(500), {late: 400, state: 'unlocked'}, lines)
    expect(await store.get('k')).toBe('the value')
    expect(lines).toEqual(['keyless: the OS keychain is busy and answering slowly; waiting for it'])
  })

  it('libsecret giving up (its D-Bus timeout) while the probe is unanswered: the unlock line, not "failed: Timeout was reached"', async () => {
    const lines: string[] = []
    const keytar = {getPassword: () => later(400, null).then(() => Promise.reject(new Error('Timeout was reached')))} as unknown as Keytar
    const {store} = keychain(keytar, 'never', lines)
    const error = await store.get('k').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeychainTimeoutError)
    expect(error).not.toBeInstanceOf(KeychainSlowError)
    expect((error as KeychainTimeoutError).fix).toMatch(/unlock your keyring/)
    // As when the timers decide: further calls fail at once with the same line (no second 25 s wait).
    await expect(store.get('k2')).rejects.toBe(error)
  })

  it('libsecret giving up on a live keychain (its D-Bus timeout) says slow, too', async () => {
    const lines: string[] = []
    const keytar = {getPassword: () => later(300, null).then(() => Promise.reject(new Error('Timeout was reached')))} as unknown as Keytar
    const {store} = keychain(keytar, 'unlocked', lines)
    await expect(store.get('k')).rejects.toBeInstanceOf(KeychainSlowError)
  })

  it('an error from keytar itself (no Secret Service) fails at once, as before, without asking the probe', async () => {
    const lines: string[] = []
    const keytar = {
      getPassword: () => Promise.reject(new Error('The name org.freedesktop.secrets was not provided by any .service files')),
    } as unknown as Keytar
    const {store, probes} = keychain(keytar, 'unlocked', lines)
    const error = await store.get('k').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeychainUnavailableError)
    expect(error).not.toBeInstanceOf(KeychainTimeoutError)
    expect(probes()).toBe(0)
  })
})

describe('a read that finds nothing (a locked collection whose unlock prompt cannot be shown answers reads so)', () => {
  it.each([
    ['locked', 'the OS keychain refused access (its default collection is locked)'],
    ['unlocked', undefined],
    ['unknown', undefined],
  ] as const)('assertUnlocked with the probe saying %s', async (state, message) => {
    const {store} = keychain(slowKeytar(0), state, [])
    const error = await store.assertUnlocked!().then(
      () => undefined,
      (e: unknown) => e,
    )
    if (message === undefined) return expect(error).toBeUndefined()
    expect(error).toBeInstanceOf(KeychainUnavailableError)
    expect((error as KeychainUnavailableError).message).toBe(message)
    expect((error as KeychainUnavailableError).fix).toMatch(/^unlock your keyring/)
  })
})

describe('a read is on its way before the caller goes on (issue 22)', () => {
  // credential-process's cache hit parses the config section and reads the sign-in marker while the keychain
  // answers: that only works if get() has asked keytar by the time it returns, not a turn of the event loop later.
  it("asks keytar within the caller's turn, and still answers with the value", async () => {
    const asked: string[] = []
    const keytar = {
      getPassword: (_service: string, account: string) => {
        asked.push(account)
        return later(10, 'the value')
      },
    } as unknown as Keytar
    const {store} = keychain(keytar, 'unlocked', [])
    const reading = store.get('session/acme/role/111111111111/Admin')
    expect(asked).toEqual(['session/acme/role/111111111111/Admin'])
    expect(await reading).toBe('the value')
    // The next call too (keytar already loaded).
    const again = store.get('other')
    expect(asked).toEqual(['session/acme/role/111111111111/Admin', 'other'])
    expect(await again).toBe('the value')
  })

  it('a keytar that throws at once: a rejected read, never a throw in the caller', async () => {
    const keytar = {
      getPassword: () => {
        throw new Error('boom')
      },
    } as unknown as Keytar
    const {store} = keychain(keytar, 'unlocked', [])
    let reading: Promise<string | undefined> | undefined
    expect(() => (reading = store.get('k'))).not.toThrow()
    await expect(reading).rejects.toThrow('boom')
  })
})

describe.runIf(process.platform === 'linux' && process.env.DBUS_SESSION_BUS_ADDRESS)('the real probe', () => {
  it('finds the unlocked gnome-keyring of the test session unlocked', async () => {
    expect(await probeSecretService(5000)).toBe('unlocked')
  })

  it('finds nothing on a bus without a Secret Service', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/keyless-bus'
    try {
      expect(await probeSecretService(1000)).toBe('unknown')
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = saved
    }
  })
})

describe("a read credential-process's cache hit already sent (cache-hit.ts), handed over", () => {
  const service = 'keyless-test-busy'
  /** A keytar that answers at once and notes what it was asked for. */
  function askedKeytar(asked: string[]): Keytar {
    return {
      getPassword: async (_service: string, account: string) => {
        asked.push(account)
        return `read now: ${account}`
      },
    } as unknown as Keytar
  }

  it('is the first read of its key: keytar is not asked for it; a later read of it, or another key, is asked', async () => {
    const asked: string[] = []
    const inFlight = {
      service,
      key: 'k',
      startedAt: Date.now(),
      read: Promise.resolve<string | null>('sent earlier') as Promise<string | null> | undefined,
    }
    const store = openKeychain({service, keytar: askedKeytar(asked), inFlight})
    expect(await store.get('other')).toBe('read now: other')
    expect(await store.get('k')).toBe('sent earlier')
    expect(inFlight.read).toBeUndefined()
    expect(await store.get('k')).toBe('read now: k')
    expect(asked).toEqual(['other', 'k'])
  })

  it('of another service is not taken', async () => {
    const asked: string[] = []
    const inFlight = {
      service: 'keyless-test-other',
      key: 'k',
      startedAt: Date.now(),
      read: Promise.resolve<string | null>('x') as Promise<string | null> | undefined,
    }
    expect(await openKeychain({service, keytar: askedKeytar(asked), inFlight}).get('k')).toBe('read now: k')
    expect(inFlight.read).toBeDefined()
  })

  it("its failure is classified as the keychain module's own call would be", async () => {
    const inFlight = {
      service,
      key: 'k',
      startedAt: Date.now(),
      read: Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')) as Promise<string | null> | undefined,
    }
    inFlight.read!.catch(() => {})
    await expect(openKeychain({service, keytar: askedKeytar([]), inFlight}).get('k')).rejects.toBeInstanceOf(KeychainUnavailableError)
  })

  it('its verdicts count from when the cache hit sent it: sent 5 s ago and unanswered, the unlock line comes now', async () => {
    const lines: string[] = []
    const inFlight = {
      service,
      key: 'k',
      startedAt: Date.now() - 5_000,
      read: new Promise<string | null>(() => {}) as Promise<string | null> | undefined,
    }
    const store = openKeychain({
      service,
      keytar: slowKeytar(Infinity),
      timeoutMs: 5_000,
      busyTimeoutMs: 5_000,
      noticeMs: 60_000,
      notice: (line) => lines.push(line),
      probe: async () => 'locked',
      inFlight,
    })
    // Counted from now, the verdict would come after this test's own limit (2 s).
    await expect(store.get('k')).rejects.toThrow('the OS keychain did not answer within 5 s (read)')
    expect(lines).toEqual([])
  }, 2_000)
})
