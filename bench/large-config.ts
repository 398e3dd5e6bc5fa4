/**
 * Issue 22, a large organisation: 1,000 accounts x 3 roles synced into one AWS config file (3,000 profiles,
 * ~650 KB), measured side by side in one run against the same commands with a one-session config.
 *   sync         `profiles sync` of the 3,000 profiles: the first (no profile yet) and no-op re-syncs, both with
 *                the listing cached (`accounts --refresh` first: 1,010 portal calls to the local emulator,
 *                reported as listingMs), as `profiles sync` uses it within the hour. Targets: no-op <= 1 s,
 *                first <= 1.5 s.
 *   parse        parseConfig of the file, in a fresh process (as every command pays it: cold code). Target <= 15 ms.
 *                Reported beside it: the time to make every section object too (what a command that reads every
 *                profile, like sync or audit, pays on top; a command that looks one profile up does not).
 *   cached       credential-process served from the keychain, with the large config and with the one-session
 *                config, alternating (with node -e 0 and bareKeytar, in a block of their own, 3 x BENCH_RUNS
 *                runs): target large <= 1.05x small, on this Node.js and on Node.js 24.
 *   own cost     cached (large config) - bareKeytar, where bareKeytar is the least any credential_process can
 *                do: a script file that loads keytar, reads the entry and writes it with fs.writeSync(1): the median
 *                of the differences round by round (the two run one after the other in each). Target <= 5 ms on
 *                each Node.js.
 *   parse growth what the parse of the large file adds to a fresh process that reads and parses it and does nothing
 *                else, against the same process given the one-session config (parseOnly*): CPU and wall, all its
 *                threads, to its exit, round by round. The call's own window (above) leaves out the read and V8's
 *                compiles of the parser's hot functions, which run on a helper thread and mostly end after the call.
 *   audit/whoami with each config: `audit --json` and audit's human output (auditHuman*), both written to a pipe
 *                this process reads, and whoami. Target: each grows by no more than the parse (its growth above,
 *                measured the same way).
 *   print floor  a bare Node.js child printing as many bytes as `audit --json` did with each config, the cheapest way
 *                there is (one reused 64 KB buffer, fs.writeSync(1)), read the same way: what any program pays to
 *                print them (auditJsonPrintFloorMs). auditJsonGrowthOverFloorMs is audit --json's growth beyond the
 *                floor's: what keyless itself adds with 3,000 profiles.
 *   miss         credential-process on a cache miss (GetRoleCredentials through the SDK), with each config: the SDK
 *                clients are handed the file without the other profiles, so the miss should not grow either.
 * Each subject also gets its CPU time (its user + system time, all its threads, from the bash that starts it:
 * bench/child-time.ts), the median of the runs: npm run bench judges on it.
 * Run inside a keychain: `bash scripts/with-keychain.sh npx tsx bench/large-config.ts`. Prints one JSON object.
 */
import {spawnSync} from 'node:child_process'
import {renameSync} from 'node:fs'
import {join} from 'node:path'

import {KEYLESS_BIN, ROOT} from '../test/helpers/cli.js'
import {SESSION} from '../test/helpers/credential-process.js'
import {spawnEmulator} from '../test/helpers/emulator.js'
import {ssoSessionSection, writeFile} from '../test/helpers/files.js'
import {makeSandbox} from '../test/helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../test/helpers/seed-session.js'
import {timeChild} from './child-time.js'

const RUNS = Number(process.env.BENCH_RUNS) || 15
/** A run's wall and CPU time. */
type Sample = {ms: number; cpuMs: number}
const SYNC_RUNS = Number(process.env.BENCH_SYNC_RUNS) || 3
const ACCOUNTS = 1000
const ROLES = 3

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

