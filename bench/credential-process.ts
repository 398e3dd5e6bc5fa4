/**
 * `keyless credential-process` start-up, measured side by side in one run (alternating, so machine noise hits
 * every subject alike):
 *   node      `node -e 0`: the floor any Node.js CLI pays
 *   cached    keyless credential-process with role credentials in the keychain (the path every AWS call takes)
 *   awsCli    `aws configure export-credentials` of a native sso_session profile, also served from its caches
 * plus the peak RSS of the cached path (from /usr/bin/time). Targets (issue): cached <= 1.5x node,
 * <= 0.2x the AWS CLI, peak RSS <= 80 MB. Run inside a keychain: `bash scripts/with-keychain.sh npx tsx bench/credential-process.ts`.
 * Prints one JSON object on stdout: {nodeMedianMs, cachedMedianMs, ratioNode, awsCliMedianMs, ratioAwsCli, peakRssMb, ...}.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {join} from 'node:path'

import {KEYLESS_BIN} from '../test/helpers/cli.js'
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

    const subjects = {
      node: [process.execPath, ['-e', '0']],
      cached: [process.execPath, [KEYLESS_BIN, 'credential-process', '--session', SESSION, '--account-id', ROLE.accountId, '--role-name', ROLE.roleName]],
      awsCli: ['/usr/bin/aws', ['configure', 'export-credentials', '--profile', 'native']],
    } as const
    const run = (name: keyof typeof subjects) => {
      const [command, args] = subjects[name]
      const started = performance.now()
      const result = spawnSync(command, [...args], {env, encoding: 'utf8', timeout: 60_000})
      const ms = performance.now() - started
      if (result.status !== 0) throw new Error(`${name} failed (${result.status ?? result.signal}): ${result.stderr.slice(0, 2000)}`)
      if (name !== 'node' && !/"Version": ?1/.test(result.stdout)) throw new Error(`${name} printed no credentials`)
      return ms
    }

    // Cold call first (fills keyless's keychain cache and the AWS CLI's role-credential cache), then warm-ups.
    const coldStarted = performance.now()
    run('cached')
    const coldMs = performance.now() - coldStarted
    for (let i = 0; i < 3; i++) for (const name of Object.keys(subjects) as Array<keyof typeof subjects>) run(name)
    const before = (await emulator.stats()).operations

    const times: Record<keyof typeof subjects, number[]> = {node: [], cached: [], awsCli: []}
    for (let i = 0; i < RUNS; i++) {
      // Rotate the order each round so no subject always runs right after another.
      const order = (['node', 'cached', 'awsCli'] as const).map((_, k, all) => all[(k + i) % all.length]!)
      for (const name of order) times[name].push(run(name))
    }
    // The keep-alive connection of the first stats call died while spawnSync blocked this process: retry once.
    const after = (await emulator.stats().catch(() => emulator.stats())).operations
    if (after.GetRoleCredentials !== before.GetRoleCredentials) throw new Error('the measured calls were not served from the cache')

    // Peak RSS of the cached path, in separate runs (time(1) itself adds start-up).
    let peakKb = 0
    for (let i = 0; i < 5; i++) {
      const [command, args] = subjects.cached
      const r = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {env, encoding: 'utf8'})
      peakKb = Math.max(peakKb, Number(r.stderr.trim().split('\n').pop()))
    }

    const nodeMedianMs = median(times.node)
    const cachedMedianMs = median(times.cached)
    const awsCliMedianMs = median(times.awsCli)
    process.stdout.write(
      JSON.stringify({
        nodeMedianMs: round(nodeMedianMs),
        cachedMedianMs: round(cachedMedianMs),
        ratioNode: round(cachedMedianMs / nodeMedianMs, 2),
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
