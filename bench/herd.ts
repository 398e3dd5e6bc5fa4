/**
 * A herd of `keyless credential-process` callers (issue 28): 200 cold callers started at once over 4 roles, the access
 * token inside its refresh window, as Terraform with many provider aliases or a test runner's workers start them.
 * Measured on each store (the OS keychain, the kernel keyring):
 *   slowest   the time from starting all 200 to the last one's exit
 *   floor     what the herd's processes need just to start: `node -e 0` (median of single runs) x 200 / cores
 *   concurrentNode  200 `node -e 0` started at once, to the last exit (the floor as this machine delivers it)
 *   cpuMsPerCaller  the CPU (user + sys) one caller used, vs nodeCpuMs of one `node -e 0` in the concurrent herd: the
 *                   work per caller, which other load on a shared machine does not inflate as it does wall times
 * Target: slowest <= 2x floor, with 0 failures, 1 CreateToken and 4 GetRoleCredentials (checked, else it throws).
 * Run inside a keychain: `bash scripts/with-keychain.sh npx tsx bench/herd.ts`. Prints one JSON object on stdout.
 * BENCH_KEYLESS_BIN runs another build's bin/run.js (a copy of the tree before a change), so before and after are
 * measured side by side in the same window of a shared machine. BENCH_STORES=keychain (or kernel-keyring) runs one.
 */
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync} from 'node:fs'
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

/**
 * CPU time (user + sys, ms) of this process's children that have ended (Linux: /proc/self/stat's cutime and cstime),
 * else undefined. The herd's own work, which unlike its wall time does not grow with what else the machine runs.
 */
function childrenCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
    // Fields 16 and 17 of stat(5), counted from after the command name (which starts at field 3).
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100
  } catch {
    return undefined
  }
}

/** CPU time (ms) the Secret Service's daemon has used so far (Linux, a D-Bus session with one), else undefined. */
function keyringCpuMs(): number | undefined {
  const out = spawnSync(
    'dbus-send',
    [
      '--session',
      '--print-reply',
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.GetConnectionUnixProcessID',
      'string:org.freedesktop.secrets',
    ],
    {encoding: 'utf8'},
  ).stdout
  const pid = /uint32 (\d+)/.exec(out ?? '')?.[1]
  if (!pid) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return undefined
  }
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
  const nodeCpuBefore = childrenCpuMs()
  const concurrentNodeMs = Math.max(
    ...(
      await herd(
        Array.from({length: HERD}, () => [process.execPath, ['-e', '0']] as const),
        process.env,
      )
    ).map((r) => r.ms),
  )
  const nodeCpuAfter = childrenCpuMs()

  const result: Record<string, unknown> = {
    herd: HERD,
    cores,
    nodeMedianMs: round(median(single)),
    floorMs: round(floorMs),
    concurrentNodeMs: round(concurrentNodeMs),
    // CPU per `node -e 0` of that concurrent herd: what a caller's CPU (cpuMsPerCaller) compares with.
    nodeCpuMs: nodeCpuBefore === undefined ? undefined : round((nodeCpuAfter! - nodeCpuBefore) / HERD),
  }
  const bin = process.env.BENCH_KEYLESS_BIN || KEYLESS_BIN
  const stores = (['keychain', 'kernel-keyring'] as const).filter(
    (s) => !process.env.BENCH_STORES || process.env.BENCH_STORES.split(',').includes(s),
  )
  for (const store of stores) {
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
      const cpuBefore = childrenCpuMs()
      const keyringBefore = store === 'keychain' ? keyringCpuMs() : undefined
      const runs = await herd(
        Array.from({length: HERD}, (_, i) => {
          const role = ROLES[i % ROLES.length]!
          return [
            process.execPath,
            [bin, 'credential-process', '--session', SESSION, '--account-id', role.accountId, '--role-name', role.roleName],
          ] as const
        }),
        env,
      )
      const cpuAfter = childrenCpuMs()
      const keyringAfter = store === 'keychain' ? keyringCpuMs() : undefined
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
        // The herd's own CPU per caller (user + sys), and the keyring daemon's for the whole herd.
        cpuMsPerCaller: cpuBefore === undefined ? undefined : round((cpuAfter! - cpuBefore) / HERD),
        keyringCpuMs: keyringBefore === undefined ? undefined : round(keyringAfter! - keyringBefore),
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
