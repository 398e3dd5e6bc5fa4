/** The OS keychain cannot be reached at all: no Secret Service, locked keychain, native module missing. */
export class KeychainUnavailableError extends Error {
  override name = 'KeychainUnavailableError'
  constructor(
    message: string,
    /** The one thing the user should do about it. */
    readonly fix: string,
  ) {
    super(message)
  }
}

/** A keychain call did not answer in time (a Secret Service that hangs waiting for an unlock prompt). */
export class KeychainTimeoutError extends KeychainUnavailableError {
  override name = 'KeychainTimeoutError'
}
