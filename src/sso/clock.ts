import {KeylessError} from '../errors.js'

/** Beyond this difference from AWS's clock, credential expiry times (absolute, from AWS) become meaningless
 * locally: SigV4 itself rejects requests more than 5 minutes off. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

/**
 * The server's clock, from the HTTP `Date` header of the last response an SDK client received. Recorded by a
 * middleware (see clients.ts) because the SDK does not expose response headers of unsigned operations.
 */
export interface ServerClock {
  lastServerDate?: number
}

export function recordServerDate(clock: ServerClock, dateHeader: string | undefined): void {
  const parsed = dateHeader ? Date.parse(dateHeader) : NaN
  if (!Number.isNaN(parsed)) clock.lastServerDate = parsed
}

/** Fails with what to do when this machine's clock is far from AWS's. */
export function assertClockInSync(clock: ServerClock, now: number): void {
  if (clock.lastServerDate === undefined) return
  const skew = now - clock.lastServerDate
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS) return
  const minutes = Math.round(Math.abs(skew) / 60_000)
  throw new KeylessError(
    `this computer's clock is ${minutes} minutes ${skew > 0 ? 'ahead of' : 'behind'} AWS's; credentials would look expired or never expire; nothing was stored`,
    'set the clock right (e.g. sudo timedatectl set-ntp true, or enable automatic time), then run keyless login again',
  )
}
