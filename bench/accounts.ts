/**
 * Benchmark of `keyless accounts` (run under a keychain: scripts/with-keychain.sh npx tsx bench/accounts.ts).
 * Prints one JSON object on stdout:
 *   {"throttled":{"wallMs","floorMs","ratio","calls","failedCalls",...},"unthrottled":{"wallMs","calls",...}}
 * - throttled: 1,000 accounts x 3 roles, emulator --rate-limit 20 --latency-ms 30. The floor is the calls a
 *   listing needs (10 ListAccounts pages + 1,000 ListAccountRoles) at 20 per second. Target: ratio <= 1.15, no
 *   failed call.
 * - unthrottled: 300 accounts x 3 roles, --latency-ms 50, median of 3 runs. Target: <= 2 s.
 * Each run is the built CLI (`bin/run.js accounts --refresh --json`) in its own process: start-up included.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= '1'

import {generateAccounts} from '../test/emulator/fixture.js'
import {runKeyless} from '../test/helpers/cli.js'
import {startEmulator, type EmulatorHandle, type Stats} from '../test/helpers/emulator.js'
import {makeSandbox} from '../test/helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../test/helpers/seed-session.js'

const PAGE = 100

interface Run {
  wallMs: number
  /** Requests the emulator received (retries included). */
  calls: number
  /** Calls a listing needs: account pages + one role page per account (3 roles fit in one page). */
  neededCalls: number
  throttled: number
  faults: number
  /** Calls whose failure reached the user: the listing failed, or accounts/roles were missing or wrong. */
  failedCalls: number
  correct: boolean
}

async function listOnce(emulator: EmulatorHandle, accounts: number, rolesPerAccount: number): Promise<Run> {
  const sandbox = makeSandbox()
  try {
    await seedSession(emulator, sandbox)
    const env = {...sandbox.env, ...emulator.env()}
    const before = await emulator.stats()
    const started = performance.now()
    const run = await runKeyless(['accounts', '--refresh', '--json'], {env, timeoutMs: 15 * 60_000})
    const wallMs = Math.round(performance.now() - started)
    const after = await emulator.stats()
    const calls = portalCalls(after) - portalCalls(before)
    const expected = generateAccounts(accounts, rolesPerAccount)
      .map((a) => `${a.accountId}:${[...a.roles].sort().join(',')}`)
      .sort()
    let got: string[] = []
    try {
      got = (JSON.parse(run.stdout) as {accounts: Array<{accountId: string; roles: string[]}>}).accounts
        .map((a) => `${a.accountId}:${a.roles.join(',')}`)
        .sort()
    } catch {
      // Not JSON: the listing failed; counted below.
    }
    const correct = run.code === 0 && JSON.stringify(got) === JSON.stringify(expected)
    const missing = expected.filter((e) => !got.includes(e)).length
    if (run.code !== 0) process.stderr.write(`keyless accounts failed: ${run.stderr}`)
    return {
      wallMs,
      calls,
      neededCalls: Math.ceil(accounts / PAGE) + accounts,
      throttled: after.throttled - before.throttled,
      faults: after.faults - before.faults,
      failedCalls: run.code === 0 ? missing : Math.max(1, missing),
      correct,
    }
  } finally {
    await wipeSandboxKeychain(sandbox)
    sandbox.cleanup()
  }
}

function portalCalls(s: Stats): number {
  return s.operations.ListAccounts + s.operations.ListAccountRoles
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function throttledScenario() {
  const rate = 20
  const emulator = await startEmulator({accounts: 1000, rolesPerAccount: 3, rateLimit: rate, latencyMs: 30})
  try {
    const run = await listOnce(emulator, 1000, 3)
    const floorMs = Math.round((run.neededCalls / rate) * 1000)
    return {
      ...run,
      floorMs,
      ratio: Number((run.wallMs / floorMs).toFixed(3)),
      rateLimit: rate,
      latencyMs: 30,
      accounts: 1000,
      rolesPerAccount: 3,
    }
  } finally {
    await emulator.close()
  }
}

async function unthrottledScenario(runs = 3) {
  const emulator = await startEmulator({accounts: 300, rolesPerAccount: 3, latencyMs: 50})
  try {
    const results: Run[] = []
    for (let i = 0; i < runs; i++) results.push(await listOnce(emulator, 300, 3))
    return {
      wallMs: median(results.map((r) => r.wallMs)),
      runsMs: results.map((r) => r.wallMs),
      calls: results[0]!.calls,
      failedCalls: results.reduce((n, r) => n + r.failedCalls, 0),
      correct: results.every((r) => r.correct),
      latencyMs: 50,
      accounts: 300,
      rolesPerAccount: 3,
    }
  } finally {
    await emulator.close()
  }
}

const only = process.argv[2]
const result: Record<string, unknown> = {}
if (only !== 'throttled') result.unthrottled = await unthrottledScenario()
if (only !== 'unthrottled') result.throttled = await throttledScenario()
process.stdout.write(JSON.stringify(result) + '\n')
