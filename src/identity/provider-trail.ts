/**
 * A logger for the AWS SDK credential chain that remembers why each link failed.
 *
 * The SDK's chain swallows a link's error and moves on (a failing credential_process ends as "Could not
 * load credentials from any providers"), but it logs each failure at debug level as
 * `@smithy/property-provider -> <message>`, after a `defaultProvider::<link>` line. This keeps the first
 * failure of each link so whoami can name the real cause. Everything is forwarded to `forward` too.
 */

interface Logger {
  trace: (...args: unknown[]) => void
  debug: (...args: unknown[]) => void
  info: (...args: unknown[]) => void
  warn: (...args: unknown[]) => void
  error: (...args: unknown[]) => void
}

const LINK = /defaultProvider::(\w+)/
const FAILURE = /^@smithy\/property-provider (?:->|\(!\)) ([\s\S]*)$/

export class ProviderTrail implements Logger {
  private link = 'start'
  private readonly failures = new Map<string, string>()

  constructor(private readonly forward?: Partial<Logger>) {}

  trace = (...args: unknown[]): void => this.forward?.trace?.(...args)
  info = (...args: unknown[]): void => this.forward?.info?.(...args)
  warn = (...args: unknown[]): void => this.forward?.warn?.(...args)
  error = (...args: unknown[]): void => this.forward?.error?.(...args)
  debug = (...args: unknown[]): void => {
    this.forward?.debug?.(...args)
    const text = args.filter((arg) => typeof arg === 'string').join(' ')
    const link = LINK.exec(text)
    if (link?.[1]) {
      this.link = link[1]
      return
    }
    const failure = FAILURE.exec(text)
    if (failure?.[1] && !this.failures.has(this.link)) this.failures.set(this.link, failure[1])
  }

  /** Why the profile links (fromIni, then fromProcess) failed, if they failed for a reason worth showing. */
  profileFailure(): string | undefined {
    for (const link of ['fromIni', 'fromProcess']) {
      const message = this.failures.get(link)
      if (message && !/could not be found|did not contain credential_process|not found in/i.test(message)) return message
    }
    return undefined
  }
}