function timed(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  check?: (stdout: string) => boolean,
): {ms: number; cpuMs: number; stdout: string} {
  const r = timeChild(command, args, env)
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 2000)}`)
  if (check && !check(r.stdout)) throw new Error(`${command} ${args.join(' ')}: unexpected output ${r.stdout.slice(0, 500)}`)
  return r
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const emulator = await spawnEmulator(['--port', '0', '--accounts', String(ACCOUNTS), '--roles-per-account', String(ROLES)])
  const sandbox = makeSandbox()
  try {
    const fixture = await emulator.fixture()
    await seedSession(emulator, sandbox)
    const env = {...sandbox.env, ...emulator.env()}
    const keyless = (args: string[], e: NodeJS.ProcessEnv = env, check?: (stdout: string) => boolean) =>
      timed(process.execPath, [KEYLESS_BIN, ...args], e, check)
    // KEYLESS_BENCH_CPU_PROF=DIR: the syncs write a V8 CPU profile there (where the time goes).
    const prof = process.env.KEYLESS_BENCH_CPU_PROF
    const sync = (check: (stdout: string) => boolean) =>
      timed(
        process.execPath,
        [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), KEYLESS_BIN, 'profiles', 'sync', '--json'],
        env,
        check,
      )

    // The listing alone (`accounts --refresh`, which caches it), then the first sync and no-op re-syncs, which use
    // that cached listing (as `profiles sync` does within the hour): what they cost is keyless's own work.
    const listings = [keyless(['accounts', '--refresh', '--json'])]
    const first = sync((out) => JSON.parse(out).added.length === ACCOUNTS * ROLES)
    const noop: Sample[] = []
    for (let i = 0; i < SYNC_RUNS; i++) noop.push(sync((out) => JSON.parse(out).unchanged.length === ACCOUNTS * ROLES))
    const listingMs = listings.map((l) => l.ms)
    const listingCpuMs = median(listings.map((l) => l.cpuMs))
    // Both configs outside ~/.aws: audit reads every other file under ~/.aws (copies, backups), so with the two side by
    // side the one-session audit would scan the 650 KB file too, and audit's growth would read smaller than it is.
    const large = join(sandbox.home, 'large-config')
    renameSync(sandbox.configFile, large)
    const {readFileSync, statSync} = await import('node:fs')
    const bytes = statSync(large).size
    const profiles = (readFileSync(large, 'utf8').match(/^\[profile /gm) ?? []).length

    // The one-session config: the session and one profile, as credential-process reads it.
    const small = join(sandbox.home, 'small-config')
    const profile = readFileSync(large, 'utf8')
      .split(/\n(?=\[)/)
      .find((s) => s.startsWith('[profile '))!
    writeFile(small, ssoSessionSection(SESSION, fixture.startUrl, fixture.region) + '\n' + profile.trimEnd() + '\n')
    const argsOf = /--account-id[= ](\d+) --role-name[= ](\S+)/.exec(profile)!
    const role = {accountId: argsOf[1]!, roleName: argsOf[2]!}
    const envSmall = {...env, AWS_CONFIG_FILE: small}
    const envLarge = {...env, AWS_CONFIG_FILE: large}

    // The parse on its own, cold, in a fresh process each time.
    const parseScript = `const {readFileSync} = require('node:fs'); import(${JSON.stringify(join(ROOT, 'dist', 'aws-config', 'ini.js'))}).then(({parseConfig}) => { const text = readFileSync(${JSON.stringify(large)}, 'utf8'); const t = performance.now(); const c = process.cpuUsage(); const doc = parseConfig(text); const parsed = performance.now(); const u = process.cpuUsage(c); let keys = 0; for (const s of doc.sections) keys += s.keys.length; process.stdout.write(JSON.stringify([parsed - t, (u.user + u.system) / 1000, keys > 0 ? performance.now() - parsed : -1])) })`
    // What the parse adds to a process: a fresh process that reads and parses the file it is given and does nothing
    // else, with each config (its CPU and wall time measured from outside, as audit's and whoami's are).
    const parseOnlyScript = `const {readFileSync} = require('node:fs'); import(${JSON.stringify(join(ROOT, 'dist', 'aws-config', 'ini.js'))}).then(({parseConfig}) => { process.stdout.write(typeof parseConfig(readFileSync(process.argv[1], 'utf8'))) })`
    const parseMs: number[] = []
    /** The parse's CPU time, all of the process's threads (V8's GC and compiler threads too). */
    const parseCpuMs: number[] = []
    /** Making every section and key object after the parse. */
    const sectionsMs: number[] = []

    const cachedArgs = ['credential-process', '--session', SESSION, '--account-id', role.accountId, '--role-name', role.roleName]
    keyless(cachedArgs, envLarge) // fills the keychain cache
    const entry = `session/${SESSION}/role/${role.accountId}/${role.roleName}`
    // A script file, as a credential_process command is (node -e loads modules a file does not: ~40 more page faults).
    const bareKeytar = join(sandbox.home, 'bare-keytar.cjs')
    writeFile(
      bareKeytar,
      `require(${JSON.stringify(join(ROOT, 'node_modules', 'keytar'))}).getPassword(${JSON.stringify(sandbox.keychainService)}, ${JSON.stringify(entry)}).then((v) => require('node:fs').writeSync(1, v ? '{"Version":1}' : ''))\n`,
    )
    // A cache miss (GetRoleCredentials through the SDK) of another role: its cached entry dropped before each run.
    const otherRole = /--account-id[= ](\d+) --role-name[= ](\S+)/.exec(
      readFileSync(large, 'utf8')
        .split(/\n(?=\[)/)
        .filter((s) => s.startsWith('[profile '))[1]!,
    )!
    const missArgs = ['credential-process', '--session', SESSION, '--account-id', otherRole[1]!, '--role-name', otherRole[2]!]
    const dropMissEntry = `import(${JSON.stringify(join(ROOT, 'dist', 'keychain', 'keychain.js'))}).then(({openKeychain}) => openKeychain({service: ${JSON.stringify(sandbox.keychainService)}}).delete(${JSON.stringify(`session/${SESSION}/role/${otherRole[1]}/${otherRole[2]}`)}))`
    const miss = (e: NodeJS.ProcessEnv) => {
      spawnSync(process.execPath, ['-e', dropMissEntry], {env})
      return timed(process.execPath, [KEYLESS_BIN, ...missArgs], e, (out) => /"Version": ?1/.test(out))
    }
    // The print floor: as many bytes as `audit --json` prints with each config, through one reused 64 KB buffer.
    const auditJsonBytes = {
      small: Buffer.byteLength(keyless(['audit', '--json'], envSmall).stdout),
      large: Buffer.byteLength(keyless(['audit', '--json'], envLarge).stdout),
    }
    const printFloor = (bytes: number) =>
      `const {writeSync} = require('node:fs'); const b = Buffer.allocUnsafeSlow(65536).fill(32); for (let n = ${bytes}; n > 0; n -= 65536) writeSync(1, b, 0, Math.min(n, 65536))`
    const printed = (bytes: number) => (out: string) => out.length === bytes
    const node24 = process.env.KEYLESS_BENCH_NODE24 || undefined
    const hasCreds = (out: string) => /"Version": ?1/.test(out)
    const subjects: Record<string, () => Sample> = {
      node: () => timed(process.execPath, ['-e', '0'], env),
      bareKeytar: () => timed(process.execPath, [bareKeytar], env, hasCreds),
      cachedSmall: () => timed(process.execPath, [KEYLESS_BIN, ...cachedArgs], envSmall, hasCreds),
      cachedLarge: () => timed(process.execPath, [KEYLESS_BIN, ...cachedArgs], envLarge, hasCreds),
      ...(node24
        ? {
            bareKeytar24: () => timed(node24, [bareKeytar], env, hasCreds),
            cachedSmall24: () => timed(node24, [KEYLESS_BIN, ...cachedArgs], envSmall, hasCreds),
            cachedLarge24: () => timed(node24, [KEYLESS_BIN, ...cachedArgs], envLarge, hasCreds),
          }
        : {}),
      parse: () => {
        const r = timed(process.execPath, ['-e', parseScript], env)
        const [wallMs, cpuMs, allMs] = JSON.parse(r.stdout) as [number, number, number]
        parseMs.push(wallMs)
        parseCpuMs.push(cpuMs)
        sectionsMs.push(allMs)
        return r
      },
      // The two make the yardstick for audit's and whoami's growth, measured as theirs is: what the parse of the large
      // file adds to a process (read, decoded, parsed, and what V8 does for it on its other threads, after the call too).
      parseOnlySmall: () => timed(process.execPath, ['-e', parseOnlyScript, small], env, (out) => out === 'object'),
      parseOnlyLarge: () => timed(process.execPath, ['-e', parseOnlyScript, large], env, (out) => out === 'object'),
      missSmall: () => miss(envSmall),
      missLarge: () => miss(envLarge),
      // whoami with the emulator's static IAM-user key in the environment: it still reads the config file.
      auditJsonFloorSmall: () => timed(process.execPath, ['-e', printFloor(auditJsonBytes.small)], env, printed(auditJsonBytes.small)),
      auditJsonFloorLarge: () => timed(process.execPath, ['-e', printFloor(auditJsonBytes.large)], env, printed(auditJsonBytes.large)),
      auditSmall: () => keyless(['audit', '--json'], envSmall),
      auditLarge: () => keyless(['audit', '--json'], envLarge),
      auditHumanSmall: () => keyless(['audit'], envSmall),
      auditHumanLarge: () => keyless(['audit'], envLarge),
      whoamiSmall: () => keyless(['whoami'], {...envSmall, ...staticCreds(emulator.url)}),
      whoamiLarge: () => keyless(['whoami'], {...envLarge, ...staticCreds(emulator.url)}),
    }
    const names = Object.keys(subjects)
    for (const name of names) subjects[name]!() // warm-up
    parseMs.length = 0
    parseCpuMs.length = 0
    sectionsMs.length = 0
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
    const cpuTimes: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
    // The credential-process subjects (~100-140 ms each, judged on differences of a few ms) alternate in a block of
    // their own, with three times the runs: among the others (audit, a miss: 400 ms and memory freed) they drifted by
    // more than the difference measured.
    const cheap = names.filter((n) => /^(node|bareKeytar|cached)/.test(n))
    const rounds = (group: string[], count: number) => {
      for (let i = 0; i < count; i++) {
        for (let k = 0; k < group.length; k++) {
          const name = group[(k + i) % group.length]!
          const sample = subjects[name]!()
          times[name]!.push(sample.ms)
          cpuTimes[name]!.push(sample.cpuMs)
        }
      }
    }
    rounds(cheap, RUNS * 3)
    rounds(
      names.filter((n) => !cheap.includes(n)),
      RUNS,
    )
    const m = (name: string) => round(median(times[name]!))
    /** The median CPU time of one run. */
    const c = (name: string) => round(median(cpuTimes[name]!))
    /**
     * The median of the differences `a - b` run by run: a and b ran one after the other in each round (the cheap block
     * alternates them), so each difference is taken under the same load, and a load that drifts over the rounds drops
     * out; a difference of two medians keeps it (with 45 runs each, the two could differ by 2-3 ms of drift).
     */
    const paired = (a: string, b: string, source: Record<string, number[]>) => {
      const x = source[a]!
      const y = source[b]!
      return round(median(x.map((v, i) => v - y[i]!)))
    }
    const perNode = (suffix: string, version: string) =>
      times[`cachedLarge${suffix}`]
        ? {
            version,
            bareKeytarMs: m(`bareKeytar${suffix}`),
            cachedSmallMs: m(`cachedSmall${suffix}`),
            cachedLargeMs: m(`cachedLarge${suffix}`),
            ratioLargeSmall: round(median(times[`cachedLarge${suffix}`]!) / median(times[`cachedSmall${suffix}`]!), 3),
            ownMs: paired(`cachedLarge${suffix}`, `bareKeytar${suffix}`, times),
            ownSmallMs: paired(`cachedSmall${suffix}`, `bareKeytar${suffix}`, times),
            /** The same as a difference of the two medians (how it was reported before). */
            ownOfMediansMs: round(median(times[`cachedLarge${suffix}`]!) - median(times[`bareKeytar${suffix}`]!)),
            cpu: {
              bareKeytarMs: c(`bareKeytar${suffix}`),
              cachedSmallMs: c(`cachedSmall${suffix}`),
              cachedLargeMs: c(`cachedLarge${suffix}`),
              ratioLargeSmall: round(median(cpuTimes[`cachedLarge${suffix}`]!) / median(cpuTimes[`cachedSmall${suffix}`]!), 3),
              ownMs: paired(`cachedLarge${suffix}`, `bareKeytar${suffix}`, cpuTimes),
              ownSmallMs: paired(`cachedSmall${suffix}`, `bareKeytar${suffix}`, cpuTimes),
              ownOfMediansMs: round(c(`cachedLarge${suffix}`) - c(`bareKeytar${suffix}`)),
            },
          }
        : null
    const listing = median(listingMs)
    process.stdout.write(
      JSON.stringify({
        configBytes: bytes,
        profiles,
        listingMs: round(listing, 0),
        firstSyncMs: round(first.ms, 0),
        noopSyncMs: round(median(noop.map((r) => r.ms)), 0),
        cpuSync: {
          listingMs: listingCpuMs,
          firstSyncMs: first.cpuMs,
          noopSyncMs: median(noop.map((r) => r.cpuMs)),
        },
        parseMs: round(median(parseMs)),
        parseCpuMs: round(median(parseCpuMs)),
        /** What the parse of the large file adds to a fresh process, wall time (paired; CPU: cpuGrowthMs.parse). */
        parseGrowthMs: paired('parseOnlyLarge', 'parseOnlySmall', times),
        sectionsMs: round(median(sectionsMs)),
        nodeMs: m('node'),
        node20: perNode('', process.version),
        node24: node24 ? perNode('24', spawnSync(node24, ['--version'], {encoding: 'utf8'}).stdout.trim()) : null,
        missSmallMs: m('missSmall'),
        missLargeMs: m('missLarge'),
        auditSmallMs: m('auditSmall'),
        auditLargeMs: m('auditLarge'),
        auditJsonBytes,
        auditJsonPrintFloorMs: {
          small: m('auditJsonFloorSmall'),
          large: m('auditJsonFloorLarge'),
          growth: round(median(times.auditJsonFloorLarge!) - median(times.auditJsonFloorSmall!)),
        },
        auditJsonGrowthOverFloorMs: round(
          median(times.auditLarge!) - median(times.auditSmall!) - (median(times.auditJsonFloorLarge!) - median(times.auditJsonFloorSmall!)),
        ),
        auditHumanSmallMs: m('auditHumanSmall'),
        auditHumanLargeMs: m('auditHumanLarge'),
        whoamiSmallMs: m('whoamiSmall'),
        whoamiLargeMs: m('whoamiLarge'),
        cpuMs: Object.fromEntries(names.map((n) => [n, c(n)])),
        // With each config, round by round (see paired): what 3,000 profiles add to each command's CPU time.
        cpuGrowthMs: {
          parse: paired('parseOnlyLarge', 'parseOnlySmall', cpuTimes),
          audit: paired('auditLarge', 'auditSmall', cpuTimes),
          auditHuman: paired('auditHumanLarge', 'auditHumanSmall', cpuTimes),
          whoami: paired('whoamiLarge', 'whoamiSmall', cpuTimes),
        },
        runs: RUNS,
        cachedRuns: RUNS * 3,
      }) + '\n',
    )
  } finally {
    await wipeSandboxKeychain(sandbox)
    sandbox.cleanup()
    await emulator.close()
  }
}

/** The emulator's static IAM-user key, for whoami. */
const staticCreds = (url: string) => ({
  AWS_ACCESS_KEY_ID: 'AKIAEMULATORUSER0001',
  AWS_SECRET_ACCESS_KEY: 'emulator-user-secret-0000000000000000000',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: url,
})

await main()
