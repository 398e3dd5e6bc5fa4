/**
 * Debug output (`--debug`, or DEBUG=keyless* in the environment) on stderr, with secrets redacted at this one
 * choke point: every value registered as secret, and every JSON/SDK field whose name says it holds one.
 */
import {safeLines} from '../errors.js'

export {registerSecret, registerSecretsOf} from './secrets.js'
let enabled = /(^|,)\s*keyless(\*|:|,|$)/.test(process.env.DEBUG ?? '')

export function enableDebug(): void {
  enabled = true
}
export function debugEnabled(): boolean {
  return enabled
}

/**
 * Registered secrets and secret-named fields (plain, escaped or nested JSON, form bodies) become <redacted>, after
 * the text was sanitised (terminal controls dropped, line breaks kept): see safeLine for why in that order.
 */
export function redact(text: string): string {
  return safeLines(text)
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
