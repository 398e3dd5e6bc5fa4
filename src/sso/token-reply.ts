import {randomUUID} from 'node:crypto'

import {KeylessError} from '../errors.js'
import {registerSecret} from '../ui/secrets.js'
import type {LoginFlow, SessionToken, SsoSession} from './types.js'

/** The longest access-token lifetime keyless believes. Identity Center's longest setting (the portal session)
 * is 90 days; a larger `expiresIn` (or a zero, negative or non-numeric one) is a broken server or proxy, and
 * storing it would make a dead token look valid for years. */
export const MAX_TOKEN_LIFETIME_S = 90 * 24 * 3600

/** The largest token, refresh token or role-credential secret keyless accepts. Real ones are 1-2 KB; a
 * multi-megabyte one is a broken server or proxy, and the keychain would need thousands of entries for it. */
export const MAX_SECRET_CHARS = 64 * 1024

const FIX = 'try again; if it persists, check for a proxy (or AWS_ENDPOINT_URL) between you and AWS'

/** Throws when a secret from a server is too large to be real. */
export function checkSecretSize(what: string, value: string | undefined): void {
  if (value !== undefined && value.length > MAX_SECRET_CHARS) {
    throw new KeylessError(
      `Identity Center returned ${what} of ${value.length.toLocaleString('en')} characters, too large to be real; nothing was stored`,
      FIX,
    )
  }
}

/** What a CreateToken answer holds that keyless keeps. */
export type TokenReply = {accessToken?: string; refreshToken?: string; expiresIn?: number}

/**
 * A CreateToken answer checked before anything of it is stored: an access token, a sane size, a plausible lifetime.
 * Its tokens are registered for redaction first, so that no later message or debug line can show them.
 */
export function checkTokenReply(out: TokenReply): {
  accessToken: string
  refreshToken?: string
  expiresIn: number
} {
  registerSecret(out.accessToken)
  registerSecret(out.refreshToken)
  if (!out.accessToken) throw new KeylessError('Identity Center returned no access token; nothing was stored', FIX)
  checkSecretSize('an access token', out.accessToken)
  checkSecretSize('a refresh token', out.refreshToken)
  const expiresIn = out.expiresIn
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0 || expiresIn > MAX_TOKEN_LIFETIME_S) {
    throw new KeylessError(
      `Identity Center returned an access token lifetime (expiresIn) of ${String(expiresIn).slice(0, 30)} s, which is not plausible; nothing was stored`,
      FIX,
    )
  }
  return {accessToken: out.accessToken, refreshToken: out.refreshToken || undefined, expiresIn}
}

/**
 * The session token of a new sign-in (either flow) from its CreateToken answer, checked: a new sign-in id, which
 * cached role credentials are bound to (a credential fetched under an earlier sign-in is not served after it).
 */
export function signInToken(out: TokenReply, session: SsoSession, flow: LoginFlow, now: () => number): SessionToken {
  const reply = checkTokenReply(out)
  return {
    accessToken: reply.accessToken,
    expiresAt: new Date(now() + reply.expiresIn * 1000).toISOString(),
    refreshToken: reply.refreshToken,
    startUrl: session.startUrl,
    region: session.region,
    loggedInAt: new Date(now()).toISOString(),
    signInId: randomUUID(),
    flow,
  }
}
