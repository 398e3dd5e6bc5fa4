/**
 * Issue 26: `keyless import` of 3,000 AWS CLI SSO profiles (1,000 accounts x 3 roles, the `aws configure sso`
 * form) into keyless profiles, the session's listing cached (as after a `keyless accounts`): keyless's own work.
 * Each run starts from the same peer config file; the verdict is on CPU time (the child's user + system, from
 * /proc/self/stat), wall time shown beside it. Target: <= 1 s.
 * Run inside a keychain: `bash scripts/with-keychain.sh npx tsx bench/import.ts` (PROF=DIR: V8 CPU profiles of the
 * keyless runs there). Prints one JSON object.
 */
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'

import {KEYLESS_BIN} from '../test/helpers/cli.js'
import {spawnEmulator} from '../test/helpers/emulator.js'
import {ssoSessionSection} from '../test/helpers/files.js'
import {makeSandbox} from '../test/helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../test/helpers/seed-session.js'

const RUNS = Number(process.env.BENCH_RUNS) || 5
const ACCOUNTS = 1000
const ROLES = 3

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** CPU time (user + system, ms) of this process's finished children (clock ticks of 10 ms). */
function childCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[13]) + Number(fields[14])) * 10
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const emulator = await spawnEmulator(['--port', '0', '--accounts', String(ACCOUNTS), '--roles-per-account', String(ROLES)])
  const sandbox = makeSandbox()
  try {
    const fixture = await emulator.fixture()
    await seedSession(emulator, sandbox, {session: 'acme'})
    const env = {...sandbox.env, ...emulator.env()}
    const keyless = (args: string[]) => {
      const started = performance.now()
      const r = spawnSync(
        process.execPath,
        [...(process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : []), KEYLESS_BIN, ...args],
        {env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024},
      )
      if (r.status !== 0) throw new Error(`keyless ${args.join(' ')} failed: ${r.stderr.slice(0, 2000)}`)
      return {ms: performance.now() - started, stdout: r.stdout}
    }
    // The listing, cached for import (as after `keyless accounts`).
    const listing = JSON.parse(keyless(['accounts', '--json']).stdout) as {
      accounts: Array<{accountId: string; accountName: string; roles: string[]}>
    }
    const profiles = listing.accounts.flatMap((a) =>
      a.roles.map(
        (r) =>
          `[profile ${a.accountName}-${r}]\nsso_session = acme\nsso_account_id = ${a.accountId}\nsso_role_name = ${r}\nregion = us-east-1\n`,
      ),
    )
    const peer = ssoSessionSection('acme', fixture.startUrl, fixture.region) + '\n' + profiles.join('\n')
    const wall: number[] = []
    const cpu: number[] = []
    let imported = 0
    for (let i = 0; i < RUNS; i++) {
      writeFileSync(sandbox.configFile, peer)
      const before = childCpuMs()
      const run = keyless(['import', '--json'])
      cpu.push(childCpuMs() - before)
      wall.push(run.ms)
      imported = (JSON.parse(run.stdout) as {imported: unknown[]}).imported.length
    }
    if (imported !== ACCOUNTS * ROLES) throw new Error(`imported ${imported} profiles, not ${ACCOUNTS * ROLES}`)
    process.stdout.write(
      JSON.stringify({
        profiles: imported,
        configBytes: Buffer.byteLength(peer),
        importMedianMs: Math.round(median(wall)),
        importCpuMs: Math.round(median(cpu)),
      }) + '\n',
    )
  } finally {
    await wipeSandboxKeychain(sandbox)
    sandbox.cleanup()
    await emulator.close()
  }
}

await main()
