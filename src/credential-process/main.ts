/**
 * `keyless credential-process`, the whole command, without oclif, because the AWS CLI and SDKs run it before every
 * call. bin/run.js loads the cache hit first (cache-hit.ts, bundled alone as hit.cjs), which serves the plain case
 * and hands everything else over to this file (bundled as hot.cjs), with the keychain read it already sent. Here
 * the cached path loads only this file, the argument parser, the reader of a plain session section (the config
 * parser only for a section it declines), the module of the session's store (keytar only for the keychain store), the
 * session store's key layout and the lock's read-only rules (a stat of the role's lock, to wait for a fetch under
 * way); the AWS SDK, the lock library and the login UI load only on a cache miss.
 */
import {join} from 'node:path'

import {cacheDir, configFilePath} from '../aws-config/paths.js'
import {plainSsoSession} from '../aws-config/plain-session-section.js'
import {readSsoSessionSectionText, type SsoSession} from '../aws-config/session-section.js'
import {bindingOf, currentBinding, isServableFor, processCredentialsJson} from '../credentials/process-credentials.js'
import {EXIT, KeylessError, toUserLine} from '../errors.js'
import {DEFAULT_STORE, storeKindOf, type StoreKind} from '../keychain/stores.js'
import {lockPathOf, lockStat, roleLockName, waitForRelease, type LockWaitTimeoutError} from '../locks/lock-state.js'
import {openSessionStore, type SessionStore} from '../sso/session-store.js'
import type {RoleCredentials} from '../sso/types.js'
import {AUTO_LOGIN_LOCK_WAIT_MS, LOCK_STALE_MS, LOCK_WAIT_MS} from '../timing.js'
import {parseCredentialProcessArgs, type CredentialProcessArgs} from './args.js'
import type {Handover, InFlightRead} from './cache-hit.js'
import {inKeychain} from './keychain-section.js'
import {parseSsoSession} from './parse-section.js'
import {writeAll} from './write-all.js'

export interface CredentialProcessIo {
  env: NodeJS.ProcessEnv
  /** Warnings and instructions for the user: stderr, never stdout. */
  warn: (line: string) => void
  now?: () => number
  /**
   * The session as the caller has just read it from the config file (`exec`, `env`, `console`): not read again.
   * Without it, credential-process reads the session's section alone.
   */
  session?: SsoSession
  /** The keychain read the cache hit (cache-hit.ts) sent before it handed over: not sent again. */
  inFlight?: InFlightRead
  /** The session's section as the cache hit read it before it handed over: the file is not read again. */
  sectionText?: {name: string; text: string}
}

/** The process-credentials JSON for the arguments: from the keychain cache when it has more than 15 minutes left. */
export async function credentialProcess(args: CredentialProcessArgs, io: CredentialProcessIo): Promise<string> {
  return processCredentialsJson(await roleCredentials(args, io))
}

/**
 * The role credentials for the arguments: from the keychain cache when they have more than 15 minutes left, else
 * fetched under the cross-process locks (single flight) and cached. `keyless exec`, `env` and `console` use this
 * too, so a role fetched by one is served from the cache to the others.
 */
