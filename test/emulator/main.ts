/**
 * `npm run emulator -- [flags]`: runs the Identity Center emulator until SIGTERM/SIGINT.
 * Prints exactly `emulator listening on http://127.0.0.1:PORT` on stdout once ready; nothing else goes to stdout.
 */
import {parseArgs} from 'node:util'

import {type EmulatorOptions, startEmulatorServer} from './server.js'

const USAGE = `usage: npm run emulator -- [options]
  --port N                  port on 127.0.0.1 (0, the default, picks a free one)
  --fixture FILE            fixture JSON (startUrl, region, user, accounts, staticIdentities)
  --accounts N              generate N accounts (account-0001..) instead of the fixture's
  --roles-per-account M     roles per generated account (default 1)
  --auto-approve            approve each device code on its second poll, and each
                            GET /authorize at once (redirect with a code)
  --latency-ms N            delay every AWS API answer by N ms
  --rate-limit RPS          token bucket over all portal calls (burst = RPS); 429 beyond it
  --fault-rate P            answer this share (0..1) of portal calls with a 500
  --fault-seed N            seed of the fault PRNG (default 1)
  --access-token-ttl S      access token lifetime (default 28800)
  --rotate-refresh-tokens   each refresh token works once
  --device-interval S       device poll interval (default 1)
  --device-expires-in S     device code lifetime (default 600)
  --role-credentials-ttl S  role credential lifetime (default 3600)
  --client-secret-ttl S     client registration lifetime (default 7776000, 90 days)
  --verbose                 log each request (method, path, status) to stderr
`

/** How often to check whether the process that started us is still there. */
const ORPHAN_CHECK_MS = 1000

const NUMERIC = {
  port: 'port',
  accounts: 'accounts',
  'roles-per-account': 'rolesPerAccount',
  'latency-ms': 'latencyMs',
  'rate-limit': 'rateLimit',
  'fault-rate': 'faultRate',
  'fault-seed': 'faultSeed',
  'access-token-ttl': 'accessTokenTtl',
  'device-interval': 'deviceInterval',
  'device-expires-in': 'deviceExpiresIn',
  'role-credentials-ttl': 'roleCredentialsTtl',
  'client-secret-ttl': 'clientSecretTtl',
} as const satisfies Record<string, keyof EmulatorOptions>

function parseFlags(argv: string[]): EmulatorOptions {
  const {values} = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...Object.fromEntries(Object.keys(NUMERIC).map((name) => [name, {type: 'string' as const}])),
      fixture: {type: 'string'},
      'auto-approve': {type: 'boolean'},
      'rotate-refresh-tokens': {type: 'boolean'},
      verbose: {type: 'boolean'},
      help: {type: 'boolean', short: 'h'},
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const options: EmulatorOptions = {
    fixture: values.fixture as string | undefined,
    autoApprove: values['auto-approve'] === true,
    rotateRefreshTokens: values['rotate-refresh-tokens'] === true,
    verbose: values.verbose === true,
  }
  for (const [flag, key] of Object.entries(NUMERIC)) {
    const raw = (values as Record<string, string | boolean | undefined>)[flag]
    if (raw === undefined) continue
    const value = Number(raw)
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new Error(`--${flag} needs a non-negative number, got ${JSON.stringify(raw)}`)
    }
    options[key] = value
  }
  return options
}

async function main(): Promise<void> {
  let options: EmulatorOptions
  try {
    options = parseFlags(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`emulator: ${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  const emulator = await startEmulatorServer(options)
  const stop = () => {
    void emulator.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  // A parent killed without passing the signal on (kill -9 npm, a crashed test runner) must not leave us
  // serving forever: stop once we are orphaned.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) stop()
  }, ORPHAN_CHECK_MS).unref()
  process.stdout.write(`emulator listening on ${emulator.url}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${(error as Error).message}\n`)
  process.exit(1)
})
