import {createRequire} from 'node:module'

import type {InFlightRead} from '../credential-process/cache-hit.js'

import {
  KEYCHAIN_BUSY_TIMEOUT_MS,
  KEYCHAIN_PROMPT_NOTICE_MS,
  KEYCHAIN_PROMPT_TIMEOUT_MS,
  KEYCHAIN_SLOW_NOTICE_MS,
  KEYCHAIN_TIMEOUT_MS,
} from '../timing.js'
import {KeychainSlowError, KeychainTimeoutError, KeychainUnavailableError} from './errors.js'
import type {SecretServiceProbe} from './secret-service-probe.js'

/**
 * The only door to the OS keychain (keytar: macOS Keychain, Windows Credential Manager, Secret Service).
 * Adds what keytar lacks: a timeout on every call, values split under Windows' blob limit, typed errors.
 */

/** Windows Credential Manager rejects blobs over 2,560 bytes; keep a margin. */
export const MAX_ENTRY_BYTES = 2400

/**
 * The most one entry holds before a value is split, per platform. Windows: Credential Manager's limit. macOS:
 * no split, since every item of the login Keychain may ask "allow node to access" on its own, so one value is
 * one item (one prompt). Linux keeps the Windows size it always had: its stored entries read back unchanged.
 */
export function entryLimit(platform: NodeJS.Platform = process.platform): number {
  return platform === 'darwin' ? MAX_VALUE_BYTES : MAX_ENTRY_BYTES
}
/**
 * A value too large for one entry is stored as parts `key#GEN#1..N` plus, in the main entry, the header
 * `keyless-chunked:v2:GEN:N`. Every write uses a new random generation GEN and points the header at it only
 * once all its parts are there, so the parts a header names never change: a reader (another process) sees the
 * old value or the new one, never old parts mixed with new ones, and a write that fails half-way leaves the
 * old value intact. (v1, `keyless-chunked:v1:N` with parts `key#1..N` overwritten in place, is still read.)
 */
const CHUNK_PREFIX = 'keyless-chunked:'
const CHUNK_V2 = /^keyless-chunked:v2:([0-9a-f]{8}):(\d+)$/
const CHUNK_V1 = /^keyless-chunked:v1:(\d+)$/
/** The entry names of chunk parts (`key#GEN#i`, or v1's `key#i`), which keys() hides. */
const PART_SUFFIX = /#(?:[0-9a-f]{8}#)?\d+$/

/** The largest value keyless stores (its biggest, a token entry, is a few KB; secrets are capped at 64 K each). */
export const MAX_VALUE_BYTES = 256 * 1024
/** So no header names more parts than this: a header claiming more (40,000,000) is damaged, not a value. */
const MAX_PARTS = Math.ceil(MAX_VALUE_BYTES / MAX_ENTRY_BYTES)

/** The part entries a stored main entry points at: none for a plain value or a damaged header (read as absent). */
function partsOf(key: string, head: string | null | undefined): string[] {
  const v2 = head ? CHUNK_V2.exec(head) : null
  const v1 = head && !v2 ? CHUNK_V1.exec(head) : null
  const count = Number(v2?.[2] ?? v1?.[1] ?? 0)
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PARTS) return []
  if (v2) return Array.from({length: count}, (_, i) => `${key}#${v2[1]}#${i + 1}`)
  return Array.from({length: count}, (_, i) => `${key}#${i + 1}`)
}

export interface SecretStore {
  /** The stored value, or undefined when there is no entry under that key (the typed not-found). */
  get(key: string): Promise<string | undefined>
  /** expiresAt: when what the value holds stops working (a store with expiry, the kernel keyring, drops it then). */
  set(key: string, value: string, options?: SetOptions): Promise<void>
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>
  /** Every key stored under this service that starts with the prefix (chunk parts excluded). */
  keys(prefix?: string): Promise<string[]>
  /**
   * Throws the unlock error when the store is locked. A locked Secret Service collection whose unlock prompt cannot
   * be shown (no desktop) answers every read at once with nothing: before "nothing stored" becomes "not signed in",
   * this tells the two apart. Stores without a locked state do not have it.
   */
  assertUnlocked?(): Promise<void>
}

export interface SetOptions {
  /** ISO 8601. */
  expiresAt?: string
}

type Keytar = typeof import('keytar')

