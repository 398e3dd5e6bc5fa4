/**
 * A herd of `keyless credential-process` callers (issue 28): 200 cold callers started at once over 4 roles, the access
 * token inside its refresh window, as Terraform with many provider aliases or a test runner's workers start them.
 * Measured on each store (the OS keychain, the kernel keyring):
 *   slowest   the time from starting all 200 to the last one's exit
 *   floor     what the herd's processes need just to start: `node -e 0` (median of single runs) x 200 / cores
 *   concurrentNode  200 `node -e 0` started at once, to the last exit (the floor as this machine delivers it)
 * Target: slowest <= 2x floor, with 0 failures, 1 CreateToken and 4 GetRoleCredentials (checked, else it throws).
 * Run inside a keychain: `bash scripts/with-keychain.sh npx tsx bench/herd.ts`. Prints one JSON object on stdout.
 */
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {join} from 'node:path'

import {KEYLESS_BIN} from '../test/helpers/cli.js'
import {configText, SESSION} from '../test/helpers/credential-process.js'
import {spawnEmulator} from '../test/helpers/emulator.js'
import {writeFile} from '../test/helpers/files.js'
import {makeSandbox} from '../test/helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../test/helpers/seed-session.js'

const HERD = Number(process.env.BENCH_HERD) || 200
const ROLES = [
  {accountId: '111111111111', roleName: 'AdministratorAccess'},
  {accountId: '111111111111', roleName: 'ReadOnlyAccess'},
  {accountId: '222222222222', roleName: 'PowerUserAccess'},
  {accountId: '222222222222', roleName: 'ReadOnlyAccess'},
]
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Starts every command at once; resolves with each one's time to exit, its code and stderr. Kills any left at 300 s. */
function herd(commands: Array<readonly [string, readonly string[]]>, env: NodeJS.ProcessEnv) {
  const started = performance.now()
  return Promise.all(
    commands.map(
      ([command, args]) =>
        new Promise<{ms: number; code: number | null; stderr: string}>((resolve) => {
          const child = spawn(command, [...args], {env, stdio: ['ignore', 'ignore', 'pipe']})
          let stderr = ''
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
          const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
          child.on('close', (code) => {
            clearTimeout(timer)
            resolve({ms: performance.now() - started, code, stderr})
          })
        }),
    ),
  )
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const cores = availableParallelism()
  const single: number[] = []
  for (let i = 0; i < 15; i++) {
    const t = performance.now()
    spawnSync(process.execPath, ['-e', '0'])
    single.push(performance.now() - t)
  }
  const floorMs = (median(single) * HERD) / cores
  const concurrentNodeMs = Math.max(
    ...(
      await herd(
        Array.from({length: HERD}, () => [process.execPath, ['-e', '0']] as const),
        process.env,
      )
    ).map((r) => r.ms),
  )

  const result: Record<string, unknown> = {
    herd: HERD,
    cores,
    nodeMedianMs: round(median(single)),
    floorMs: round(floorMs),
    concurrentNodeMs: round(concurrentNodeMs),
  }
  for (const store of ['keychain', 'kernel-keyring'] as const) {
    const emulator = await spawnEmulator(['--port', '0', '--rotate-refresh-tokens'])
    const sandbox = makeSandbox()
    try {
      const fixture = await emulator.fixture()
      const text = configText(fixture.startUrl, fixture.region, [])
      writeFile(
        sandbox.configFile,
        store === 'kernel-keyring' ? text.replace(`[sso-session ${SESSION}]\n`, '$&keyless_store = kernel-keyring\n') : text,
      )
      await seedSession(emulator, sandbox, {tokenExpiresInSeconds: 600, skipConfig: true, store})
      const env: NodeJS.ProcessEnv = {...sandbox.env, ...emulator.env()}
      if (store === 'kernel-keyring') {
        delete env.DBUS_SESSION_BUS_ADDRESS
        env.XDG_RUNTIME_DIR = join(sandbox.home, 'run')
        mkdirSync(env.XDG_RUNTIME_DIR, {recursive: true, mode: 0o700})
      }
      const before = (await emulator.stats()).operations
      const runs = await herd(
        Array.from({length: HERD}, (_, i) => {
          const role = ROLES[i % ROLES.length]!
          return [
            process.execPath,
            [KEYLESS_BIN, 'credential-process', '--session', SESSION, '--account-id', role.accountId, '--role-name', role.roleName],
          ] as const
        }),
        env,
      )
      const after = (await emulator.stats()).operations
      const failed = runs.filter((r) => r.code !== 0)
      const calls = {
        CreateToken: after.CreateToken - before.CreateToken,
        GetRoleCredentials: after.GetRoleCredentials - before.GetRoleCredentials,
      }
      if (calls.CreateToken !== 1 || calls.GetRoleCredentials !== ROLES.length) throw new Error(`${store}: ${JSON.stringify(calls)}`)
      const times = runs.map((r) => r.ms)
      result[store] = {
        slowestMs: round(Math.max(...times)),
        medianMs: round(median(times)),
        failed: failed.length,
        busyLines: runs.filter((r) => r.stderr.includes('busy')).length,
        firstFailure: failed[0]?.stderr.trim().slice(0, 300),
        ...calls,
      }
    } finally {
      await wipeSandboxKeychain(sandbox, store)
      sandbox.cleanup()
      await emulator.close()
    }
  }
  process.stdout.write(JSON.stringify(result) + '\n')
}

await main()
