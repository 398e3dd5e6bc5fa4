import {describe, expect, it} from 'vitest'

import {MAX_TOKEN_LIFETIME_S, checkTokenReply, signInToken} from '../../src/sso/token-reply.js'
import type {SsoSession} from '../../src/sso/types.js'
import {redactSecrets} from '../../src/ui/secrets.js'

// Pure logic: a CreateToken answer checked before anything of it is stored, and the token of a new sign-in.

const session: SsoSession = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access']}

describe('checkTokenReply', () => {
  it('registers the tokens for redaction before it checks them, so that even a refused answer never shows them', () => {
    const refused = {accessToken: 'at-refused-but-secret-1', refreshToken: 'rt-refused-but-secret-1', expiresIn: MAX_TOKEN_LIFETIME_S + 1}
    expect(() => checkTokenReply(refused)).toThrow(/lifetime \(expiresIn\) of 7776001 s, which is not plausible; nothing was stored/)
    expect(redactSecrets(`debug: ${refused.accessToken} ${refused.refreshToken}`)).toBe('debug: <redacted> <redacted>')
  })

  it('refuses an answer without an access token', () => {
    expect(() => checkTokenReply({expiresIn: 3600})).toThrow('Identity Center returned no access token; nothing was stored')
  })
})

describe('signInToken', () => {
  it('is the token of a new sign-in: its flow, its session, a lifetime from the answer, a sign-in id of its own', () => {
    let clock = 1_700_000_000_000
    const now = () => clock
    const reply = {accessToken: 'at-sign-in-123456', refreshToken: 'rt-sign-in-123456', expiresIn: 28_800}
    const first = signInToken(reply, session, 'auth-code', now)
    expect(first).toEqual({
      accessToken: reply.accessToken,
      expiresAt: new Date(clock + 28_800_000).toISOString(),
      refreshToken: reply.refreshToken,
      startUrl: session.startUrl,
      region: session.region,
      loggedInAt: new Date(clock).toISOString(),
      signInId: expect.stringMatching(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/),
      flow: 'auth-code',
    })
    clock += 1000
    // Another sign-in (the same answer even): another id, which credentials cached under the first are not served for.
    const second = signInToken({...reply, refreshToken: ''}, session, 'device-code', now)
    expect(second.signInId).not.toBe(first.signInId)
    expect(second).toMatchObject({flow: 'device-code', refreshToken: undefined, loggedInAt: new Date(clock).toISOString()})
  })
})
