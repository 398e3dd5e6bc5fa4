/**
 * The cached `keyless credential-process` on the kernel-keyring store (PRODUCT.md section 13), side by side in one
 * run (alternating, so machine noise hits every subject alike):
 *   node      `node -e 0`: the floor any Node.js CLI pays
 *   kernel    credential-process of a session with `keyless_store = kernel-keyring`, role credentials cached there
 *   keychain  the same for a session on the OS keychain (keytar, Secret Service)
 *   keyctl    one `keyctl pipe %user:...` alone: what the kernel-keyring path adds to a Node.js start-up
 * Targets (issue 14): kernel <= 1.3x node; and reported against the keychain store. Run inside a keychain:
 * `bash scripts/with-keychain.sh npx tsx bench/kernel-keyring.ts`. Prints one JSON object on stdout.
 */
import {spawnSync} from 'node:child_process'

import {KEYLESS_BIN} from '../test/helpers/cli.js'
import {configText} from '../test/helpers/credential-process.js'
import {spawnEmulator} from '../test/helpers/emulator.js'
import {writeFile} from '../test/helpers/files.js'
import {makeSandbox} from '../test/helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../test/helpers/seed-session.js'

const RUNS = Number(process.env.BENCH_RUNS) || 30
const ROLE = {accountId: '111111111111', roleName: 'AdministratorAccess'}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const emulator = await spawnEmulator(['--port', '0'])
  const sandbox = makeSandbox()
  try {
    const fixture = await emulator.fixture()
    // Two sessions of the same emulator: `acme` on the keychain, `kern` on the kernel keyring.
    writeFile(
      sandbox.configFile,
      configText(fixture.startUrl, fixture.region, [], ['kern']).replace(
        '[sso-session kern]\n',
        '[sso-session kern]\nkeyless_store = kernel-keyring\n',
      ),
    )
    await seedSession(emulator, sandbox, {session: 'acme', skipConfig: true})
    await seedSession(emulator, sandbox, {session: 'kern', skipConfig: true, store: 'kernel-keyring'})
    const env = {...sandbox.env, ...emulator.env()}
    const cp = (session: string) =>
      [
        process.execPath,
        [KEYLESS_BIN, 'credential-process', '--session', session, '--account-id', ROLE.accountId, '--role-name', ROLE.roleName],
      ] as const
    const subjects = {
      node: [process.execPath, ['-e', '0']],
      kernel: cp('kern'),
      keychain: cp('acme'),
      keyctl: ['keyctl', ['pipe', `%user:${sandbox.keychainService}:session/kern/role/${ROLE.accountId}/${ROLE.roleName}`]],
    } as const
    type Name = keyof typeof subjects
    const run = (name: Name) => {
      const [command, args] = subjects[name]
      const started = performance.now()
      const result = spawnSync(command, [...args], {env, encoding: 'utf8', timeout: 60_000})
      const ms = performance.now() - started
      if (result.status !== 0) throw new Error(`${name} failed (${result.status ?? result.signal}): ${result.stderr.slice(0, 2000)}`)
      if (name !== 'node' && !/"Version": ?1|"accessKeyId"/.test(result.stdout)) throw new Error(`${name} printed no credentials`)
      return ms
    }
    // Cold calls first (fill both caches), then warm-ups.
    run('kernel')
    run('keychain')
    const names = Object.keys(subjects) as Name[]
    for (let i = 0; i < 3; i++) for (const name of names) run(name)
    // A keep-alive connection dies while spawnSync blocks this process: retry once.
    const before = (await emulator.stats().catch(() => emulator.stats())).operations
    const times: Record<Name, number[]> = {node: [], kernel: [], keychain: [], keyctl: []}
    for (let i = 0; i < RUNS; i++) {
      const order = names.map((_, k) => names[(k + i) % names.length]!)
      for (const name of order) times[name].push(run(name))
    }
    const after = (await emulator.stats().catch(() => emulator.stats())).operations
    if (after.GetRoleCredentials !== before.GetRoleCredentials) throw new Error('the measured calls were not served from the cache')
    const m = Object.fromEntries(names.map((n) => [n, median(times[n])])) as Record<Name, number>
    process.stdout.write(
      JSON.stringify({
        nodeMedianMs: round(m.node),
        kernelMedianMs: round(m.kernel),
        keychainMedianMs: round(m.keychain),
        keyctlMedianMs: round(m.keyctl),
        ratioNode: round(m.kernel / m.node, 2),
        ratioKeychain: round(m.kernel / m.keychain, 2),
        runs: RUNS,
      }) + '\n',
    )
  } finally {
    await wipeSandboxKeychain(sandbox)
    await wipeSandboxKeychain(sandbox, 'kernel-keyring')
    sandbox.cleanup()
    await emulator.close()
  }
}

await main()
