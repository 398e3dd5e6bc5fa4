import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'

/**
 * PKCE (RFC 7636) for the authorization-code login. The verifier is 32 bytes from the CSPRNG as base64url:
 * 43 characters of [A-Za-z0-9-_], the shortest the RFC allows and 256 bits of entropy (section 7.1).
 */
export function createCodeVerifier(): string {
  return randomBytes(32).toString('base64url')
}

/** The S256 challenge: BASE64URL(SHA256(ASCII(verifier))) without padding (RFC 7636 section 4.2). */
export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

/** A fresh `state`: 128 bits from the CSPRNG, so a forged callback cannot guess it. */
export function createState(): string {
  return randomBytes(16).toString('base64url')
}

/** Whether the callback's `state` is ours, in constant time; a missing state never matches. */
export function sameState(expected: string, received: string | null | undefined): boolean {
  if (typeof received !== 'string') return false
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(received, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
