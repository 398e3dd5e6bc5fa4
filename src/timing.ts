// Every timing rule keyless follows, in one place, each with the reason it has this value.

/** Refresh an access token, and re-fetch role credentials, once less than this remains.
 * botocore refreshes credentials 15 minutes ahead and the JS SDK 5: serving anything with less
 * than 15 minutes left would make the AWS CLI call credential-process again straight away. */
export const EXPIRY_WINDOW_MS = 15 * 60 * 1000

/** Re-register the OIDC client this long before its secret expires, so a login never starts
 * with a registration that dies half-way through the device flow. */
export const REGISTRATION_EXPIRY_WINDOW_MS = 15 * 60 * 1000

/** Longest a single keychain call may take. A hung Secret Service (locked collection waiting
 * for a prompt nobody sees, dead D-Bus peer) must not hang every AWS command. */
export const KEYCHAIN_TIMEOUT_MS = Number(process.env.KEYLESS_KEYCHAIN_TIMEOUT_MS) || 5000

/** Added to the poll interval on each `slow_down`, as RFC 8628 section 3.5 says. */
export const SLOW_DOWN_INCREMENT_MS = 5000

/** A lock whose holder stopped touching it for this long is stale (its holder crashed). */
export const LOCK_STALE_MS = 10_000

/** Longest a caller waits for another process's lock before giving up with a clear error.
 * Longer than a device-authorization flow is not sensible for credential_process callers. */
export const LOCK_WAIT_MS = 60_000
