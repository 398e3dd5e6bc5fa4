import {STORE_KEY} from '../keychain/stores.js'

/** Past this many characters (the whole file, read when only it can tell) the section is parsed before the read. */
const MAX_DEFERRED_PARSE = 16 * 1024

/**
 * A session section's text that cannot name a store (no `keyless_store` in it, in any case: key names are
 * lower-cased), so the session is in the keychain, the default: credential-process sends its keychain read before
 * the section is parsed, and parses it while the keychain answers. Any other section is parsed first, so that the
 * kernel-keyring path never loads keytar.
 */
export const inKeychain = (text: string): boolean => text.length <= MAX_DEFERRED_PARSE && !text.toLowerCase().includes(STORE_KEY)
