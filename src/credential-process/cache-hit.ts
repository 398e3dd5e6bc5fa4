/**
 * credential-process's cache hit, and nothing else: the file bin/run.js loads first (bundled alone as
 * dist/credential-process/hit.cjs). It serves cached role credentials in the one plain case (the arguments as keyless
 * writes them, the session's own section plain and in the keychain, nobody fetching the role, a sign-in marker, and a
 * cached entry bound to that session and sign-in with more than 15 minutes left) and hands everything else over to
 * the full command (main.ts, hot.cjs): it never reports, waits, fetches or decides anything else.
 *
 * Why a file of its own (issue 22): the AWS tools run credential-process before every call, and nearly every call is
 * this case. The full command's bundle (32 KB: the keychain's verdicts and chunking, the kernel keyring, the lock
 * waits, every error) cost each hit ~3-4 ms of CPU to compile and run over a hand-written minimal read; this file is
 * the few modules the decision needs. The decisions themselves are those modules' (readSsoSessionSectionText,
 * plainSsoSession, readSignInMarker, bindingOf, isServableFor), so the two paths cannot serve differently.
 */
import {createRequire} from 'node:module'
import {join} from 'node:path'

import {cacheDir, configFilePath} from '../aws-config/paths.js'
import {plainSsoSession} from '../aws-config/plain-session-section.js'
import {readSsoSessionSectionText} from '../aws-config/session-section.js'
import {bindingOf, isServableFor, processCredentialsJson} from '../credentials/process-credentials.js'
import {keychainService} from '../keychain/keychain.js'
import {TEST_KEYTAR_FILE_VAR, testFileKeytar} from '../keychain/test-file-keytar.js'
import {lockPathOf, lockStat, roleLockName} from '../locks/lock-state.js'
import {roleKey} from '../sso/session-keys.js'
import {readSignInMarker} from '../sso/sign-in-marker.js'
import type {RoleBinding, RoleCredentials} from '../sso/types.js'
import {KEYCHAIN_PROMPT_NOTICE_MS, KEYCHAIN_SLOW_NOTICE_MS, KEYCHAIN_TIMEOUT_MS} from '../timing.js'
import {readPlainCredentialProcessArgs} from './args.js'
import {inKeychain} from './keychain-section.js'
import {writeAll} from './write-all.js'

/**
 * The keychain read the cache hit sent, handed to the full command, whose keychain module takes it as its first
 * read of that entry (the request is not sent twice, and its timeouts count from when it was).
 */
export interface InFlightRead {
  readonly service: string
  readonly key: string
  readonly startedAt: number
  /** Taken (set to undefined) by the first keychain read of the key. */
  read: Promise<string | null> | undefined
}

/** What the cache hit hands the full command: the keychain read it sent and the section text it read, if any. */
export interface Handover {
  inFlight?: InFlightRead
  /** The session's section as readSsoSessionSectionText returned it (the file is not read again). */
  section?: {name: string; text: string}
}

export type CacheHit = {json: string} | {handover: Handover}

/**
 * A read that has not answered by then is handed over to the full command: none of its keychain verdicts (the
 * locked-keychain probe, the busy notice, macOS's dialog notice) comes sooner, and they count from the read's start.
 */
const HANDOVER_MS = Math.min(
  KEYCHAIN_TIMEOUT_MS,
  KEYCHAIN_SLOW_NOTICE_MS,
  ...(process.platform === 'darwin' ? [KEYCHAIN_PROMPT_NOTICE_MS] : []),
)

