import type {InFlightRead} from '../credential-process/cache-hit.js'
import {KeylessError} from '../errors.js'
import {openKernelKeyring} from './kernel-keyring.js'
import {type KeychainOptions, keychainService, openKeychain, type SecretStore} from './keychain.js'
import {testFileKeytar} from './test-file-keytar.js'

/**
 * Where a session's secrets live (PRODUCT.md section 13), chosen per SSO session by `keyless_store` in its
 * `[sso-session]` section: the OS keychain (keytar, the default) or the Linux kernel keyring.
 */
export const STORE_KINDS = ['keychain', 'kernel-keyring'] as const
export type StoreKind = (typeof STORE_KINDS)[number]
export const DEFAULT_STORE: StoreKind = 'keychain'
/** The `[sso-session]` key that holds the choice. */
export const STORE_KEY = 'keyless_store'

/** Opens the store of that kind under the keychain service name ($KEYLESS_KEYCHAIN_SERVICE, else `keyless`). */
export function openStore(
  kind: StoreKind,
  options: {service?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; inFlight?: InFlightRead} = {},
): SecretStore {
  const service = options.service ?? keychainService(options.env)
  if (kind === 'kernel-keyring') return openKernelKeyring({service, timeoutMs: options.timeoutMs})
  const keytar = testFileKeytar(options.env ?? process.env, service) as KeychainOptions['keytar']
  return openKeychain({service, timeoutMs: options.timeoutMs, ...(keytar ? {keytar} : {}), inFlight: options.inFlight})
}

/**
 * The store a session's secrets live in: its `keyless_store` (the keychain by default), checked for this platform.
 * The one place the choice is read: credential-process's cache hit and every command call this.
 */
export function storeKindOf(session: {name: string; keyless?: Record<string, string>; store?: string}): StoreKind {
  const kind = parseStoreKind(session.store ?? session.keyless?.[STORE_KEY], session.name)
  checkStoreSupported(kind)
  return kind
}

/** The other store: where a session's secrets were before a switch. */
export function otherStore(kind: StoreKind): StoreKind {
  return kind === 'keychain' ? 'kernel-keyring' : 'keychain'
}

/** `keyless_store` as written in the file (absent: the keychain); an unknown value is an error with the fix. */
export function parseStoreKind(value: string | undefined, session: string): StoreKind {
  if (value === undefined || value.trim() === '') return DEFAULT_STORE
  const kind = value.trim().toLowerCase()
  if ((STORE_KINDS as readonly string[]).includes(kind)) return kind as StoreKind
  throw new KeylessError(
    `[sso-session ${session}] has ${STORE_KEY} = ${value.trim().slice(0, 40)}, which is not a store keyless knows (${STORE_KINDS.join(', ')})`,
    `run: keyless configure --session ${session} --store ${STORE_KINDS.join('|')}`,
  )
}

/** A store of that kind cannot work on this platform: the kernel keyring is Linux only. */
export function checkStoreSupported(kind: StoreKind, platform: NodeJS.Platform = process.platform): void {
  if (kind === 'kernel-keyring' && platform !== 'linux') {
    throw new KeylessError(
      `the kernel-keyring store needs Linux (this is ${platform})`,
      'use the OS keychain: keyless configure --store keychain',
      2,
    )
  }
}
