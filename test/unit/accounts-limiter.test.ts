import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {AdaptiveLimiter, type FailureKind} from '../../src/accounts/limiter.js'

/**
 * The limiter against a simulated Identity Center on fake timers: a token bucket (rate R, burst R, refilled
 * continuously, exactly as the emulator and AWS do), a fixed latency, and seeded faults. Simulated time
 * makes the throughput checks deterministic: they measure the algorithm, not this machine.
 */
class Throttled extends Error {
  override name = 'TooManyRequestsException'
}
class Fault extends Error {
  override name = 'InternalServerException'
}
class Fatal extends Error {
  override name = 'UnauthorizedException'
}
class Network extends Error {
  code = 'ECONNRESET'
}

const classify = (error: unknown): FailureKind =>
  error instanceof Throttled ? 'throttled' : error instanceof Fault ? 'fault' : error instanceof Network ? 'network' : 'fatal'

function seeded(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface ServerOptions {
  rate?: number
  latencyMs: number
  faultRate?: number
  /** Tokens in the bucket at the start (default: full). */
  initialTokens?: number
}

function simulatedServer(options: ServerOptions) {
  const random = seeded(7)
  let tokens = options.initialTokens ?? options.rate ?? 0
  let checkedAt = Date.now()
  let inFlight = 0
  const stats = {requests: 0, throttled: 0, faults: 0, maxInFlight: 0}
  const setRate = (rate: number) => (options.rate = rate)
  const call = <T>(value: T): Promise<T> => {
    stats.requests++
    inFlight++
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight)
    return new Promise<T>((resolve, reject) => {
      setTimeout(() => {
        inFlight--
        const rate = options.rate ?? 0
        if (rate > 0) {
          const now = Date.now()
          tokens = Math.min(rate, tokens + ((now - checkedAt) / 1000) * rate)
          checkedAt = now
          if (tokens < 1) {
            stats.throttled++
            return reject(new Throttled('Rate exceeded'))
          }
          tokens -= 1
        }
        if (options.faultRate && random() < options.faultRate) {
          stats.faults++
          return reject(new Fault('injected'))
        }
        resolve(value)
      }, options.latencyMs)
    })
  }
  return {call, stats, setRate}
}

async function settle<T>(promise: Promise<T>): Promise<{value: T; elapsedMs: number}> {
  const started = Date.now()
  let done = false
  let value: T | undefined
  let error: unknown
  promise.then(
    (v) => ((done = true), (value = v)),
    (e) => ((done = true), (error = e)),
  )
  for (let i = 0; !done && i < 1_000_000; i++) await vi.advanceTimersByTimeAsync(5)
  if (error) throw error
  return {value: value as T, elapsedMs: Date.now() - started}
}

beforeEach(() => {
  vi.useFakeTimers({now: 1_700_000_000_000})
})
afterEach(() => {
  vi.useRealTimers()
})