/** The process-credentials JSON when this is the plain cache hit; else what the full command takes over. */
export async function cacheHit(argv: readonly string[], env: NodeJS.ProcessEnv, now: () => number = Date.now): Promise<CacheHit> {
  const args = readPlainCredentialProcessArgs(argv)
  const name = args?.session ?? (env.KEYLESS_SESSION || undefined)
  // --debug says what the full command does; no session named: the full command finds the only one.
  if (!args || args.debug || name === undefined) return {handover: {}}
  // Another process is fetching this role: the full command waits for it.
  if (lockStat(lockPathOf(join(cacheDir(env), 'locks'), roleLockName(name, args.accountId, args.roleName)))) return {handover: {}}
  const service = keychainService(env)
  let sent: {text: string; inFlight: InFlightRead} | undefined
  let text: string | undefined
  try {
    // The read leaves as soon as the section's last line is read; the rest of the file is read while it travels.
    text = readSsoSessionSectionText(configFilePath(env), name, undefined, (section) => {
      if (!inKeychain(section)) return
      const keytar = openKeytar(env, service)
      const key = roleKey(name, args.accountId, args.roleName)
      const read = keytar.getPassword(service, key)
      // Whoever awaits it gets its outcome; unawaited (the full command reads anew), a rejection is not "unhandled".
      read.catch(() => {})
      sent = {text: section, inFlight: {service, key, startedAt: Date.now(), read}}
    })
  } catch {
    // No file, an unreadable one, keytar not loadable: the full command says what is wrong.
    return {handover: {inFlight: sent?.inFlight}}
  }
  const section = text === undefined ? undefined : {name, text}
  // Another store, no such section, or a section the rest of the file replaced (read whole).
  if (!sent || text !== sent.text) return {handover: {inFlight: sent?.inFlight, section}}
  const handover: Handover = {inFlight: sent.inFlight, section}
  const {inFlight} = sent
  // A section of any other shape than the plain one goes to the full command's parser.
  const session = plainSsoSession(text, name)
  const signIn = session && readSignInMarker(env, service, name)
  if (!session || signIn === undefined) return {handover}
  const value = await answerOf(inFlight.read!)
  if (typeof value !== 'string') return {handover}
  let cached: (RoleCredentials & Partial<RoleBinding>) | undefined
  try {
    cached = JSON.parse(value) as RoleCredentials & Partial<RoleBinding>
  } catch {
    return {handover} // a chunked entry's header, or one keyless cannot read: the keychain module's
  }
  return isServableFor(cached, bindingOf(session, signIn), now()) ? {json: processCredentialsJson(cached)} : {handover}
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>
}

/** keytar (loaded synchronously, so the read leaves in this turn), or the test suite's plain-file stand-in under Wine. */
function openKeytar(env: NodeJS.ProcessEnv, service: string): Keytar {
  if (env[TEST_KEYTAR_FILE_VAR]) return testFileKeytar(env, service) as Keytar
  return createRequire(import.meta.url)('keytar') as Keytar
}

/** The read's value, or undefined when it failed or has not answered within HANDOVER_MS. */
function answerOf(read: Promise<string | null>): Promise<string | null | undefined> {
  return Promise.race([read.catch(() => undefined), after(HANDOVER_MS).then(() => undefined)])
}

/**
 * Settles `ms` later: a wait on a cell that nobody notifies (Atomics.waitAsync), which V8 times out. A cache hit's
 * first setTimeout and clearTimeout cost it 0.5 ms, Node.js's timer code compiled on first use; this costs 0.07 ms.
 * Nothing needs to clear it: unlike a setTimeout it does not keep the process alive (the pending read does, while it
 * is pending), and a process the hit served exits at once.
 */
function after(ms: number): Promise<unknown> {
  const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  // A timeout of 0 or less has timed out already: a plain value then, not a promise.
  return Promise.resolve(wait.value)
}

/** ES2024's Atomics.waitAsync (in V8, so in every Node.js keyless runs on), past the ES2023 lib keyless compiles with. */
interface AtomicsWaitAsync {
  waitAsync(cell: Int32Array, index: number, value: number, timeoutMs: number): {value: unknown}
}

/** bin/run.js calls this with the arguments after `credential-process`; it always ends the process. */
export async function main(argv: string[]): Promise<never> {
  let hit: CacheHit
  try {
    hit = await cacheHit(argv, process.env)
  } catch {
    hit = {handover: {}}
  }
  if ('json' in hit && written(hit.json)) process.exit(0)
  // Everything else, and a write that failed (the full command words it), is the full command's.
  const {main: full} = await import('./main.js')
  return full(argv, 'handover' in hit ? hit.handover : {})
}

/** The JSON written whole to stdout (it is well under PIPE_BUF, 4 KB: a pipe takes all of it or none); false when it
 * could not be (a closed pipe). */
function written(json: string): boolean {
  try {
    writeAll(1, json)
    return true
  } catch {
    return false
  }
}