export function keychainService(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYLESS_KEYCHAIN_SERVICE || 'keyless'
}

export interface KeychainOptions {
  service?: string
  /** How long a call may take before keyless asks the Secret Service whether it is locked or just busy. */
  timeoutMs?: number
  /** How long a call may take in all once the Secret Service has shown it is alive and unlocked. */
  busyTimeoutMs?: number
  /** After this long waiting on a busy keychain, one line on stderr says so. */
  noticeMs?: number
  /** Where that line goes (default stderr). */
  notice?: (line: string) => void
  /** Asks the Secret Service whether it is locked (default: over D-Bus, Linux only). */
  probe?: SecretServiceProbe
  /** keytar itself, for unit tests of the timing logic only. */
  keytar?: Keytar
  platform?: NodeJS.Platform
  /** macOS: how long a call may wait for a person to answer the Keychain's "allow access" dialog. */
  promptTimeoutMs?: number
  /** macOS: after this long, one line on stderr says the Keychain is waiting for that answer. */
  promptNoticeMs?: number
  /** A read credential-process's cache hit already sent (cache-hit.ts): the first read of its key is that one. */
  inFlight?: InFlightRead
}

export function openKeychain(options: KeychainOptions = {}): SecretStore {
  return new Keychain(options.service ?? keychainService(), {
    timeoutMs: options.timeoutMs ?? KEYCHAIN_TIMEOUT_MS,
    busyTimeoutMs: Math.max(options.busyTimeoutMs ?? KEYCHAIN_BUSY_TIMEOUT_MS, options.timeoutMs ?? KEYCHAIN_TIMEOUT_MS),
    noticeMs: options.noticeMs ?? KEYCHAIN_SLOW_NOTICE_MS,
    notice: options.notice ?? ((line) => process.stderr.write(line + '\n')),
    probe: options.probe ?? ((options.platform ?? process.platform) === 'linux' ? defaultProbe : undefined),
    keytar: options.keytar,
    platform: options.platform ?? process.platform,
    promptTimeoutMs: options.promptTimeoutMs ?? KEYCHAIN_PROMPT_TIMEOUT_MS,
    promptNoticeMs: options.promptNoticeMs ?? KEYCHAIN_PROMPT_NOTICE_MS,
    inFlight: options.inFlight,
  })
}

/** The D-Bus probe, loaded only when a call has already been slow. */
const defaultProbe: SecretServiceProbe = async (timeoutMs) => (await import('./secret-service-probe.js')).probeSecretService(timeoutMs)

interface Timing {
  timeoutMs: number
  busyTimeoutMs: number
  noticeMs: number
  notice: (line: string) => void
  probe?: SecretServiceProbe
  keytar?: Keytar
  platform: NodeJS.Platform
  promptTimeoutMs: number
  promptNoticeMs: number
  inFlight?: InFlightRead
}

class Keychain implements SecretStore {
  private keytar?: Keytar
  /** Why keytar could not be loaded, once it failed: every later call fails the same way. */
  private keytarError?: KeychainUnavailableError
  /**
   * Set once a call timed out. A hung keytar call holds a libuv worker thread until D-Bus gives up (25 s),
   * and Node cannot exit before its worker threads return: every further call would add another one.
   */
  private hung?: KeychainTimeoutError
  /** Set once the Secret Service answered the probe as unlocked: later slow calls of this process wait without asking again. */
  private alive = false
  /** The busy line is written once per process, however many calls are slow. */
  private noticed = false
  /** Set once the collection was seen unlocked before a search (see search). */
  private searchable = false
  constructor(
    private readonly service: string,
    private readonly timing: Timing,
  ) {
    if (timing.keytar) this.keytar = timing.keytar
  }

  async get(key: string): Promise<string | undefined> {
    const sent = this.takeInFlight(key)
    let head = sent
      ? await this.call('read', () => sent.read, sent.startedAt)
      : await this.call('read', (k) => k.getPassword(this.service, key))
    // Bounded: a key rewritten faster than it can be read is reported absent rather than read for ever.
    for (let attempt = 0; attempt < 5; attempt++) {
      if (head === null) return undefined
      if (!head.startsWith(CHUNK_PREFIX)) return head
      const names = partsOf(key, head)
      if (names.length === 0) return undefined
      const parts = []
      for (const name of names) parts.push(await this.call('read', (k) => k.getPassword(this.service, name)))
      if (parts.every((p) => p !== null)) return parts.join('')
      // A part is gone: a writer replaced the value (and removed its old parts) while this read it. Read the
      // new header; the same header with a part missing is a broken entry, as good as absent.
      const again = await this.call('read', (k) => k.getPassword(this.service, key))
      if (again === head) return undefined
      head = again
    }
    return undefined
  }

