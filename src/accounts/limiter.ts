import {setMaxListeners} from 'node:events'

import {
  PORTAL_BACKOFF_BASE_MS,
  PORTAL_BACKOFF_CAP_MS,
  RATE_ESTIMATE_MIN_SPAN_MS,
  RATE_ESTIMATE_WINDOW_MS,
  RATE_PROBE_AFTER_MS,
} from '../timing.js'

/** How a failed call is treated: retried as throttling (429), retried as a server fault (5xx), retried a few
 * times as a network failure, or not retried at all (401, 403, a bad request: the caller's problem). */
export type FailureKind = 'throttled' | 'fault' | 'network' | 'fatal'

export interface LimiterOptions {
  /** Which kind of failure an error is. */
  classify: (error: unknown) => FailureKind
  /** Calls in flight at the start (default 4): few enough not to trip a throttle straight away. */
  initialConcurrency?: number
  /** Never more calls in flight than this (default 32). */
  maxConcurrency?: number
  /** A call failing on the network this many times fails for good (default 5): a wrong endpoint must not
   * be retried until the deadline. 429s and 5xx are retried until the signal aborts. */
  maxNetworkAttempts?: number
  /** This many server faults (5xx) or network failures in a row, with no success in between across all calls,
   * end the listing (default 15): a proxy that answers 502 to everything gives up in about 20 s of backoff
   * instead of retrying until the deadline, while 35% random faults (15 in a row: odds of 1.4e-7) never trip
   * it. 429s do not count: throttling is paced, not failed. */
  maxFailuresInARow?: number
  /** Aborting it rejects every queued and waiting call with the signal's reason; in-flight calls get it too. */
  signal?: AbortSignal
  now?: () => number
  random?: () => number
  /** Told about every retry (for --debug). */
  onRetry?: (info: {kind: FailureKind; attempt: number; delayMs: number; concurrency: number; rate?: number}) => void
}

export interface LimiterStats {
  /** Requests started, retries included. */
  calls: number
  succeeded: number
  throttled: number
  faults: number
  networkErrors: number
  /** The concurrency limit and the paced rate (requests/s; undefined until the first 429) right now. */
  concurrency: number
  rate: number | undefined
}

interface Job {
  run: (signal: AbortSignal) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  priority: number
  seq: number
  attempt: number
  networkFailures: number
  sentAt: number
}

/** The paced rate never drops below this many requests per second, whatever the measurements say. */
const MIN_RATE = 0.5
/** Pace this much above the measured server rate: the server's bucket stays just empty (every token it
 * grants is used) at the price of ~2% of calls answered 429 and retried, and those 429s keep the measurement
 * current. */
const OVERSHOOT = 0.03
/** Multipliers of successive upward probes with no 429 in between: gentle at first (in steady state a probe
 * only finds the limit again), then fast (a first guess that was low, or a quota that grew). */
const PROBE_STEPS = [1.1, 1.25, 1.5, 2]
/** The first guess of the server's rate is never below this many requests per second. */
const MIN_FIRST_GUESS = 2

/**
 * A client-side limiter for a burst of calls against a rate-limited API (Identity Center's portal: ~20
 * requests/s per organisation, 429 TooManyRequestsException beyond it). It owns retrying: the SDK's own
 * retries are off.
 *
 * Two controls:
 * - **Concurrency (AIMD)**: starts at 4; +1 per success while no failure has been seen (slow start, doubling
 *   per round trip), then +1 per `limit` successes in a row; halved by a 5xx, a network failure, or the first
 *   429, at most once per round trip (a failure of a call sent before the last decrease says nothing new).
 *   Capped at 32. Unthrottled, this alone decides the speed.
 * - **Rate (a paced token bucket that learns the server's rate)**: off until the first 429. A 429 means the
 *   server's bucket is empty at that moment, so between two 429s the server admitted exactly
 *   rate × time calls: the answers that were not 429 in that span, divided by the span, *is* the server's
 *   rate, measured over the last few seconds. Calls are then released one every 1/rate seconds, paced at the
 *   measured rate +3%. After each 429 everyone waits one extra slot. With no 429 for a second the rate is
 *   probed higher, every second (+10%,
 *   +25%, +50%, then doubling until a 429 answers). Under a 20 requests/s bucket it settles at ~20 requests/s with a trickle of 429s
 *   instead of the storm a fixed concurrency causes.
 * - Each retry waits a full-jitter exponential backoff (random 0..min(5 s, 100 ms × 2^attempt)), then
 *   queues again ahead of newer work. Higher `priority` calls are dispatched first.
 */