export async function roleCredentials(args: CredentialProcessArgs, io: CredentialProcessIo): Promise<RoleCredentials> {
  const now = io.now ?? Date.now
  if (args.debug) (await import('../ui/debug.js')).enableDebug()
  const sessionName = args.session ?? (io.env.KEYLESS_SESSION || undefined)
  const lock =
    sessionName === undefined ? '' : lockPathOf(join(cacheDir(io.env), 'locks'), roleLockName(sessionName, args.accountId, args.roleName))
  // The role's read from the keychain, sent as soon as the session's section is read and says the keychain, while
  // the rest of the file is read (issue 22: with 3,000 synced profiles that is most of the file). Not while another
  // process fetches the role: this one waits for it first (below).
  let early: {store: SessionStore; text: string; reading: Promise<RoleCredentials | undefined>} | undefined
  const readEarly = (text: string) => {
    if (!inKeychain(text) || lockStat(lock)) return
    const keychain = openSessionStore(DEFAULT_STORE, io.env, io.inFlight)
    early = {store: keychain, text, reading: keychain.readRoleCredentials(sessionName as string, args.accountId, args.roleName)}
  }
  const found = sessionName === undefined ? undefined : configuredSession(sessionName, io, readEarly)
  // Sent for a section the rest of the file replaced (read whole), or for another store: not the answer.
  if (early && (found?.text !== early.text || found.store !== DEFAULT_STORE)) {
    early.reading.catch(() => {})
    early = undefined
  }
  // The session's store (keyless_store): only that store's module loads, so the kernel-keyring path never loads keytar.
  const store = early?.store ?? openSessionStore(found?.store ?? DEFAULT_STORE, io.env, io.inFlight)
  let section = found?.parsed
  // One budget for all the waiting behind other processes (this role's fetch here, then the role and session locks
  // of the miss path): an AWS command hangs at most this long, whichever lock a hung holder keeps.
  const limitMs = args.autoLogin ? AUTO_LOGIN_LOCK_WAIT_MS : LOCK_WAIT_MS
  const deadline = Date.now() + limitMs
  if (sessionName !== undefined && found) {
    // Another process is fetching this very role (a herd of AWS commands started together): wait for it here and
    // read once what it stores, rather than read the empty cache now and again after it, through the miss path's
    // modules (issue 28). A stat when nobody fetches: nothing else on the cached path.
    let waited = await waitForRelease(lock, deadline, LOCK_STALE_MS)
    for (;;) {
      // The read is on its way to the keychain before this turn ends (issue 22): the section's parse and the
      // sign-in marker's read run while the keychain answers, the main thread's longest wait. The early read only
      // when no fetch began since it was sent.
      const sentEarly = early !== undefined && !waited
      const reading = sentEarly ? early!.reading : store.readRoleCredentials(sessionName, args.accountId, args.roleName)
      if (early && waited) early.reading.catch(() => {})
      early = undefined
      section ??= found.parse()
      const signIn = store.readSignIn(sessionName)
      if (!section) {
        // Unreadable as configured: the full path says what is wrong (the read's outcome goes unused).
        reading.catch(() => {})
        break
      }
      const cached = await reading
      // Served only to the session as configured now and signed in now (a re-pointed or deleted section, or
      // another sign-in, gets fresh ones through the full path, which also reports a missing section). Without a
      // sign-in entry (signed out, or a token stored before it existed) the token itself says.
      const binding = signIn !== undefined ? bindingOf(section, signIn) : currentBinding(section, await store.readToken(sessionName))
      if (isServableFor(cached, binding, now())) {
        if (args.debug) {
          const {debug} = await import('../ui/debug.js')
          const checked = signIn !== undefined ? 'the sign-in marker' : 'the stored token'
          const after = waited
            ? ', fetched by another process while this one waited'
            : sentEarly
              ? ', read while the rest of the config file was'
              : ''
          debug(
            'role',
            `${args.accountId}/${args.roleName}: cached role credentials valid until ${cached.expiresAt} (sign-in checked against ${checked}${after})`,
          )
        }
        return cached
      }
      // Nothing to serve, but the role's fetch began while this caller read (a herd's leader takes the lock while
      // the others start): wait for it too, once, rather than load the miss path's modules only to queue behind it.
      if (waited || !lockStat(lock)) break
      waited = await waitForRelease(lock, deadline, LOCK_STALE_MS)
    }
  }
  const {freshRoleCredentials} = await import('./fresh.js')
  // The session already read goes on to the miss path, which then reads the config file no more (a usable one:
  // else the miss path reads the whole file to say what is wrong with it).
  const usable = section?.session.startUrl && section.session.region ? section.session : undefined
  try {
    return await freshRoleCredentials(args, {...io, store, now, session: usable, deadline})
  } catch (error) {
    // Each lock's wait reports the part of the budget left to it: the line names the whole wait (the copy of the
    // lock module the miss path loaded made it, so its name, not its class, tells it).
    if ((error as Error | undefined)?.name === 'LockWaitTimeoutError') throw (error as LockWaitTimeoutError).withWait(limitMs)
    throw error
  }
}

interface ConfiguredSession {
  session: SsoSession
  startUrl: string
  region: string
  store: StoreKind
}