  async set(key: string, value: string): Promise<void> {
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
      throw new KeychainUnavailableError(
        `refusing to store ${Buffer.byteLength(value)} bytes under one keychain entry`,
        'report this: no keyless value is that large',
      )
    }
    const chunks = splitUtf8(value, entryLimit(this.timing.platform))
    const previous = partsOf(key, await this.call('read', (k) => k.getPassword(this.service, key)))
    if (chunks.length === 1 && !value.startsWith(CHUNK_PREFIX)) {
      await this.call('write', (k) => k.setPassword(this.service, key, value))
    } else {
      // Parts of a new generation first, the header pointing at them last.
      // node:crypto loads here, not at start-up: a cache hit (credential-process) only reads.
      const {randomBytes} = await import('node:crypto')
      const generation = randomBytes(4).toString('hex')
      for (const [i, chunk] of chunks.entries()) {
        await this.call('write', (k) => k.setPassword(this.service, `${key}#${generation}#${i + 1}`, chunk))
      }
      await this.call('write', (k) => k.setPassword(this.service, key, `${CHUNK_PREFIX}v2:${generation}:${chunks.length}`))
    }
    for (const name of previous) await this.call('write', (k) => k.deletePassword(this.service, name))
  }

  async delete(key: string): Promise<boolean> {
    // Every part of the key, also those of a write that failed half-way: none of a deleted secret stays behind.
    const parts = (await this.search())
      .map((c) => c.account)
      .filter((a) => a.startsWith(`${key}#`) && PART_SUFFIX.test(a) && !a.slice(key.length + 1).includes('/'))
    for (const name of parts) await this.call('write', (k) => k.deletePassword(this.service, name))
    return this.call('write', (k) => k.deletePassword(this.service, key))
  }

  async assertUnlocked(): Promise<void> {
    if (!this.timing.probe || (await this.timing.probe(this.timing.timeoutMs)) !== 'locked') return
    throw new KeychainUnavailableError('the OS keychain refused access (its default collection is locked)', unlockHint())
  }

  async keys(prefix = ''): Promise<string[]> {
    const all = await this.search()
    return all
      .map((c) => c.account)
      .filter((a) => a.startsWith(prefix) && !PART_SUFFIX.test(a))
      .sort()
  }

  /**
   * Every entry of the service. On Linux the collection is asked first whether it is locked: keytar's findCredentials
   * on a locked collection crashes the whole process (SIGSEGV: libsecret hands it no secret for a locked item;
   * atom/node-keytar#477), so `status`, `logout` and every delete would die without a word instead of giving the
   * unlock line. Once per process; getPassword, the cache hit's only call, needs no such check (it answers nothing).
   */
  private async search(): Promise<Array<{account: string; password: string}>> {
    if (!this.searchable && this.timing.platform === 'linux') {
      await this.assertUnlocked()
      this.searchable = true
    }
    return this.call('read', (k) => k.findCredentials(this.service))
  }

  /**
   * One keytar call, bounded. Three cases look alike from here (the call just does not return) and are told apart:
   * - no D-Bus or no Secret Service: keytar itself fails at once (classify), as before;
   * - a locked collection: the call waits for an unlock prompt nobody sees. After timeoutMs (5 s) the Secret
   *   Service is asked whether it is locked; it says so, and the call fails with the unlock line, as before;
   * - a live keyring that is merely busy (a herd of AWS commands reading at once on a loaded machine): it answers the
   *   probe as unlocked, and the call gets up to busyTimeoutMs (30 s) in all, with one line on stderr past noticeMs.
   * A Secret Service that answers neither the call nor the probe (a daemon stopped or starved) may answer both
   * within busyTimeoutMs: it is waited for as long (with the same line past noticeMs), then treated as before
   * (hung: the unlock line).
   */
  private async call<T>(what: 'read' | 'write', fn: (keytar: Keytar) => Promise<T>, started = Date.now()): Promise<T> {
    if (this.hung) throw this.hung
    // Loaded synchronously, so the request is on its way when the caller's turn ends: credential-process reads the
    // config section and the sign-in marker while the keychain answers (an await here would send it only after).
    const keytar = this.load()
    let settled = false
    // Once the call has its outcome (a value or an error), nothing of the verdict may still speak.
    let ended = false
    const pending = fn(keytar).then(
      (value) => {
        settled = true
        return value
      },
      (error: unknown) => {
        settled = true
        // libsecret's own D-Bus timeout (25 s): slow on a keychain known to be alive, else unanswered (as a hung one).
        if (!isDbusTimeout(error)) return Promise.reject(classify(error))
        // Remembered as the timers' verdict is, whichever of the two comes first: later calls fail at once with the
        // same line, rather than wait out another 25 s (which one won was a race on a loaded machine).
        this.hung ??= this.alive ? this.slow(what, started) : this.unanswered(what, started)
        return Promise.reject(this.hung)
      },
    )
    const timers: NodeJS.Timeout[] = []
    // A timer that fires only once pending I/O had its turn: on a starved machine a process may wake long after the
    // answer arrived, and libuv runs expired timers before it delivers that answer. One turn of the event loop
    // (setImmediate runs after the poll phase) lets an answer that is already there win.
    const after = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => setImmediate(resolve), Math.max(0, ms - (Date.now() - started)))
        // A hung keychain call must not keep the process alive once keyless has given up on it.
        timer.unref()
        timers.push(timer)
      })
    const verdict = async (): Promise<never> => {
      if (this.timing.platform === 'darwin') return this.waitForPerson(what, after, () => settled)
      await after(this.timing.timeoutMs)
      // Past noticeMs, one line while keyless still waits: on a keychain known to be alive, and on one that has not
      // said yet what it is (the probe is out); never once it has said it is locked (that fails at once).
      let notAlive = false
      const notice = after(this.timing.noticeMs).then(() => {
        if (!settled && !ended && !notAlive && !this.noticed) {
          this.noticed = true
          this.timing.notice('keyless: the OS keychain is busy and answering slowly; waiting for it')
        }
      })
      void notice
      if (!settled && !this.alive && this.timing.probe) {
        // The probe gets the rest of the busy bound: a keyring that answers nothing at all (a daemon stopped or
        // starved, e.g. SIGSTOP) may be about to answer both, and is then busy, not locked. A locked one answers the
        // probe at once.
        const left = Math.max(this.timing.timeoutMs, this.timing.busyTimeoutMs - (Date.now() - started))
        const state = await Promise.race([this.timing.probe(left), after(this.timing.busyTimeoutMs).then(() => 'unknown' as const)])
        if (state === 'unlocked') this.alive = true
        else if (!settled) notAlive = true
      }
      if (!settled && this.alive) {
        await after(this.timing.busyTimeoutMs)
        if (!settled) throw (this.hung = this.slow(what, started))
      }
      // The unlock line, as before: locked, hung (silent to the probe too, for the whole busy bound), or no way to tell.
      if (!settled) throw (this.hung = this.unanswered(what, started))
      return new Promise<never>(() => {})
    }
    try {
      return await Promise.race([pending, verdict()])
    } finally {
      ended = true
      for (const timer of timers) clearTimeout(timer)
    }
  }

  /**
   * macOS: a call that has not returned may be a Keychain dialog waiting for a person ("allow node to access").
   * It gets KEYCHAIN_PROMPT_TIMEOUT_MS, and one line on stderr says what it waits for once it is not instant.
   */
  private async waitForPerson(what: 'read' | 'write', after: (ms: number) => Promise<void>, settled: () => boolean): Promise<never> {
    void after(this.timing.promptNoticeMs).then(() => {
      if (!settled() && !this.noticed) {
        this.noticed = true
        this.timing.notice(
          'keyless: waiting for the macOS Keychain: answer its dialog ("Always Allow" lets this node binary read keyless\'s items without asking again)',
        )
      }
    })
    await after(this.timing.promptTimeoutMs)
    if (!settled()) {
      throw (this.hung = new KeychainTimeoutError(
        `the macOS Keychain did not answer within ${Math.round(this.timing.promptTimeoutMs / 1000)} s (${what}): its dialog was not answered, or the keychain is locked`,
        'run the command again in a terminal and answer the dialog, or unlock the login keychain (Keychain Access)',
      ))
    }
    return new Promise<never>(() => {})
  }

  /** The unlock line of a call that got no answer: "within 5 s" as before, or the whole wait of a silent keyring. */
  private unanswered(what: 'read' | 'write', started: number): KeychainTimeoutError {
    const waited = Date.now() - started
    const shown = waited < 2 * this.timing.timeoutMs ? this.timing.timeoutMs / 1000 : Math.round(waited / 1000)
    return new KeychainTimeoutError(`the OS keychain did not answer within ${shown} s (${what})`, unlockHint())
  }

  /** A live, unlocked keychain that still did not answer: says it was slow, not that it is locked. */
  private slow(what: 'read' | 'write', started: number): KeychainTimeoutError {
    return new KeychainSlowError(
      `the OS keychain is unlocked but too busy: no answer within ${Math.round((Date.now() - started) / 1000)} s (${what})`,
      'try again in a moment; if it persists, restart the keyring (e.g. log out and in) and see README: Troubleshooting',
    )
  }

  /**
   * The cache hit's read of this key, once (it is taken: a later read asks the keychain again). Its verdicts count
   * from when the cache hit sent it, as if this process had sent it here.
   */
  private takeInFlight(key: string): {read: Promise<string | null>; startedAt: number} | undefined {
    const sent = this.timing.inFlight
    if (!sent?.read || sent.key !== key || sent.service !== this.service) return undefined
    const {read, startedAt} = sent
    sent.read = undefined
    return {read, startedAt}
  }

  private load(): Keytar {
    if (this.keytar) return this.keytar
    if (this.keytarError) throw this.keytarError
    try {
      // require, not import(): keytar is CommonJS, and import() of CommonJS goes through the ESM loader's
      // export scan, a few milliseconds that credential-process pays before every AWS command.
      return (this.keytar = createRequire(import.meta.url)('keytar') as Keytar)
    } catch (error) {
      throw (this.keytarError = new KeychainUnavailableError(
        `the keychain module (keytar) could not be loaded: ${(error as Error).message.split('\n')[0]}`,
        'reinstall keyless (npm install -g keyless) so its native keytar module is built for this Node.js',
      ))
    }
  }
}

