import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import {KERNEL_KEYRING_TIMEOUT_MS} from '../timing.js'
import {KeychainTimeoutError, KeychainUnavailableError} from './errors.js'
import type {SecretStore, SetOptions} from './keychain.js'

/**
 * The `kernel-keyring` store (PRODUCT.md section 13): secrets as `user` keys in the Linux kernel's user keyring
 * (`@u`), reached through the `keyctl` program of keyutils (Node.js has no system-call access, and no maintained
 * N-API binding sets key timeouts or lists a keyring: README, Storage).
 *
 * - Memory only: the kernel never swaps key payloads to disk and drops them at reboot.
 * - The user keyring, not the session keyring: every process of this user sees it (a second SSH login, tmux,
 *   an IDE's terminal, cron), which is what credential-process run by any AWS tool needs.
 * - Permissions `0x3f3f0000`: this user (as possessor or by uid) may do everything, group and others nothing.
 * - Every entry has a kernel timeout at the expiry of what it holds, so an expired secret leaves memory by itself.
 * - No chunking: a `user` key holds 32,767 bytes, and keyless's largest value is a few kilobytes.
 * - Values go in on stdin (`keyctl padd`), never in argv; key descriptions are `SERVICE:KEY`, no secret.
 */

/** Read, write, search and set-attribute for possessor and user; nothing for group and others. */
const PERMISSIONS = '0x3f3f0000'
/** The most a `user` key holds (the kernel's limit). */
export const MAX_KERNEL_KEY_BYTES = 32_767
/** An entry written without an expiry still leaves memory eventually: the registration's 90 days. */
const DEFAULT_TIMEOUT_S = 90 * 24 * 3600

export function openKernelKeyring(options: {service: string; timeoutMs?: number}): SecretStore {
  return new KernelKeyring(options.service, options.timeoutMs ?? KERNEL_KEYRING_TIMEOUT_MS)
}

type ChildProcessModule = typeof import('node:child_process')
let childProcess: ChildProcessModule | undefined
/**
 * node:child_process, loaded on first use: the credential-process bundle holds this module for every session, and
 * a keychain session must not pay for loading child_process (and the net modules behind it) before each AWS call.
 */
function childProcesses(): ChildProcessModule {
  childProcess ??= createRequire(import.meta.url)('node:child_process') as ChildProcessModule
  return childProcess
}

/** keyctl's exit 1 for a key that is not there, has expired, or was revoked: absent, not an error. */
const ABSENT = /Required key not available|Key has expired|Key has been revoked|Can't find/i

