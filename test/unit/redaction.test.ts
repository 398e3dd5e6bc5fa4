import {describe, expect, it} from 'vitest'

import {KeylessError, printable, terminalSafeJson, toUserLine} from '../../src/errors.js'
import {serverDescription} from '../../src/sso/errors.js'
import {redact} from '../../src/ui/debug.js'
import {registerSecret, registerSecretsOf} from '../../src/ui/secrets.js'

// Issue 17, items 4 and 5: the pure functions every line keyless prints passes through.

describe('printable: server strings are one line with no control or direction characters', () => {
  it.each([
    ['a\nkeyless: run: curl x | sh', 'a keyless: run: curl x | sh'],
    ['a\r\n\tb', 'a b'],
    ['line\u2028sep', 'line sep'],
    ['evil\u001b[31mred\u0007', 'evil[31mred'],
    ['csi\u009b2J', 'csi2J'],
    ['invoice\u202egnp.exe', 'invoicegnp.exe'],
    ['x\u2066y\u2069z\u200f\u061c', 'xyz'],
    ['plain ünïcode', 'plain ünïcode'],
  ])('%j -> %j', (input, expected) => {
    expect(printable(input)).toBe(expected)
  })

  it('--json escapes direction controls too (the value round-trips)', () => {
    const text = terminalSafeJson({name: 'a\u202eb\u2066c'})
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/)
    expect(JSON.parse(text)).toEqual({name: 'a\u202eb\u2066c'})
  })
})

describe('redaction', () => {
  it('secret fields in plain, escaped and doubly escaped JSON, form bodies and headers', () => {
    const inner = {refreshToken: 'r-secret-value-1', clientSecret: 'c-secret-value-1', clientId: 'visible-id'}
    for (const text of [
      JSON.stringify(inner),
      JSON.stringify(JSON.stringify(inner)),
      JSON.stringify(JSON.stringify(JSON.stringify(inner))),
      'grant_type=refresh_token&refresh_token=r-secret-value-1&client_secret=c-secret-value-1&client_id=visible-id',
    ]) {
      const out = redact(text)
      expect(out).not.toContain('r-secret-value-1')
      expect(out).not.toContain('c-secret-value-1')
      expect(out).toContain('visible-id')
    }
    expect(redact('x-amz-sso_bearer_token: bearer-value-123')).not.toContain('bearer-value-123')
  })

  it('a registered secret is removed wherever it appears, error lines included', () => {
    registerSecretsOf({accessToken: 'registered-access-token-1', expiresAt: 'x'})
    registerSecret('registered-secret-2')
    expect(redact('said registered-access-token-1 and registered-secret-2')).toBe('said <redacted> and <redacted>')
    expect(new KeylessError('bad registered-secret-2', 'fix').toLine()).toBe('keyless: bad <redacted>; fix')
    expect(toUserLine(new Error('oops registered-access-token-1\nsecond line'))).toBe('keyless: oops <redacted>')
  })

  it('serverDescription: a short sentence, never a body or an echo', () => {
    expect(serverDescription('Invalid account id')).toBe('Invalid account id')
    expect(serverDescription('{"refreshToken":"x"}')).toBe('')
    expect(serverDescription('grant_type=refresh_token&refresh_token=abc')).toBe('')
    expect(serverDescription('<html>proxy</html>')).toBe('')
    expect(serverDescription('token registered-secret-2 rejected')).toBe('')
    expect(serverDescription('a\u001bbold\u0007b\nsecond')).toBe('aboldb')
    expect(serverDescription('x'.repeat(500))).toHaveLength(120)
  })
})

describe('sanitise first, then redact (issue 20, item 4)', () => {
  const SECRET = 'aoa-SECRETTOKENVALUE0123456789abcdef'
  registerSecret(SECRET)
  // A server echoing the token with a control character, a line break or a direction control inside it.
  const disguised = [
    'aoa-S\u0007ECRETTOKENVALUE0123456789abcdef',
    'aoa-SECRET\u001b[0mTOKENVALUE0123456789abcdef'.replace('[0m', ''),
    'aoa-SECRETTOKEN\u202eVALUE0123456789abcdef',
    'aoa-SECRET\nTOKENVALUE0123456789abcdef',
    'aoa-SECRET\r\n\tTOKENVALUE0123456789abcdef',
  ]
  for (const echoed of disguised) {
    it(`${JSON.stringify(echoed.slice(0, 16))}...: not in an error line, a fallback line, a server description or --debug`, () => {
      const lines = [
        new KeylessError(`the server said: ${echoed}`, 'try again').toLine(),
        toUserLine(new Error(`boom ${echoed} boom`), 'try again'),
        serverDescription(`Invalid token ${echoed}`),
        redact(`keyless:sdk response ${echoed}\n  at stack ${echoed}`),
      ]
      for (const line of lines) {
        expect(line).not.toContain(SECRET)
        expect(line.replace(/\s/g, '')).not.toContain(SECRET)
        expect(line).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/)
      }
      expect(lines[0]).toBe('keyless: the server said: <redacted>; try again')
    })
  }
})
