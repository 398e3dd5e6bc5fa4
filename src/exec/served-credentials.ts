import type {RoleCredentials} from '../sso/types.js'
import {EXPIRY_WINDOW_MS, SHORT_CREDENTIALS_REFETCH_FRACTION} from '../timing.js'

interface Held {
  credentials: RoleCredentials
  /** When they are to be replaced (epoch ms). */
  due: number
}

/**
 * What `exec --server` answers each request with: the credentials it holds until they are due, then new ones from
 * `fetch` (the keychain cache and single flight), one fetch at a time for any number of concurrent requests.
 * Credentials with more than 15 minutes left are due when 15 minutes remain (the cache's own rule); ones that
 * arrived with less are due once half the time they had is gone, so a short permission-set session costs one
 * GetRoleCredentials per half-life instead of one per SDK call.
 */
export function servedCredentials(
  initial: RoleCredentials,
  fetch: () => Promise<RoleCredentials>,
  now: () => number = Date.now,
): () => Promise<RoleCredentials> {
  const hold = (credentials: RoleCredentials): Held => {
    const expires = Date.parse(credentials.expiresAt)
    const left = expires - now()
    const due = left > EXPIRY_WINDOW_MS ? expires - EXPIRY_WINDOW_MS : expires - left * (1 - SHORT_CREDENTIALS_REFETCH_FRACTION)
    return {credentials, due}
  }
  let held = hold(initial)
  let inFlight: Promise<RoleCredentials> | undefined
  return () => {
    if (now() < held.due) return Promise.resolve(held.credentials)
    inFlight ??= fetch()
      .then((credentials) => {
        held = hold(credentials)
        return credentials
      })
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }
}

/** A warning writer that writes the first line only (`already`: one was written before it was made). */
export function firstWarningOnly(write: (line: string) => void, already = false): (line: string) => void {
  let written = already
  return (line) => {
    if (written) return
    written = true
    write(line)
  }
}
