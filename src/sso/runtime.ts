import {ensureCacheDir} from '../aws-config/paths.js'
import {KeychainUnavailableError} from '../keychain/errors.js'
import {STORE_KINDS, storeKindOf, type StoreKind} from '../keychain/stores.js'
import {withFileLock} from '../locks/file-lock.js'
import {openSessionStore, SessionStore} from './session-store.js'

/** A session as the SSO modules see it: its `keyless_*` keys, or (a session found only in a store) that store. */
export type SessionRef = {name: string; keyless?: Record<string, string>; store?: string}

// A session's store is chosen in keychain/stores.ts (credential-process's cache hit reads it there too).
export {storeKindOf}

// The session store of a kind lives beside the key layout it uses (credential-process opens it without this module).
export {openSessionStore}

/**
 * Every store this platform has that answers, for commands that look at all sessions (status, logout --all).
 * A store that cannot be reached is left out when no configured session uses it: a headless machine has no
 * keychain, a desktop may have no keyctl, and neither then holds anything keyless could show or delete.
 */
export async function storesInUse(configured: SessionRef[], env: NodeJS.ProcessEnv = process.env): Promise<Map<StoreKind, SessionStore>> {
  const stores = new Map<StoreKind, SessionStore>()
  const kinds: StoreKind[] = process.platform === 'linux' ? [...STORE_KINDS] : ['keychain']
  for (const kind of kinds) {
    const store = openSessionStore(kind, env)
    try {
      await store.sessionNames()
      stores.set(kind, store)
    } catch (error) {
      const used = configured.some((s) => {
        try {
          return storeKindOf(s) === kind
        } catch {
          return false
        }
      })
      if (used || !(error instanceof KeychainUnavailableError)) throw error
    }
  }
  return stores
}

/**
 * The real side effects the SSO modules run with for one session: the store its config names (the OS keychain
 * or the kernel keyring) and cross-process locks in the cache dir. The session is required: a runtime opened
 * without it would read and write the keychain whatever the session's keyless_store says.
 */
export function sessionRuntime(env: NodeJS.ProcessEnv, session: SessionRef) {
  const storeKind = storeKindOf(session)
  const store = openSessionStore(storeKind, env)
  // Checked (owner, mode) when a lock is taken, not before: commands that never lock do not touch the directory.
  const locks = () => ensureCacheDir(env, 'locks')
  return {
    store,
    storeKind,
    withSessionLock: <T>(name: string, fn: () => Promise<T>, waitMs?: number) =>
      withFileLock(locks(), `session-${encodeURIComponent(name)}`, fn, {waitMs, what: `session ${name}`}),
    get lockDir(): string {
      return locks()
    },
  }
}