function unlockHint(): string {
  if (process.platform === 'darwin') return 'unlock the login keychain (Keychain Access) and try again'
  if (process.platform === 'win32') return 'check that Windows Credential Manager is available to this user'
  return 'unlock your keyring (e.g. log in to the desktop once, or run gnome-keyring-daemon --unlock) and try again'
}

/** libsecret's own D-Bus timeout (25 s, GLib's "Timeout was reached"): on a live keyring, a slow answer. */
function isDbusTimeout(error: unknown): boolean {
  return /Timeout was reached|NoReply|did not receive a reply/i.test(error instanceof Error ? error.message : String(error))
}

/** Turns keytar's platform messages into one error that says what is wrong and how to fix it. */
function classify(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  if (
    process.platform === 'linux' &&
    /dbus|D-Bus|secret|org\.freedesktop|X11|autolaunch|Could not connect|No such interface|not provided by any \.service/i.test(message)
  ) {
    return new KeychainUnavailableError(
      `no Secret Service keychain is reachable on D-Bus (${message.split('\n')[0]})`,
      "start a keyring, e.g.: dbus-run-session -- sh -c 'printf pass | gnome-keyring-daemon --unlock --components=secrets; keyless login'; or, on a headless machine, keep the secrets in kernel memory: keyless configure --store kernel-keyring (see README: Troubleshooting)",
    )
  }
  if (/locked|cancel|denied|interaction/i.test(message)) {
    return new KeychainUnavailableError(`the OS keychain refused access (${message.split('\n')[0]})`, unlockHint())
  }
  return new KeychainUnavailableError(`the OS keychain failed: ${message.split('\n')[0]}`, unlockHint())
}

/** Splits text into pieces of at most maxBytes UTF-8 bytes without cutting a character in two. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text]
  const chunks: string[] = []
  let current = ''
  let currentBytes = 0
  for (const ch of text) {
    const size = Buffer.byteLength(ch)
    if (currentBytes + size > maxBytes) {
      chunks.push(current)
      current = ''
      currentBytes = 0
    }
    current += ch
    currentBytes += size
  }
  if (current) chunks.push(current)
  return chunks
}
