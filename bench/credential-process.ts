/**
 * `keyless credential-process` start-up, measured side by side in one run (alternating, so machine noise hits
 * every subject alike), on this Node.js and, when $KEYLESS_BENCH_NODE24 names a binary, on Node.js 24 too:
 *   node      `node -e 0`: the floor any Node.js CLI pays
 *   keytar    a bare script that loads keytar, reads the same keychain entry and writes with fs.writeSync(1):
 *             the floor of any Node.js program that reads the keychain
 *   cached    keyless credential-process with role credentials in the keychain (the path every AWS call takes)
 *   awsCli    `aws configure export-credentials` of a native sso_session profile, also served from its caches
 * keyless's own cost is cached - keytar (target <= 5 ms on each Node.js), plus the peak RSS of the cached path
 * (from /usr/bin/time). Other targets: cached <= 1.5x node, <= 0.2x the AWS CLI, peak RSS <= 80 MB.
 * Run inside a keychain: `bash scripts/with-keychain.sh npx tsx bench/credential-process.ts`.
 * Prints one JSON object on stdout: {nodeMedianMs, keytarMedianMs, cachedMedianMs, ownMs, awsCliMedianMs,
 * peakRssMb, node24: {version, nodeMedianMs, keytarMedianMs, cachedMedianMs, ownMs} | null, ...}.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {join} from 'node:path'

import {KEYLESS_BIN, ROOT} from '../test/helpers/cli.js'
import {configText, SESSION} from '../test/helpers/credential-process.js'
import {writeAwsDataPath} from '../test/helpers/aws-data-path.js'
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
  // The SDK's Node.js 20 notice (seeding signs in with the SDK) would clutter the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  // Its own process: spawnSync below blocks this one's event loop.
  const emulator = await spawnEmulator(['--port', '0'])
  const sandbox = makeSandbox()
  try {
    const fixture = await emulator.fixture()
    const seeded = await seedSession(emulator, sandbox, {skipConfig: true})
    const native = `\n[profile native]\nsso_session = ${SESSION}\nsso_account_id = ${ROLE.accountId}\nsso_role_name = ${ROLE.roleName}\nregion = ${fixture.region}\n`
    writeFile(sandbox.configFile, configText(fixture.startUrl, fixture.region, [{name: 'keyless', ...ROLE}]) + native)
    // The AWS CLI's own token cache for the native profile: the same emulator session, keyed by sha1(session name).
    writeFile(
      join(sandbox.home, '.aws', 'sso', 'cache', `${createHash('sha1').update(SESSION).digest('hex')}.json`),
      JSON.stringify({
        startUrl: fixture.startUrl,
        region: fixture.region,
        accessToken: seeded.accessToken,
        expiresAt: new Date(Date.now() + 8 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      }),
    )
    const env = {...sandbox.env, ...emulator.env(), AWS_DATA_PATH: writeAwsDataPath(emulator.url)}

    // The bare keytar read: the same entry credential-process reads on a cache hit, nothing else, written as keyless
    // writes (fs.writeSync: process.stdout on a pipe would load node:net, a cost keyless does not pay).
    const entry = `session/${SESSION}/role/${ROLE.accountId}/${ROLE.roleName}`
    const bareKeytar = `require(${JSON.stringify(join(ROOT, 'node_modules', 'keytar'))}).getPassword(${JSON.stringify(sandbox.keychainService)}, ${JSON.stringify(entry)}).then((v) => require('node:fs').writeSync(1, v ? '{"Version":1}' : ''))`
    const cachedArgs = [
      KEYLESS_BIN,
      'credential-process',
      '--session',
      SESSION,
      '--account-id',
      ROLE.accountId,
      '--role-name',
      ROLE.roleName,
    ]
    const node24 = process.env.KEYLESS_BENCH_NODE24 || undefined
    const subjects: Record<string, readonly [string, readonly string[]]> = {
      node: [process.execPath, ['-e', '0']],
      keytar: [process.execPath, ['-e', bareKeytar]],
      cached: [process.execPath, cachedArgs],
      ...(node24 ? {node24: [node24, ['-e', '0']], keytar24: [node24, ['-e', bareKeytar]], cached24: [node24, cachedArgs]} : {}),
      awsCli: ['/usr/bin/aws', ['configure', 'export-credentials', '--profile', 'native']],
    }
    const names = Object.keys(subjects)
    const run = (name: string) => {
      const [command, args] = subjects[name]!
      const started = performance.now()
      const result = spawnSync(command, [...args], {env, encoding: 'utf8', timeout: 60_000})
      const ms = performance.now() - started
      if (result.status !== 0) throw new Error(`${name} failed (${result.status ?? result.signal}): ${result.stderr.slice(0, 2000)}`)
      if (!name.startsWith('node') && !/"Version": ?1/.test(result.stdout)) throw new Error(`${name} printed no credentials`)
      // The cached path must stay silent on stderr (a Node.js deprecation warning would land under every AWS call).
      if (name.startsWith('cached') && result.stderr !== '') throw new Error(`${name} wrote to stderr: ${result.stderr.slice(0, 500)}`)
      return ms
    }

    // Cold call first (fills keyless's keychain cache and the AWS CLI's role-credential cache), then warm-ups.
    const coldStarted = performance.now()
    run('cached')
    const coldMs = performance.now() - coldStarted
    for (let i = 0; i < 3; i++) for (const name of names) run(name)
    // spawnSync blocks this process's event loop: a keep-alive connection to the emulator may have died meanwhile.
    const stats = () => emulator.stats().catch(() => emulator.stats())
    const before = (await stats()).operations

    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
    for (let i = 0; i < RUNS; i++) {
      // Rotate the order each round so no subject always runs right after another.
      const order = names.map((_, k) => names[(k + i) % names.length]!)
      for (const name of order) times[name]!.push(run(name))
    }
    const after = (await stats()).operations
    if (after.GetRoleCredentials !== before.GetRoleCredentials) throw new Error('the measured calls were not served from the cache')

    // Peak RSS of the cached path, in separate runs (time(1) itself adds start-up).
    let peakKb = 0
    for (let i = 0; i < 5; i++) {
      const [command, args] = subjects.cached!
      const r = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {env, encoding: 'utf8'})
      peakKb = Math.max(peakKb, Number(r.stderr.trim().split('\n').pop()))
    }

    const nodeMedianMs = median(times.node!)
    const cachedMedianMs = median(times.cached!)
    const keytarMedianMs = median(times.keytar!)
    const awsCliMedianMs = median(times.awsCli!)
    const version24 = node24 ? spawnSync(node24, ['--version'], {encoding: 'utf8'}).stdout.trim() : ''
    process.stdout.write(
      JSON.stringify({
        version: process.version,
        nodeMedianMs: round(nodeMedianMs),
        keytarMedianMs: round(keytarMedianMs),
        cachedMedianMs: round(cachedMedianMs),
        ownMs: round(cachedMedianMs - keytarMedianMs),
        ratioNode: round(cachedMedianMs / nodeMedianMs, 2),
        node24: node24
          ? {
              version: version24,
              nodeMedianMs: round(median(times.node24!)),
              keytarMedianMs: round(median(times.keytar24!)),
              cachedMedianMs: round(median(times.cached24!)),
              ownMs: round(median(times.cached24!) - median(times.keytar24!)),
            }
          : null,
        awsCliMedianMs: round(awsCliMedianMs),
        ratioAwsCli: round(cachedMedianMs / awsCliMedianMs, 2),
        peakRssMb: round(peakKb / 1024),
        coldMs: round(coldMs),
        runs: RUNS,
      }) + '\n',
    )
  } finally {
    await wipeSandboxKeychain(sandbox)
    sandbox.cleanup()
    await emulator.close()
  }
}

await main()