/**
 * The session as the config file says now (or as the caller or the cache hit just read it), with its start URL, region and store;
 * undefined when it cannot tell (no such section, an unreadable file or section, an unknown keyless_store: the full
 * path reports each of these). Only the session's own section is read: with thousands of synced profiles, a model of
 * the whole file would cost more than the rest of the cache hit (and the file is read through a small buffer, never
 * whole). A section whose text cannot name a store (no `keyless_store` in it, in any case: key names are
 * lower-cased) is in the keychain, the default: its parse waits (`parse`) so that it runs while the keychain
 * answers; any other is parsed first, so that the kernel-keyring path never loads keytar.
 */
function configuredSession(
  name: string,
  io: CredentialProcessIo,
  onSection?: (text: string) => void,
): {store: StoreKind; text?: string; parsed?: ConfiguredSession; parse: () => ConfiguredSession | undefined} | undefined {
  const configured = (session: SsoSession): ConfiguredSession => ({
    session,
    startUrl: session.startUrl,
    region: session.region,
    store: storeKindOf(session),
  })
  try {
    if (io.session?.name === name) {
      const parsed = configured(io.session)
      return {store: parsed.store, parsed, parse: () => parsed}
    }
    const handed = io.sectionText?.name === name ? io.sectionText.text : undefined
    if (handed !== undefined) onSection?.(handed)
    const text = handed ?? readSsoSessionSectionText(configFilePath(io.env), name, undefined, onSection)
    if (text === undefined) return undefined
    const parse = (): ConfiguredSession | undefined => {
      // The parser (a second bundle file) only for a section of shapes the small reader leaves to it.
      const session = plainSsoSession(text, name) ?? parseSsoSession(text, name)
      try {
        return session && configured(session)
      } catch {
        return undefined
      }
    }
    if (inKeychain(text)) return {store: DEFAULT_STORE, text, parse: () => keptIn(parse(), DEFAULT_STORE)}
    const parsed = parse()
    return parsed && {store: parsed.store, text, parsed, parse: () => parsed}
  } catch {
    return undefined
  }
}

/** The session, when its store is the one already opened (always, for a text without keyless_store). */
function keptIn(session: ConfiguredSession | undefined, store: StoreKind): ConfiguredSession | undefined {
  return session?.store === store ? session : undefined
}

/**
 * bin/run.js's cache hit (cache-hit.ts) calls this with the arguments after `credential-process` for everything but
 * the plain cache hit, handing over the keychain read it sent, if any; it always ends the process.
 */
export async function main(argv: string[], handedOver: Handover = {}): Promise<never> {
  // The SDK's Node.js 20 deprecation warning would land on the stderr of every AWS command that refreshes.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  let code: number = EXIT.ok
  let debugOn = argv.includes('--debug')
  try {
    const args = parseCredentialProcessArgs(argv)
    debugOn = args.debug
    const json = await credentialProcess(args, {
      env: process.env,
      warn: (line) => process.stderr.write(line + '\n'),
      inFlight: handedOver.inFlight,
      sectionText: handedOver.section,
    })
    writeOut(json)
  } catch (error) {
    code = error instanceof KeylessError ? error.exitCode : EXIT.failure
    let lines = errorLine(error) + '\n'
    if (debugOn && !(error instanceof KeylessError) && error instanceof Error && error.stack) {
      const {redact} = await import('../ui/debug.js')
      lines += redact(error.stack) + '\n'
    }
    writeAll(2, lines)
  }
  // Nothing may keep the AWS command waiting: the output is written (synchronously), so exit now.
  process.exit(code)
}

/** Every failure is one line: what went wrong, then what to do (never a stack, never a secret). */
export function errorLine(error: unknown): string {
  return toUserLine(error, 'run again with --debug for details')
}

/**
 * The JSON to stdout with a plain write(2), not process.stdout: on a pipe (how the AWS tools run it) that stream
 * is a net.Socket, and creating it loads node:net and node:stream, several milliseconds of every AWS call.
 */
function writeOut(json: string): void {
  try {
    writeAll(1, json)
  } catch (error) {
    // `keyless credential-process ... | true`: the reader is gone. One line and exit 1, not an unhandled EPIPE.
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'EPIPE' ? 'the output was closed (EPIPE)' : `stdout failed (${code ?? (error as Error).message})`
    throw new KeylessError(`the credentials could not be written: ${why}`)
  }
}
