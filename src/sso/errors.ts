import {KeylessError, printable, safeLines} from '../errors.js'

export class SessionExpiredError extends KeylessError {
  override name = 'SessionExpiredError'
  /** False when nothing of the session is stored (never signed in, or signed out): "not signed in". */
  readonly signedIn: boolean
  constructor(
    readonly session: string,
    options: {signedIn?: boolean; reason?: string} = {},
  ) {
    // `reason`: what ended it, when keyless knows more than "expired" (shown in brackets).
    super(
      `SSO session "${session}" ${sessionGone(options.signedIn !== false)}${options.reason ? ` (${options.reason})` : ''}`,
      `run: keyless login --session ${session}`,
    )
    this.signedIn = options.signedIn !== false
  }
}

/** The words for a session without a usable sign-in: "has expired" only when there was one (README wording). */
export function sessionGone(signedIn: boolean): string {
  return signedIn ? 'has expired' : 'is not signed in'
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  TimeoutError: 'timed out',
}

/** The network cause of an SDK failure ("connection refused"), or undefined when it is not a network failure. */
export function networkCause(error: unknown): string | undefined {
  const e = error as {code?: string; name?: string; cause?: unknown; errors?: unknown[]}
  if (e?.code && NETWORK_CODES[e.code]) return NETWORK_CODES[e.code]
  if (e?.name && NETWORK_CODES[e.name]) return NETWORK_CODES[e.name]
  if (Array.isArray(e?.errors)) for (const inner of e.errors) if (networkCause(inner)) return networkCause(inner)
  if (e?.cause) return networkCause(e.cause)
  return undefined
}

/** Where the SDK sends requests for this region: the emulator when AWS_ENDPOINT_URL says so. */
export function endpointFor(service: 'oidc' | 'portal', region: string): string {
  const override =
    process.env.AWS_ENDPOINT_URL_SSO_OIDC && service === 'oidc'
      ? process.env.AWS_ENDPOINT_URL_SSO_OIDC
      : process.env.AWS_ENDPOINT_URL_SSO && service === 'portal'
        ? process.env.AWS_ENDPOINT_URL_SSO
        : process.env.AWS_ENDPOINT_URL
  if (override) return override
  return service === 'oidc' ? `https://oidc.${region}.amazonaws.com` : `https://portal.sso.${region}.amazonaws.com`
}

/**
 * Turns any failure of an Identity Center call into a one-line KeylessError that says what to do next.
 * Known API errors are handled by the caller first; this is the net under them.
 */
export function explainSdkError(
  error: unknown,
  context: {service: 'oidc' | 'portal'; region: string; session: string; startUrl?: string},
): KeylessError {
  if (error instanceof KeylessError) return error
  const cause = networkCause(error)
  if (cause) {
    return new KeylessError(
      `cannot reach AWS Identity Center at ${endpointFor(context.service, context.region)} (${cause})`,
      'check your network or VPN, and the sso_region of the session in your AWS config',
    )
  }
  if ((error as Error)?.name === 'ResponseTooLargeError') {
    return new KeylessError(
      `${endpointFor(context.service, context.region)} sent an answer too large (over 1 MB): not AWS Identity Center (a proxy?)`,
      'check your network and proxy (and AWS_ENDPOINT_URL), then try again',
    )
  }
  const e = error as {
    name?: string
    message?: string
    $metadata?: {httpStatusCode?: number}
    $response?: {statusCode?: number; headers?: Record<string, string>}
  }
  if (e?.name === 'SyntaxError' && e.$response) {
    // An answer that is not JSON at all: something else than Identity Center answered (proxy, Wi-Fi sign-in page).
    const type = e.$response.headers?.['content-type']?.split(';')[0]?.trim() || 'a body'
    return new KeylessError(
      `${endpointFor(context.service, context.region)} answered HTTP ${e.$response.statusCode ?? '?'} with ${printable(type).slice(0, 60)} that is not JSON: ` +
        'not AWS Identity Center (a proxy, or a Wi-Fi sign-in page?)',
      'check your network and proxy (and AWS_ENDPOINT_URL), then try again',
    )
  }
  const status = e?.$metadata?.httpStatusCode
  if (e?.name === 'UnauthorizedException' || e?.name === 'InvalidGrantException') return new SessionExpiredError(context.session)
  if (status && status >= 500) {
    return new KeylessError(`AWS Identity Center answered with an error (HTTP ${status}: ${e.name})`, 'try again in a minute')
  }
  const code = e?.name && e.name !== 'Error' && /^[A-Za-z.]{1,64}$/.test(e.name) ? e.name : 'Error'
  // sso-oidc errors carry the server's reason in error_description; their message is often just "UnknownError".
  const serverReason = (error as {error_description?: unknown})?.error_description
  const description = serverDescription(typeof serverReason === 'string' && serverReason.trim() !== '' ? serverReason : e?.message)
  if (/start ?url/i.test(description)) {
    const url = context.startUrl ? ` (${printable(context.startUrl)})` : ''
    return new KeylessError(
      `AWS Identity Center refused the sign-in (${code}: ${description})`,
      `check sso_start_url of [sso-session ${context.session}]${url}: run: keyless configure --session ${context.session} --start-url https://...`,
    )
  }
  return new KeylessError(
    `AWS Identity Center call failed (${code}${description ? `: ${description}` : ''})`,
    'run again with --debug for details',
  )
}

/**
 * What a server said about its error, fit to quote in an error line: never its raw body. One line, no control
 * characters, secrets redacted, at most 120 characters; nothing at all when it looks like a body or a request
 * echoed back (JSON, XML, a form) rather than a sentence.
 */
export function serverDescription(message: unknown): string {
  if (typeof message !== 'string') return ''
  // Sanitised and redacted whole, then cut to its first line: a secret split across lines is still caught.
  const line = (safeLines(message).split('\n')[0] ?? '').trim()
  // The SDK's placeholder when the body has no message is no description either.
  if (/[{}<>[\]=&]|<redacted>/.test(line) || line === 'UnknownError') return ''
  return line.length > 120 ? line.slice(0, 119) + '…' : line
}