class KernelKeyring implements SecretStore {
  constructor(
    private readonly service: string,
    private readonly timeoutMs: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    // One keyctl for the usual case: `%user:DESC` finds the key through the session keyring, which links the
    // user keyring in a login session (pam_keyinit) and in the default user-session keyring.
    const description = this.description(key)
    const direct = await this.keyctl('read', ['pipe', `%user:${description}`])
    if (direct.ok) return direct.stdout
    if (direct.error) throw direct.error
    // Not found that way. /proc/keys lists every key this user may view: when it lists none of this name, there is
    // none (no second keyctl inside a lock). A container's own session keyring does not link @u and masks
    // /proc/keys: then search @u itself.
    if (absentFromProcKeys(description)) return undefined
    const id = await this.find(key)
    if (id === undefined) return undefined
    const read = await this.keyctl('read', ['pipe', id])
    return read.ok ? read.stdout : undefined
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<void> {
    if (Buffer.byteLength(value) > MAX_KERNEL_KEY_BYTES) {
      throw new KeychainUnavailableError(
        `a value of ${Buffer.byteLength(value)} bytes does not fit in a kernel key (at most ${MAX_KERNEL_KEY_BYTES})`,
        'use the OS keychain for this session: keyless configure --store keychain',
      )
    }
    const added = await this.keyctl('write', ['padd', 'user', this.description(key), '@u'], value)
    const id = added.stdout.trim()
    if (!added.ok || !/^\d+$/.test(id)) throw added.error ?? failure('write', added.stderr)
    // The timeout first: an entry must not outlive its secret even if the next call fails.
    await this.must('write', ['timeout', id, String(timeoutSeconds(options.expiresAt))])
    await this.must('write', ['setperm', id, PERMISSIONS])
  }

  async delete(key: string): Promise<boolean> {
    const id = await this.find(key)
    if (id === undefined) return false
    // invalidate, not unlink: the key is destroyed at once, wherever else it might be linked.
    const gone = await this.keyctl('write', ['invalidate', id])
    if (!gone.ok && !ABSENT.test(gone.stderr)) throw gone.error ?? failure('write', gone.stderr)
    return gone.ok
  }

  async keys(prefix = ''): Promise<string[]> {
    const listed = await this.keyctl('read', ['show', '@u'])
    if (!listed.ok) throw listed.error ?? failure('read', listed.stderr)
    const head = this.description(prefix)
    const keys = new Set<string>()
    for (const line of listed.stdout.split('\n')) {
      // ` 834632646 --alswrv      0     0   \_ user: keyless:session/acme/token`
      const match = /^\s*\d+\s+\S+\s+-?\d+\s+-?\d+\s+[\s|\\_]*user: (.*)$/.exec(line)
      if (match?.[1]?.startsWith(head)) keys.add(match[1].slice(this.service.length + 1))
    }
    return [...keys].sort()
  }

  private description(key: string): string {
    return `${this.service}:${key}`
  }

  /** The id of the live key under `key` in the user keyring, or undefined. */
  private async find(key: string): Promise<string | undefined> {
    const found = await this.keyctl('read', ['search', '@u', 'user', this.description(key)])
    if (found.ok) return found.stdout.trim()
    if (ABSENT.test(found.stderr)) return undefined
    throw found.error ?? failure('read', found.stderr)
  }

  private async must(what: 'read' | 'write', args: string[]): Promise<void> {
    const result = await this.keyctl(what, args)
    if (!result.ok) throw result.error ?? failure(what, result.stderr)
  }

  /**
   * Runs keyctl. ok with its stdout; else, for a key that is absent, ok false and no error; for anything else,
   * the typed error (keyctl missing, the kernel refusing, quota, timeout) that a caller throws.
   *
   * Synchronously (spawnSync): an asynchronous child's pipes are streams and sockets, which cost each call ~5 ms of
   * wall time and ~7 ms of CPU more (a script that runs one `keyctl pipe`, 31 alternating runs), on the cache hit
   * that runs before every AWS call. keyctl answers from the kernel; a keyctl that is not scheduled is still
   * bounded by timeoutMs (then killed), and nothing else of a command goes on while its store is read.
   */
  private keyctl(what: 'read' | 'write', args: string[], input?: string): Promise<KeyctlResult> {
    const result = childProcesses().spawnSync('keyctl', args, {
      // keyctl reads its stdin only for padd; an empty one is no error for the others.
      input: input ?? '',
      timeout: this.timeoutMs,
      killSignal: 'SIGKILL',
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
      env: {PATH: process.env.PATH ?? '/usr/bin:/bin'},
    })
    const stdout = result.stdout ?? ''
    const stderr = result.stderr ?? ''
    if (!result.error && result.status === 0) return Promise.resolve({ok: true, stdout, stderr})
    const code = (result.error as NodeJS.ErrnoException | undefined)?.code
    if (code === 'ENOENT' && !stderr) return Promise.resolve({ok: false, stdout, stderr, error: missingKeyctl()})
    if (code === 'ETIMEDOUT' || result.signal === 'SIGKILL') {
      return Promise.resolve({
        ok: false,
        stdout,
        stderr,
        error: new KeychainTimeoutError(
          `the kernel keyring (keyctl) did not answer within ${this.timeoutMs / 1000} s (${what})`,
          'run again; if it persists, check the machine: keyctl show @u',
        ),
      })
    }
    if (ABSENT.test(stderr)) return Promise.resolve({ok: false, stdout, stderr})
    return Promise.resolve({ok: false, stdout, stderr, error: failure(what, stderr)})
  }
}

/** True when /proc/keys is readable, lists keys, and none of them is a live `user` key named `description`. */
function absentFromProcKeys(description: string): boolean {
  let text: string
  try {
    text = readFileSync('/proc/keys', 'utf8')
  } catch {
    return false
  }
  if (!text.trim()) return false
  // `0519451d I--Q---     1  59m 3f3f0000     0     0 user      keyless:session/acme/token: 123`
  return !text.split('\n').some((line) => / user +/.test(line) && line.includes(` ${description}: `) && !/^\S+ +\S+ +\d+ +expd /.test(line))
}

interface KeyctlResult {
  ok: boolean
  stdout: string
  stderr: string
  error?: KeychainUnavailableError
}

function missingKeyctl(): KeychainUnavailableError {
  return new KeychainUnavailableError(
    'the kernel-keyring store needs the keyctl program, which is not installed',
    'install keyutils (Debian/Ubuntu: sudo apt-get install keyutils; Fedora: sudo dnf install keyutils), or: keyless configure --store keychain',
  )
}

/** keyctl's own error line, turned into what is wrong and what to do. */
export function failure(what: 'read' | 'write', stderr: string): KeychainUnavailableError {
  const said =
    stderr
      .trim()
      .split('\n')[0]
      ?.replace(/^keyctl_\w+: /, '') || 'keyctl failed'
  if (/Operation not permitted|Function not implemented/i.test(said)) {
    return new KeychainUnavailableError(
      `the kernel refused the keyring call (${said}): a container's seccomp profile (or a kernel without CONFIG_KEYS) blocks the keyctl/add_key system calls`,
      "allow keyctl, add_key and request_key in the container's seccomp profile (docker run --security-opt seccomp=PROFILE.json), or: keyless configure --store keychain",
    )
  }
  if (/quota exceeded/i.test(said)) {
    return new KeychainUnavailableError(
      `the kernel keyring quota of this user is full (${said})`,
      'free it with keyless logout --all, or raise it: sudo sysctl -w kernel.keys.maxbytes=200000 kernel.keys.maxkeys=2000',
    )
  }
  if (/Permission denied/i.test(said)) {
    return new KeychainUnavailableError(
      `the kernel keyring denied access (${said})`,
      'run keyless as the user who logged in, or remove the stale entries: keyctl clear @u',
    )
  }
  return new KeychainUnavailableError(`the kernel keyring failed to ${what} (${said})`, 'check the kernel keyring with: keyctl show @u')
}

/** Seconds until expiresAt (at least 1), for `keyctl timeout`; no expiry: 90 days. */
export function timeoutSeconds(expiresAt: string | undefined, now = Date.now()): number {
  const at = expiresAt === undefined ? Number.NaN : Date.parse(expiresAt)
  if (Number.isNaN(at)) return DEFAULT_TIMEOUT_S
  return Math.max(1, Math.ceil((at - now) / 1000))
}
