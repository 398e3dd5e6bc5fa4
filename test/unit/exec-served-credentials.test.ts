import {describe, expect, it} from 'vitest'

import {firstWarningOnly, servedCredentials} from '../../src/exec/served-credentials.js'
import type {RoleCredentials} from '../../src/sso/types.js'

// exec --server's answer to each request (issue 21 item 8), with a clock in hand.

const MIN = 60_000
const creds = (id: string, expiresAt: number): RoleCredentials => ({
  accessKeyId: id,
  secretAccessKey: 's',
  sessionToken: 't',
  expiresAt: new Date(expiresAt).toISOString(),
})

function setup(initialLifetimeMs: number, nextLifetimeMs: number) {
  let clock = 0
  const fetched: string[] = []
  const get = servedCredentials(
    creds('first', initialLifetimeMs),
    async () => {
      const c = creds(`fetch${fetched.length + 1}`, clock + nextLifetimeMs)
      fetched.push(c.accessKeyId)
      return c
    },
    () => clock,
  )
  return {get, fetched, at: (ms: number) => (clock = ms)}
}

describe('servedCredentials', () => {
  it('an hour of credentials: served until 15 minutes are left, then replaced once', async () => {
    const s = setup(60 * MIN, 60 * MIN)
    s.at(44 * MIN)
    expect((await s.get()).accessKeyId).toBe('first')
    s.at(45 * MIN)
    expect((await s.get()).accessKeyId).toBe('fetch1')
    s.at(46 * MIN)
    expect((await s.get()).accessKeyId).toBe('fetch1')
    expect(s.fetched).toEqual(['fetch1'])
  })

  it('40-second credentials: replaced when half their time is gone, not on every request', async () => {
    const s = setup(40_000, 40_000)
    for (let t = 0; t < 80_000; t += 1000) {
      s.at(t)
      await s.get()
    }
    // Due at 20 s, 40 s, 60 s: three fetches in 80 s of requests every second (the old endpoint: 80).
    expect(s.fetched).toEqual(['fetch1', 'fetch2', 'fetch3'])
  })

  it('concurrent requests when due share one fetch', async () => {
    const s = setup(40_000, 40_000)
    s.at(30_000)
    const all = await Promise.all([s.get(), s.get(), s.get(), s.get()])
    expect(all.map((c) => c.accessKeyId)).toEqual(['fetch1', 'fetch1', 'fetch1', 'fetch1'])
    expect(s.fetched).toHaveLength(1)
  })

  it('a failed fetch is not kept: the next request tries again', async () => {
    let calls = 0
    let clock = 0
    const get = servedCredentials(
      creds('first', 10_000),
      async () => {
        calls++
        if (calls === 1) throw new Error('network')
        return creds('second', 60 * MIN)
      },
      () => clock,
    )
    clock = 9000
    await expect(get()).rejects.toThrow('network')
    expect((await get()).accessKeyId).toBe('second')
  })
})

describe('firstWarningOnly', () => {
  it('writes the first line only, or none when one was written before', () => {
    const lines: string[] = []
    const warn = firstWarningOnly((l) => lines.push(l))
    warn('a')
    warn('b')
    expect(lines).toEqual(['a'])
    const quiet = firstWarningOnly((l) => lines.push(l), true)
    quiet('c')
    expect(lines).toEqual(['a'])
  })
})
