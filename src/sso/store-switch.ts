import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cacheDir, ensureCacheDir} from '../aws-config/paths.js'
import {KeychainUnavailableError} from '../keychain/errors.js'
import {STORE_KINDS, type StoreKind} from '../keychain/stores.js'
import {debug} from '../ui/debug.js'
import {openSessionStore} from './runtime.js'

const LABEL: Record<StoreKind, string> = {keychain: 'the OS keychain', 'kernel-keyring': 'the kernel keyring'}

/**
 * Switching a session's store moves no secret (PRODUCT.md section 13): `keyless login` fills the new store, then
 * this deletes the session's entries from the old one. A ledger in the cache dir (`stores/<session>`, the name of
 * the store keyless last filled, no secret) tells which store that was, so the old store is visited once after a
 * switch, not at every login. Without a ledger the old store can only be the keychain (the store before there
 * was a choice). Returns how many entries were deleted.
 */
export async function retireOldStore(
  session: string,
  current: StoreKind,
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): Promise<number> {
  const dir = join(cacheDir(env), 'stores')
  const ledger = join(dir, encodeURIComponent(session))
  // No ledger: the keychain (the default, and the only store before there was a choice).
  let previous: StoreKind = 'keychain'
  try {
    const text = readFileSync(ledger, 'utf8').trim()
    if ((STORE_KINDS as readonly string[]).includes(text)) previous = text as StoreKind
  } catch {
    // absent: the keychain
  }
  let deleted = 0
  if (previous === current) return 0
  if (!(previous === 'kernel-keyring' && process.platform !== 'linux')) {
    try {
      deleted = (await openSessionStore(previous, env).wipeSession(session, {keepRegistration: false})).length
      if (deleted > 0)
        warn(`keyless: deleted ${deleted} entries of session ${session} from ${LABEL[previous]}; its secrets now live in ${LABEL[current]}`)
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error
      // No Secret Service at all (a headless machine) or no keyctl: nothing there that keyless could ever read.
      if (/^no Secret Service|needs the keyctl program/.test(error.message)) debug('store', `${previous} unreachable: ${error.message}`)
      else
        warn(
          `keyless: could not delete session ${session}'s old entries from ${LABEL[previous]} (${error.message}); to delete them: keyless configure --session ${session} --store ${previous} && keyless logout --session ${session}`,
        )
    }
  }
  if (current === 'keychain') {
    rmSync(ledger, {force: true})
  } else {
    writeFileSync(join(ensureCacheDir(env, 'stores'), encodeURIComponent(session)), `${current}\n`, {mode: 0o600})
  }
  return deleted
}
