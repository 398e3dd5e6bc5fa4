/**
 * `keyless whoami` against `aws sts get-caller-identity` (the Debian AWS CLI v2) with the same credentials and
 * the same emulator, alternating runs so machine noise hits both alike. Target (issue 6): keyless <= 0.5x.
 * Prints one JSON object: {keylessMedianMs, awsCliMedianMs, ratio, runs}.
 */
import {spawn} from 'node:child_process'

import {KEYLESS_BIN} from '../test/helpers/cli.js'
import {startEmulator} from '../test/helpers/emulator.js'
import {makeSandbox} from '../test/helpers/sandbox.js'

const RUNS = Number(process.env.BENCH_RUNS) || 15

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Wall time of one run. Asynchronous: the emulator lives in this process and must keep answering. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(command, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr}`))
      else resolve(ms)
    })
  })
}

async function main() {
  const emulator = await startEmulator()
  const sandbox = makeSandbox()
  try {
    // The emulator's static IAM-user key: the same credentials for both tools, from the environment.
    const env = {
      ...sandbox.env,
      AWS_ACCESS_KEY_ID: 'AKIAEMULATORUSER0001',
      AWS_SECRET_ACCESS_KEY: 'emulator-user-secret-0000000000000000000',
      AWS_REGION: 'us-east-1',
    }
    const keyless: number[] = []
    const aws: number[] = []
    // One warm-up each: file caches, not measured.
    await timed(process.execPath, [KEYLESS_BIN, 'whoami'], {...env, AWS_ENDPOINT_URL: emulator.url})
    await timed('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', emulator.url], env)
    for (let i = 0; i < RUNS; i++) {
      keyless.push(await timed(process.execPath, [KEYLESS_BIN, 'whoami'], {...env, AWS_ENDPOINT_URL: emulator.url}))
      aws.push(await timed('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', emulator.url], env))
    }
    const k = median(keyless)
    const a = median(aws)
    console.log(
      JSON.stringify({keylessMedianMs: Math.round(k), awsCliMedianMs: Math.round(a), ratio: Math.round((k / a) * 100) / 100, runs: RUNS}),
    )
  } finally {
    sandbox.cleanup()
    await emulator.close()
  }
}

await main()
