/**
 * Every failure keyless reports is one line: what went wrong, then what to run next.
 * Modules throw these; the command layer prints `keyless: <message>; <fix>` and exits with `exitCode`.
 */
import {redactSecrets} from './ui/secrets.js'

/** Marks every KeylessError, in whichever copy of this module made it (see Symbol.hasInstance below). */
const KEYLESS_ERROR = Symbol.for('keyless.KeylessError')

export class KeylessError extends Error {
  override name = 'KeylessError'
  readonly [KEYLESS_ERROR] = true

  /**
   * `error instanceof KeylessError` also holds for one thrown by another copy of this module: the
   * credential-process hot path is two bundles of its own (dist/credential-process/hit.cjs and hot.cjs) that load
   * the ESM modules of a cache miss lazily. Subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    return (
      this === KeylessError && typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[KEYLESS_ERROR] === true
    )
  }

  constructor(
    message: string,
    /** The one thing to do next, e.g. `run: keyless login --session acme`. */
    readonly fix?: string,
    readonly exitCode: number = 1,
  ) {
    super(message)
  }

  /** The single line shown to the user (no "Error:" prefix, no stack). */
  toLine(): string {
    const line = this.fix ? `keyless: ${this.message}; ${this.fix}` : `keyless: ${this.message}`
    // Messages quote servers and files: never a terminal escape, never a secret, always one line.
    return safeLine(line)
  }
}

/** Exit codes from PRODUCT.md section 4. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  strictViolation: 3,
  accountMismatch: 4,
  interrupted: 130,
} as const

/**
 * Text that came from a server or a file, made safe to show as one line: line breaks and tabs (CR, LF, TAB,
 * U+2028/U+2029) become a space, so a server string cannot start a forged `keyless: ...` line of its own; other
 * C0/C1 control characters (terminal escape sequences) and the Unicode direction controls (U+061C, U+200E-U+200F,
 * U+202A-U+202E, U+2066-U+2069: text that displays in another order than it reads) are removed.
 */
export function printable(text: string): string {
  return (
    text
      .replace(/[\t\n\r\u2028\u2029]+/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
  )
}

/** JSON for stdout that no terminal can mistake for control sequences (C1 and direction controls escaped, too). */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/**
 * Any failure as the one line keyless prints: a KeylessError's own line, an error carrying a `fix` (the
 * keychain's), else the first line of its message with `fallbackFix`.
 */
export function toUserLine(error: unknown, fallbackFix?: string): string {
  if (error instanceof KeylessError) return error.toLine()
  const e = error as {message?: unknown; fix?: unknown}
  const message = String(e?.message ?? error).split('\n')[0] ?? ''
  const fix = typeof e?.fix === 'string' ? e.fix : fallbackFix
  return safeLine(fix ? `keyless: ${message}; ${fix}` : `keyless: ${message}`)
}

/**
 * Server or file text made fit to print, in this order: sanitised first (printable), then redacted. The other way
 * round, a secret a server echoes with a control character inside (`aoa-S\u0007ECRET`) passes redaction and is
 * whole again once the control character is dropped. The one choke point for error lines.
 */
export function safeLine(text: string): string {
  return redactSecrets(printable(text))
}

/** As safeLine, keeping line breaks (a stack trace, multi-line debug output): every other control is dropped. */
export function safeLines(text: string): string {
  // eslint-disable-next-line no-control-regex
  const sanitised = text
    .replace(/\r\n?/g, '\n')
    .replace(/[\t\u2028\u2029]/g, ' ')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
  return redactSecrets(sanitised)
}
