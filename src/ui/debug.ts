/**
 * Debug output (`--debug`, or DEBUG=keyless* in the environment) on stderr, with secrets redacted at this one
 * choke point: every value registered as secret, and every JSON/SDK field whose name says it holds one.
 */
const secrets = new Set<string>()
let enabled = /(^|,)\s*keyless(\*|:|,|$)/.test(process.env.DEBUG ?? '')

export function enableDebug(): void {
  enabled = true
}
export function debugEnabled(): boolean {
  return enabled
}

/** Anything registered here never appears in debug output, whatever carries it. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) secrets.add(value)
}

const SECRET_FIELDS =
  /("?(?:accessToken|refreshToken|clientSecret|secretAccessKey|SecretAccessKey|sessionToken|SessionToken|deviceCode|access_token|refresh_token|client_secret|device_code|x-amz-sso_bearer_token)"?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,}]+)/g

export function redact(text: string): string {
  let out = text.replace(SECRET_FIELDS, '$1"<redacted>"')
  for (const secret of secrets) out = out.split(secret).join('<redacted>')
  return out
}

export function debug(scope: string, message: string, data?: unknown): void {
  if (!enabled) return
  const detail = data === undefined ? '' : ' ' + safeStringify(data)
  process.stderr.write(redact(`keyless:${scope} ${message}${detail}`) + '\n')
}

/** A logger for the AWS SDK clients, so `--debug` shows their calls through the same redaction. */
export const sdkLogger = {
  trace: () => {},
  debug: (...args: unknown[]) => debug('sdk', args.map(safeStringify).join(' ')),
  info: (...args: unknown[]) => debug('sdk', args.map(safeStringify).join(' ')),
  warn: (...args: unknown[]) => debug('sdk', args.map(safeStringify).join(' ')),
  error: (...args: unknown[]) => debug('sdk', args.map(safeStringify).join(' ')),
}

function safeStringify(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}
