import {describe, expect, it} from 'vitest'

import {failure, timeoutSeconds} from '../../src/keychain/kernel-keyring.js'
import {parseStoreKind} from '../../src/keychain/stores.js'

describe('keyless_store', () => {
  it('absent or empty: the keychain; the two known stores; anything else is an error naming the fix', () => {
    expect(parseStoreKind(undefined, 'acme')).toBe('keychain')
    expect(parseStoreKind('  ', 'acme')).toBe('keychain')
    expect(parseStoreKind('kernel-keyring', 'acme')).toBe('kernel-keyring')
    expect(parseStoreKind(' Keychain ', 'acme')).toBe('keychain')
    expect(() => parseStoreKind('file', 'acme')).toThrow(/keyless_store = file, which is not a store keyless knows/)
  })
})

describe('kernel keyring entries', () => {
  it('time out when what they hold expires (at least 1 s; no expiry known: 90 days)', () => {
    const now = Date.parse('2030-01-01T00:00:00Z')
    expect(timeoutSeconds('2030-01-01T01:00:00Z', now)).toBe(3600)
    expect(timeoutSeconds('2030-01-01T00:00:00.200Z', now)).toBe(1)
    expect(timeoutSeconds('2029-12-31T00:00:00Z', now)).toBe(1)
    expect(timeoutSeconds(undefined, now)).toBe(90 * 24 * 3600)
    expect(timeoutSeconds('not a date', now)).toBe(90 * 24 * 3600)
  })

  it.each([
    ['keyctl_add: Operation not permitted', /seccomp profile/, /allow keyctl, add_key and request_key/],
    ['keyctl_search: Function not implemented', /CONFIG_KEYS/, /seccomp/],
    ['keyctl_add: Disk quota exceeded', /quota of this user is full/, /keyless logout --all/],
    ['keyctl_read_alloc: Permission denied', /denied access/, /keyctl clear @u|as the user/],
    ['keyctl_update: Something new', /failed to write \(Something new\)/, /keyctl show @u/],
  ])('keyctl saying "%s": one line with the cause and the fix', (stderr, message, fix) => {
    const error = failure('write', stderr + '\n')
    expect(error.message).toMatch(message)
    expect(error.fix).toMatch(fix)
    expect(error.toLine()).not.toContain('\n')
  })
})