export class AdaptiveLimiter {
  private limit: number
  private readonly maxConcurrency: number
  private readonly maxNetworkAttempts: number
  private inFlight = 0
  private slowStart = true
  private streak = 0
  private lastDecreaseAt = Number.NEGATIVE_INFINITY
  private rate: number | undefined
  private nextSlotAt = Number.NEGATIVE_INFINITY
  private lastThrottleAt = Number.NEGATIVE_INFINITY
  private lastProbeAt = Number.NEGATIVE_INFINITY
  private probes = 0
  /** When answers that used a server token (anything but a 429) arrived, over the estimate window. */
  private admitted: number[] = []
  /** When 429s arrived, over the estimate window. */
  private throttles: number[] = []
  private queue: Job[] = []
  private readonly backingOff = new Map<Job, ReturnType<typeof setTimeout>>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private seq = 0
  private readonly now: () => number
  private readonly random: () => number
  private readonly controller = new AbortController()
  private readonly counts = {calls: 0, succeeded: 0, throttled: 0, faults: 0, networkErrors: 0}
  /** Faults and network failures since the last success, over all calls. */
  private failuresInARow = 0

  constructor(private readonly options: LimiterOptions) {
    this.limit = options.initialConcurrency ?? 4
    this.maxConcurrency = options.maxConcurrency ?? 32
    this.maxNetworkAttempts = options.maxNetworkAttempts ?? 5
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    // Every call in flight listens to this signal (up to maxConcurrency): not a leak.
    setMaxListeners(0, this.controller.signal)
    const outer = options.signal
    if (outer?.aborted) this.abort(outer.reason)
    else outer?.addEventListener('abort', () => this.abort(outer.reason), {once: true})
  }

