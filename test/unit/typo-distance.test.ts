import {describe, expect, it} from 'vitest'

import {closestCommand, closestTypedCommand} from '../../src/hooks/command-not-found.js'
import {typoDistance} from '../../src/hooks/typo-distance.js'

const IDS = ['accounts', 'audit', 'configure', 'console', 'env', 'exec', 'login', 'logout', 'profiles:sync', 'status', 'whoami']

describe('typoDistance (optimal string alignment)', () => {
  it.each([
    ['exec', 'exec', 0],
    ['exce', 'exec', 1], // one swap of neighbours
    ['ecex', 'exec', 2], // two letters that differ
    ['stauts', 'status', 1],
    ['acocutns', 'accounts', 2],
    ['', 'env', 3],
    ['env', '', 3],
    ['ca', 'abc', 3], // OSA, not full Damerau: a swapped pair is not edited again
  ])('%s → %s = %i', (a, b, d) => {
    expect(typoDistance(a, b)).toBe(d)
    expect(typoDistance(b, a)).toBe(d)
  })
})

describe('the command a typo meant', () => {
  it('the words after the typed command are its arguments (keyless ecex foo)', () => {
    expect(closestTypedCommand(['ecex', 'foo'], IDS)).toEqual({typed: ['ecex'], id: 'exec'})
    expect(closestTypedCommand(['exce', '--', 'aws'], IDS)).toEqual({typed: ['exce'], id: 'exec'})
    expect(closestTypedCommand(['profile', 'sync'], IDS)).toEqual({typed: ['profile', 'sync'], id: 'profiles:sync'})
    expect(closestTypedCommand(['frobnicate', 'x'], IDS)).toBeUndefined()
  })

  it('two swaps in a long word are still a typo; a different word is not', () => {
    expect(closestCommand('acocutns', IDS)).toBe('accounts')
    expect(closestCommand('deploy', IDS)).toBeUndefined()
  })
})
