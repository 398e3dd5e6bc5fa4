import {ensureCacheDir} from '../aws-config/paths.js'
import {openKeychain} from '../keychain/keychain.js'
import {withFileLock} from '../locks/file-lock.js'
import {SessionStore} from './session-store.js'

/** The real side effects the SSO modules run with: the OS keychain and cross-process locks in the cache dir. */
export function sessionRuntime(env: NodeJS.ProcessEnv = process.env) {
  const store = new SessionStore(openKeychain())
  // Checked (owner, mode) when a lock is taken, not before: commands that never lock do not touch the directory.
  const locks = () => ensureCacheDir(env, 'locks')
  return {
    store,
    withSessionLock: <T>(session: string, fn: () => Promise<T>, waitMs?: number) =>
      withFileLock(locks(), `session-${encodeURIComponent(session)}`, fn, {waitMs, what: `session ${session}`}),
    get lockDir(): string {
      return locks()
    },
  }
}
