import {KeylessError} from '../errors.js'

/**
 * The OS keychain cannot be reached at all: no Secret Service, locked keychain, native module missing.
 * A KeylessError, so that every layer it passes through (the SSO flows' SDK-error net included) shows its own
 * line and fix instead of wrapping it as someone else's failure.
 */
export class KeychainUnavailableError extends KeylessError {
  override name = 'KeychainUnavailableError'
  constructor(
    message: string,
    /** The one thing the user should do about it. */
    override readonly fix: string,
  ) {
    super(message, fix)
  }
}

/** A keychain call did not answer in time (a Secret Service that hangs waiting for an unlock prompt). */
export class KeychainTimeoutError extends KeychainUnavailableError {
  override name = 'KeychainTimeoutError'
}

/** A live, unlocked keychain that was too slow to answer (a busy machine): not a locked one. */
export class KeychainSlowError extends KeychainTimeoutError {
  override name = 'KeychainSlowError'
}