  /** Runs `fn` when the limits allow, retrying it on 429, 5xx and network failures. */
  run<T>(fn: (signal: AbortSignal) => Promise<T>, priority = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.controller.signal.aborted) return reject(this.controller.signal.reason)
      const job: Job = {
        run: fn,
        resolve: resolve as (value: unknown) => void,
        reject,
        priority,
        seq: this.seq++,
        attempt: 0,
        networkFailures: 0,
        sentAt: 0,
      }
      this.enqueue(job)
      this.pump()
    })
  }

  stats(): LimiterStats {
    return {...this.counts, concurrency: this.limit, rate: this.rate}
  }

  private abort(reason: unknown): void {
    if (this.controller.signal.aborted) return
    this.controller.abort(reason)
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    for (const [job, timer] of this.backingOff) {
      clearTimeout(timer)
      job.reject(reason)
    }
    this.backingOff.clear()
    for (const job of this.queue.splice(0)) job.reject(reason)
  }

  /** Keeps the queue ordered: higher priority first, then older (a retry keeps its place). */
  private enqueue(job: Job): void {
    let i = this.queue.length
    while (i > 0) {
      const before = this.queue[i - 1]!
      if (before.priority > job.priority || (before.priority === job.priority && before.seq < job.seq)) break
      i--
    }
    this.queue.splice(i, 0, job)
  }

  private pump(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    while (this.queue.length > 0 && this.inFlight < this.limit && !this.controller.signal.aborted) {
      const now = this.now()
      if (this.rate !== undefined) {
        this.maybeProbe(now)
        if (now < this.nextSlotAt) {
          this.timer = setTimeout(() => this.pump(), Math.ceil(this.nextSlotAt - now))
          return
        }
        const interval = 1000 / this.rate
        // One slot of slack makes up for timers that fire a little late, without allowing a burst.
        this.nextSlotAt = Math.max(this.nextSlotAt, now - interval) + interval
      }
      this.start(this.queue.shift()!, now)
    }
  }

  private start(job: Job, now: number): void {
    this.inFlight++
    this.counts.calls++
    job.sentAt = now
    let promise: Promise<unknown>
    try {
      promise = job.run(this.controller.signal)
    } catch (error) {
      promise = Promise.reject(error)
    }
    promise.then(
      (value) => {
        this.inFlight--
        this.succeeded(this.now())
        job.resolve(value)
        this.pump()
      },
      (error: unknown) => {
        this.inFlight--
        this.failed(job, error, this.now())
        this.pump()
      },
    )
  }

  private succeeded(now: number): void {
    this.counts.succeeded++
    this.failuresInARow = 0
    this.record(this.admitted, now)
    if (this.slowStart) this.limit = Math.min(this.maxConcurrency, this.limit + 1)
    else if (++this.streak >= this.limit) {
      this.limit = Math.min(this.maxConcurrency, this.limit + 1)
      this.streak = 0
    }
  }

  private failed(job: Job, error: unknown, now: number): void {
    if (this.controller.signal.aborted) return job.reject(this.controller.signal.reason)
    const kind = this.options.classify(error)
    if (kind === 'fatal') return job.reject(error)
    if (kind === 'network' && ++job.networkFailures >= this.maxNetworkAttempts) return job.reject(error)
    if (kind !== 'throttled' && ++this.failuresInARow >= (this.options.maxFailuresInARow ?? 15)) return job.reject(error)
    if (kind === 'throttled') this.throttled(job, now)
    else {
      if (kind === 'fault') {
        this.counts.faults++
        // A 5xx came after the server's rate limit took its token (as Identity Center's front end does).
        this.record(this.admitted, now)
      } else this.counts.networkErrors++
      this.decrease(job, now)
    }
    job.attempt++
    const delayMs = this.random() * Math.min(PORTAL_BACKOFF_CAP_MS, PORTAL_BACKOFF_BASE_MS * 2 ** (job.attempt - 1))
    this.options.onRetry?.({kind, attempt: job.attempt, delayMs, concurrency: this.limit, rate: this.rate})
    const timer = setTimeout(() => {
      this.backingOff.delete(job)
      this.enqueue(job)
      this.pump()
    }, delayMs)
    this.backingOff.set(job, timer)
  }

  private throttled(job: Job, now: number): void {
    this.counts.throttled++
    this.record(this.throttles, now)
    this.lastThrottleAt = now
    this.probes = 0
    if (this.rate === undefined) {
      // The first 429: the server's bucket just ran dry. What it admitted in the last second is a first
      // guess of its rate (high by the size of its burst); the measurement below corrects it within seconds.
      this.rate = Math.max(MIN_FIRST_GUESS, this.countSince(this.admitted, now - 1000))
      this.decrease(job, now)
    } else {
      // The most recent 429 at least RATE_ESTIMATE_MIN_SPAN_MS old: a span long enough to average latency
      // jitter, short enough to follow a rate that changed.
      let first: number | undefined
      for (const t of this.throttles) if (now - t >= RATE_ESTIMATE_MIN_SPAN_MS) first = t
      const span = first === undefined ? 0 : now - first
      if (first !== undefined) {
        // The server's bucket was empty at both 429s, so it admitted exactly rate × span calls in between.
        const measured = (this.countSince(this.admitted, first) * 1000) / span
        this.rate = Math.max(MIN_RATE, measured * (1 + OVERSHOOT))
      }
    }
    // After a 429 everyone waits a slot: the bucket gets the token that call did not find.
    this.nextSlotAt = Math.max(this.nextSlotAt, now) + 1000 / this.rate
  }

  /** Halves the concurrency, once per round trip: failures of calls sent before the last decrease are old news. */
  private decrease(job: Job, now: number): void {
    if (job.sentAt < this.lastDecreaseAt) return
    this.limit = Math.max(1, Math.floor(this.limit / 2))
    this.slowStart = false
    this.streak = 0
    this.lastDecreaseAt = now
  }

  private maybeProbe(now: number): void {
    if (now - this.lastThrottleAt < RATE_PROBE_AFTER_MS || now - this.lastProbeAt < RATE_PROBE_AFTER_MS) return
    this.lastProbeAt = now
    this.rate = this.rate! * PROBE_STEPS[Math.min(this.probes++, PROBE_STEPS.length - 1)]!
  }

  private record(times: number[], now: number): void {
    times.push(now)
    const horizon = now - RATE_ESTIMATE_WINDOW_MS
    let drop = 0
    while (drop < times.length && times[drop]! < horizon) drop++
    if (drop > 0) times.splice(0, drop)
  }

  /** How many of `times` are after `since` (exclusive). */
  private countSince(times: number[], since: number): number {
    let n = 0
    for (let i = times.length - 1; i >= 0 && times[i]! > since; i--) n++
    return n
  }
}
