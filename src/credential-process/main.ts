/**
 * `keyless credential-process`: the entry bin/run.js imports directly, without oclif, because the AWS CLI and
 * SDKs run it before every call. The cached path loads only this file, the argument parser, the config parser, the
 * module of the session's store (keytar only for the keychain store) and the session store's key layout; the AWS SDK, the lock library and the login UI load only on a cache miss.
 */
import {readFile} from 'node:fs/promises'

import {getKey, parseConfig} from '../aws-config/ini.js'
import {configFilePath} from '../aws-config/paths.js'
import {currentBinding, isServableFor, processCredentialsJson} from '../credentials/process-credentials.js'
import {EXIT, KeylessError, toUserLine} from '../errors.js'
import {DEFAULT_STORE, openStore, parseStoreKind, STORE_KEY, type StoreKind} from '../keychain/stores.js'
import {SessionStore} from '../sso/session-store.js'
import type {RoleCredentials} from '../sso/types.js'
import {parseCredentialProcessArgs, type CredentialProcessArgs} from './args.js'

export interface CredentialProcessIo {
  env: NodeJS.ProcessEnv
  /** Warnings and instructions for the user: stderr, never stdout. */
  warn: (line: string) => void
  now?: () => number
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
  const section = sessionName === undefined ? undefined : await configuredSession(sessionName, io.env)
  // The session's store (keyless_store): only that store's module loads, so the kernel-keyring path never loads keytar.
  const store = new SessionStore(openStore(section?.store ?? DEFAULT_STORE, {env: io.env}))
  if (sessionName !== undefined && section) {
    const [cached, token] = await Promise.all([
      store.readRoleCredentials(sessionName, args.accountId, args.roleName),
      store.readToken(sessionName),
    ])
    // Served only to the session as configured now and signed in now (a re-pointed or deleted section, or
    // another sign-in, gets fresh ones through the full path, which also reports a missing section).
    if (isServableFor(cached, currentBinding(section, token), now())) {
      if (args.debug) {
        const {debug} = await import('../ui/debug.js')
        debug('role', `${args.accountId}/${args.roleName}: cached role credentials valid until ${cached.expiresAt}`)
      }
      return cached
    }
  }
  const {freshRoleCredentials} = await import('./fresh.js')
  return freshRoleCredentials(args, {...io, store, now})
}

/**
 * The session's start URL, region and store as the config file says now; undefined when it cannot tell (no such
 * section, an unreadable file, an unknown keyless_store: the full path reports each of these).
 */
async function configuredSession(
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{startUrl: string; region: string; store: StoreKind} | undefined> {
  try {
    const doc = parseConfig(await readFile(configFilePath(env), 'utf8'))
    const section = doc.sections.find((s) => s.type === 'sso-session' && s.name === name)
    if (!section) return undefined
    return {
      startUrl: getKey(section, 'sso_start_url') ?? '',
      region: getKey(section, 'sso_region') ?? '',
      store: parseStoreKind(getKey(section, STORE_KEY), name),
    }
  } catch {
    return undefined
  }
}

/** bin/run.js calls this with the arguments after `credential-process`; it always ends the process. */
export async function main(argv: string[]): Promise<never> {
  // The SDK's Node.js 20 deprecation warning would land on the stderr of every AWS command that refreshes.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  let code: number = EXIT.ok
  let debugOn = argv.includes('--debug')
  // `keyless credential-process ... | true`: the reader is gone. One line and exit 1, not an unhandled EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    const why = error.code === 'EPIPE' ? 'the output was closed (EPIPE)' : `stdout failed (${error.code ?? error.message})`
    process.stderr.write(`keyless: the credentials could not be written: ${why}\n`, () => process.exit(EXIT.failure))
  })
  try {
    const args = parseCredentialProcessArgs(argv)
    debugOn = args.debug
    const json = await credentialProcess(args, {env: process.env, warn: (line) => process.stderr.write(line + '\n')})
    await write(process.stdout, json)
  } catch (error) {
    code = error instanceof KeylessError ? error.exitCode : EXIT.failure
    await write(process.stderr, errorLine(error) + '\n')
    if (debugOn && !(error instanceof KeylessError) && error instanceof Error && error.stack) {
      const {redact} = await import('../ui/debug.js')
      await write(process.stderr, redact(error.stack) + '\n')
    }
  }
  // Nothing may keep the AWS command waiting: exit as soon as the output is flushed.
  process.exit(code)
}

/** Every failure is one line: what went wrong, then what to do (never a stack, never a secret). */
export function errorLine(error: unknown): string {
  return toUserLine(error, 'run again with --debug for details')
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    stream.write(text, () => resolve())
  })
}
