import {createRequire} from 'node:module'

import {KEYCHAIN_TIMEOUT_MS} from '../timing.js'
import {KeychainTimeoutError, KeychainUnavailableError} from './errors.js'

/**
 * The only door to the OS keychain (keytar: macOS Keychain, Windows Credential Manager, Secret Service).
 * Adds what keytar lacks: a timeout on every call, values split under Windows' blob limit, typed errors.
 */

/** Windows Credential Manager rejects blobs over 2,560 bytes; keep a margin. */
export const MAX_ENTRY_BYTES = 2400
/** A value too large for one entry is stored as this header in the main entry plus `key#1..N` parts. */
const CHUNK_HEADER = 'keyless-chunked:v1:'

export interface SecretStore {
  /** The stored value, or undefined when there is no entry under that key (the typed not-found). */
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>
  /** Every key stored under this service that starts with the prefix (chunk parts excluded). */
  keys(prefix?: string): Promise<string[]>
}

type Keytar = typeof import('keytar')

export function keychainService(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYLESS_KEYCHAIN_SERVICE || 'keyless'
}

export function openKeychain(options: {service?: string; timeoutMs?: number} = {}): SecretStore {
  return new Keychain(options.service ?? keychainService(), options.timeoutMs ?? KEYCHAIN_TIMEOUT_MS)
}

class Keychain implements SecretStore {
  private keytar?: Promise<Keytar>
  /**
   * Set once a call timed out. A hung keytar call holds a libuv worker thread until D-Bus gives up (25 s),
   * and Node cannot exit before its worker threads return: every further call would add another one.
   */
  private hung?: KeychainTimeoutError
  constructor(
    private readonly service: string,
    private readonly timeoutMs: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const head = await this.call('read', (k) => k.getPassword(this.service, key))
    if (head === null) return undefined
    if (!head.startsWith(CHUNK_HEADER)) return head
    const count = Number(head.slice(CHUNK_HEADER.length))
    const parts = []
    for (let i = 1; i <= count; i++) parts.push(await this.call('read', (k) => k.getPassword(this.service, `${key}#${i}`)))
    // A part missing means a write was interrupted half-way: treat it as absent, never as a corrupt secret.
    if (parts.some((p) => p === null)) return undefined
    return parts.join('')
  }

  async set(key: string, value: string): Promise<void> {
    const chunks = splitUtf8(value, MAX_ENTRY_BYTES)
    const previousParts = await this.partCount(key)
    if (chunks.length === 1 && !value.startsWith(CHUNK_HEADER)) {
      await this.call('write', (k) => k.setPassword(this.service, key, value))
    } else {
      // Parts first, header last: a reader never sees a header whose parts are not all there.
      for (const [i, chunk] of chunks.entries()) {
        await this.call('write', (k) => k.setPassword(this.service, `${key}#${i + 1}`, chunk))
      }
      await this.call('write', (k) => k.setPassword(this.service, key, CHUNK_HEADER + chunks.length))
    }
    const keep = chunks.length === 1 && !value.startsWith(CHUNK_HEADER) ? 0 : chunks.length
    for (let i = keep + 1; i <= previousParts; i++) {
      await this.call('write', (k) => k.deletePassword(this.service, `${key}#${i}`))
    }
  }

  async delete(key: string): Promise<boolean> {
    const parts = await this.partCount(key)
    for (let i = 1; i <= parts; i++) await this.call('write', (k) => k.deletePassword(this.service, `${key}#${i}`))
    return this.call('write', (k) => k.deletePassword(this.service, key))
  }

  async keys(prefix = ''): Promise<string[]> {
    const all = await this.call('read', (k) => k.findCredentials(this.service))
    return all
      .map((c) => c.account)
      .filter((a) => a.startsWith(prefix) && !/#\d+$/.test(a))
      .sort()
  }

  private async partCount(key: string): Promise<number> {
    const head = await this.call('read', (k) => k.getPassword(this.service, key))
    return head?.startsWith(CHUNK_HEADER) ? Number(head.slice(CHUNK_HEADER.length)) : 0
  }

  private async call<T>(what: 'read' | 'write', fn: (keytar: Keytar) => Promise<T>): Promise<T> {
    if (this.hung) throw this.hung
    const keytar = await this.load()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.hung = new KeychainTimeoutError(`the OS keychain did not answer within ${this.timeoutMs / 1000} s (${what})`, unlockHint())
        reject(this.hung)
      }, this.timeoutMs)
      // A hung keychain call must not keep the process alive once keyless has given up on it.
      timer.unref()
    })
    try {
      return await Promise.race([fn(keytar).catch((error: unknown) => Promise.reject(classify(error))), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  private load(): Promise<Keytar> {
    // require, not import(): keytar is CommonJS, and import() of CommonJS goes through the ESM loader's
    // export scan, a few milliseconds that credential-process pays before every AWS command.
    this.keytar ??= new Promise<Keytar>((resolve) => resolve(createRequire(import.meta.url)('keytar') as Keytar)).catch(
      (error: unknown) =>
        Promise.reject(
          new KeychainUnavailableError(
            `the keychain module (keytar) could not be loaded: ${(error as Error).message.split('\n')[0]}`,
            'reinstall keyless (npm install -g keyless) so its native keytar module is built for this Node.js',
          ),
        ),
    )
    return this.keytar
  }

}

function unlockHint(): string {
  if (process.platform === 'darwin') return 'unlock the login keychain (Keychain Access) and try again'
  if (process.platform === 'win32') return 'check that Windows Credential Manager is available to this user'
  return 'unlock your keyring (e.g. log in to the desktop once, or run gnome-keyring-daemon --unlock) and try again'
}

/** Turns keytar's platform messages into one error that says what is wrong and how to fix it. */
function classify(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  if (process.platform === 'linux' && /dbus|D-Bus|secret|org\.freedesktop|X11|autolaunch|Could not connect|No such interface|not provided by any \.service/i.test(message)) {
    return new KeychainUnavailableError(
      `no Secret Service keychain is reachable on D-Bus (${message.split('\n')[0]})`,
      'start a keyring, e.g.: dbus-run-session -- sh -c \'printf pass | gnome-keyring-daemon --unlock --components=secrets; keyless login\' (see README: Troubleshooting)',
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