describe('AdaptiveLimiter', () => {
  it('runs every call unthrottled, growing from 4 to at most 32 in flight', async () => {
    const server = simulatedServer({latencyMs: 50})
    const limiter = new AdaptiveLimiter({classify, random: seeded(1)})
    const {value} = await settle(Promise.all(Array.from({length: 303}, (_, i) => limiter.run(() => server.call(i)))))
    expect(value).toEqual(Array.from({length: 303}, (_, i) => i))
    expect(server.stats.requests).toBe(303)
    expect(server.stats.maxInFlight).toBe(32)
    expect(limiter.stats().rate).toBeUndefined()
  })

  it('lands close to a 20 requests/s limit: every call done, few 429s, near the floor', async () => {
    const server = simulatedServer({rate: 20, latencyMs: 30})
    const limiter = new AdaptiveLimiter({classify, random: seeded(2)})
    const calls = 1010
    const {value, elapsedMs} = await settle(Promise.all(Array.from({length: calls}, (_, i) => limiter.run(() => server.call(i)))))
    expect(value).toHaveLength(calls)
    expect(new Set(value).size).toBe(calls)
    // The floor: the burst of 20, then one call per 50 ms.
    const floorMs = ((calls - 20) / 20) * 1000
    expect(elapsedMs / floorMs).toBeLessThan(1.1)
    // A storm would be hundreds; pacing keeps it to a trickle.
    expect(server.stats.throttled).toBeLessThan(calls * 0.1)
  })

  it('retries 5xx faults and 429s until every call succeeds', async () => {
    const server = simulatedServer({rate: 100, latencyMs: 20, faultRate: 0.05})
    const limiter = new AdaptiveLimiter({classify, random: seeded(3)})
    const {value} = await settle(Promise.all(Array.from({length: 900}, (_, i) => limiter.run(() => server.call(i)))))
    expect(value).toEqual(Array.from({length: 900}, (_, i) => i))
    expect(server.stats.faults).toBeGreaterThan(10)
    expect(server.stats.requests).toBe(900 + server.stats.faults + server.stats.throttled)
    const stats = limiter.stats()
    expect(stats.faults).toBe(server.stats.faults)
    expect(stats.throttled).toBe(server.stats.throttled)
  })

  it('follows a server whose rate drops half-way', async () => {
    const server = simulatedServer({rate: 40, latencyMs: 30})
    const limiter = new AdaptiveLimiter({classify, random: seeded(4)})
    const all = Promise.all(Array.from({length: 800}, (_, i) => limiter.run(() => server.call(i))))
    setTimeout(() => server.setRate(10), 5000)
    const {value, elapsedMs} = await settle(all)
    expect(value).toHaveLength(800)
    // The best possible: a burst of 40, 40/s for 5 s, then 10/s for the rest.
    const floorMs = 5000 + ((800 - 40 - 200) / 10) * 1000
    expect(elapsedMs / floorMs).toBeLessThan(1.15)
    expect(server.stats.throttled).toBeLessThan(800 * 0.1)
  })

  it('recovers from a bucket another client drained: a low first guess is probed upwards', async () => {
    const server = simulatedServer({rate: 20, latencyMs: 30, initialTokens: 0})
    const limiter = new AdaptiveLimiter({classify, random: seeded(5)})
    const calls = 1010
    const {value, elapsedMs} = await settle(Promise.all(Array.from({length: calls}, (_, i) => limiter.run(() => server.call(i)))))
    expect(value).toHaveLength(calls)
    expect(elapsedMs / ((calls / 20) * 1000)).toBeLessThan(1.2)
    expect(server.stats.throttled).toBeLessThan(calls * 0.15)
  })

  it('does not retry a fatal error', async () => {
    const limiter = new AdaptiveLimiter({classify})
    let calls = 0
    const failing = limiter.run(async () => {
      calls++
      throw new Fatal('no')
    })
    await expect(settle(failing)).rejects.toBeInstanceOf(Fatal)
    expect(calls).toBe(1)
  })

  it('gives up on a call after maxNetworkAttempts network failures', async () => {
    const limiter = new AdaptiveLimiter({classify, maxNetworkAttempts: 3})
    let calls = 0
    const failing = limiter.run(async () => {
      calls++
      throw new Network('reset')
    })
    await expect(settle(failing)).rejects.toBeInstanceOf(Network)
    expect(calls).toBe(3)
  })

  it('stops after maxFailuresInARow server faults with no success between them (a proxy answering 502)', async () => {
    const limiter = new AdaptiveLimiter({classify, maxFailuresInARow: 10})
    let calls = 0
    const all = Promise.all(
      Array.from({length: 5}, () =>
        limiter.run(async () => {
          calls++
          throw new Fault('bad gateway')
        }),
      ),
    )
    await expect(settle(all)).rejects.toBeInstanceOf(Fault)
    expect(calls).toBeGreaterThanOrEqual(10)
    expect(calls).toBeLessThan(20)
  })

  it('backs off exponentially with jitter between retries of one call', async () => {
    const delays: number[] = []
    const limiter = new AdaptiveLimiter({classify, random: () => 0.999, onRetry: (r) => delays.push(r.delayMs)})
    let calls = 0
    const eventually = limiter.run(async () => {
      if (++calls < 8) throw new Fault('busy')
      return 'ok'
    })
    expect((await settle(eventually)).value).toBe('ok')
    expect(delays.map((d) => Math.round(d))).toEqual([100, 200, 400, 799, 1598, 3197, 4995])
  })

  it('rejects queued and backing-off calls with the abort reason', async () => {
    const controller = new AbortController()
    const limiter = new AdaptiveLimiter({classify, signal: controller.signal, initialConcurrency: 1})
    const never = limiter.run(() => new Promise(() => {}))
    const queued = limiter.run(async () => 'never runs')
    setTimeout(() => controller.abort(new Error('deadline')), 100)
    await expect(settle(queued)).rejects.toThrow('deadline')
    void never
    await expect(limiter.run(async () => 1)).rejects.toThrow('deadline')
  })

  it('dispatches higher-priority calls first', async () => {
    const order: string[] = []
    const limiter = new AdaptiveLimiter({classify, initialConcurrency: 1, maxConcurrency: 1})
    const task = (name: string) => async () => {
      order.push(name)
      await new Promise((r) => setTimeout(r, 10))
    }
    const all = Promise.all([limiter.run(task('a')), limiter.run(task('b')), limiter.run(task('c'), 1), limiter.run(task('d'))])
    await settle(all)
    expect(order).toEqual(['a', 'c', 'b', 'd'])
  })
})
