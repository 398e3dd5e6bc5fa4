/**
 * `npm run bench`: every benchmark scenario, each measured side by side in this one run (alternating runs,
 * medians, ratios), printed as one markdown table with its target. Machine-specific numbers are never committed.
 */
import {spawn} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** Runs one bench script (its own process, so one cannot slow another) and parses the JSON it prints last. */
function runBench(script: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    process.stderr.write(`running ${script}...\n`)
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, script)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      try {
        if (code !== 0) throw new Error(`exit ${code}`)
        resolve(JSON.parse(last) as Record<string, unknown>)
      } catch (error) {
        reject(new Error(`${script} failed (${(error as Error).message}): ${stdout}`))
      }
    })
  })
}

type Row = [scenario: string, measured: string, baseline: string, ratio: string, target: string, verdict: string]
const ok = (pass: boolean) => (pass ? 'met' : '**missed**')
const ms = (v: unknown) => `${Math.round(Number(v))} ms`
/** Three decimals: a ratio at a target's edge must not round onto it. */
const ratio = (a: number, b: number) => `${(a / b).toFixed(3)}x`

const rows: Row[] = []
let failed = false
for (const [script, toRows] of [
  [
    'credential-process.ts',
    (r: Record<string, any>): Row[] => [
      ...[r, r.node24].filter(Boolean).flatMap((v: Record<string, any>): Row[] => [
        [
          `credential-process, cached, ${v.version}: keyless's own cost (cached - bare keytar read)`,
          `${v.ownMs} ms`,
          `keytar ${ms(v.keytarMedianMs)}, cached ${ms(v.cachedMedianMs)}`,
          '',
          '<= 5 ms',
          ok(v.ownMs <= 5),
        ],
        [
          `credential-process, cached, ${v.version} (vs \`node -e 0\`)`,
          ms(v.cachedMedianMs),
          ms(v.nodeMedianMs),
          ratio(v.cachedMedianMs, v.nodeMedianMs),
          '<= 1.5x',
          ok(v.cachedMedianMs / v.nodeMedianMs <= 1.5),
        ],
      ]),
      ...(r.node24
        ? []
        : [['credential-process on Node.js 24', 'not run', '', '', '', 'KEYLESS_BENCH_NODE24 unset (npm run bench sets it)'] as Row]),
      [
        'credential-process, cached (vs `aws configure export-credentials`)',
        ms(r.cachedMedianMs),
        ms(r.awsCliMedianMs),
        ratio(r.cachedMedianMs, r.awsCliMedianMs),
        '<= 0.2x',
        ok(r.cachedMedianMs / r.awsCliMedianMs <= 0.2),
      ],
      ['credential-process, cached: peak RSS', `${r.peakRssMb} MB`, '', '', '<= 80 MB', ok(r.peakRssMb <= 80)],
    ],
  ],
  [
    'kernel-keyring.ts',
    (r: Record<string, any>): Row[] => [
      [
        'credential-process, cached, kernel-keyring store (vs `node -e 0`)',
        ms(r.kernelMedianMs),
        ms(r.nodeMedianMs),
        ratio(r.kernelMedianMs, r.nodeMedianMs),
        '<= 1.3x',
        ok(r.kernelMedianMs / r.nodeMedianMs <= 1.3),
      ],
      [
        'credential-process, cached, kernel-keyring store (vs the keychain store)',
        ms(r.kernelMedianMs),
        ms(r.keychainMedianMs),
        ratio(r.kernelMedianMs, r.keychainMedianMs),
        'reported',
        '',
      ],
      ['one `keyctl pipe` alone (the cached path runs one)', ms(r.keyctlMedianMs), '', '', 'reported', ''],
    ],
  ],
  [
    'whoami.ts',
    (r: Record<string, any>): Row[] => [
      [
        'whoami (vs `aws sts get-caller-identity`)',
        ms(r.keylessMedianMs),
        ms(r.awsCliMedianMs),
        ratio(r.keylessMedianMs, r.awsCliMedianMs),
        '<= 0.5x',
        ok(r.keylessMedianMs / r.awsCliMedianMs <= 0.5),
      ],
    ],
  ],
  [
    'large-config.ts',
    // Verdicts on CPU time (the children's user + system time): on a shared machine wall time mostly measures the
    // wait for a core. Wall medians are shown beside it.
    (r: Record<string, any>): Row[] => {
      const size = `${r.profiles} profiles, ${Math.round(r.configBytes / 1024)} KB`
      return [
        ...[r.node20, r.node24].filter(Boolean).flatMap((v: Record<string, any>): Row[] => [
          [
            `credential-process, cached, ${v.version}, ${size} (vs a one-session config; CPU)`,
            ms(v.cpu.cachedLargeMs),
            `${ms(v.cpu.cachedSmallMs)} (wall ${ms(v.cachedLargeMs)} vs ${ms(v.cachedSmallMs)})`,
            `${v.cpu.ratioLargeSmall.toFixed(3)}x`,
            '<= 1.05x',
            ok(v.cpu.ratioLargeSmall <= 1.05),
          ],
          [
            `credential-process, cached, ${v.version}, ${size}: own cost (vs keytar read + fs.writeSync; CPU)`,
            `${v.cpu.ownMs} ms`,
            `bare ${ms(v.cpu.bareKeytarMs)} (wall: own ${v.ownMs} ms)`,
            '',
            '<= 5 ms',
            ok(v.cpu.ownMs <= 5),
          ],
        ]),
        [
          `parseConfig of the ${size} file, cold, on its own (wall, in-process)`,
          `${r.parseMs} ms`,
          `CPU ${r.parseCpuMs} ms; every section and key made afterwards: +${r.sectionsMs} ms`,
          '',
          '<= 15 ms',
          ok(r.parseMs <= 15),
        ],
        [
          `profiles sync, no-op, ${size}, listing cached (wall)`,
          ms(r.noopSyncMs),
          `CPU ${ms(r.cpuSync.noopSyncMs)} (a fresh listing alone: wall ${ms(r.listingMs)}, CPU ${ms(r.cpuSync.listingMs)})`,
          '',
          '<= 1000 ms',
          ok(r.noopSyncMs <= 1000),
        ],
        [
          `profiles sync, first, ${size}, listing cached (wall)`,
          ms(r.firstSyncMs),
          `CPU ${ms(r.cpuSync.firstSyncMs)}`,
          '',
          '<= 1500 ms',
          ok(r.firstSyncMs <= 1500),
        ],
        [
          `parseConfig of the ${size} file: what it adds to a fresh process (read and parsed, vs the one-session config; CPU)`,
          `+${r.cpuGrowthMs.parse} ms`,
          `wall +${r.parseGrowthMs} ms (the call alone: CPU ${r.parseCpuMs} ms)`,
          '',
          'reported: the yardstick below',
          '',
        ],
        // Issue 22: audit and whoami may grow with the number of profiles by no more than the parse. Both sides are
        // what the large config adds to a whole process's CPU (all its threads, to its exit), round by round; the
        // parse call's own window leaves out the reading of the file and V8's compiles for it that end after the call.
        ...(['audit', 'auditHuman', 'whoami'] as const).map((command): Row => {
          const growth = r.cpuGrowthMs[command] as number
          return [
            `${command === 'auditHuman' ? 'audit (human output)' : command === 'audit' ? 'audit --json' : command}, ${size} (vs a one-session config; CPU)`,
            ms(r.cpuMs[`${command}Large`]),
            `${ms(r.cpuMs[`${command}Small`])} (growth ${growth} ms; wall ${ms(r[`${command}LargeMs`])} vs ${ms(r[`${command}SmallMs`])})`,
            ratio(r.cpuMs[`${command}Large`], r.cpuMs[`${command}Small`]),
            `growth <= the parse's (${r.cpuGrowthMs.parse} ms)`,
            ok(growth <= r.cpuGrowthMs.parse),
          ]
        }),
        [
          `credential-process, cache miss (GetRoleCredentials), ${size} (vs a one-session config; CPU)`,
          ms(r.cpuMs.missLarge),
          `${ms(r.cpuMs.missSmall)} (wall ${ms(r.missLargeMs)} vs ${ms(r.missSmallMs)})`,
          ratio(r.cpuMs.missLarge, r.cpuMs.missSmall),
          'reported',
          '',
        ],
      ]
    },
  ],
  [
    'import.ts',
    (r: Record<string, any>): Row[] => [
      [
        `import, ${r.profiles} AWS CLI SSO profiles, listing cached (CPU)`,
        ms(r.importCpuMs),
        `wall ${ms(r.importMedianMs)}`,
        '',
        '<= 1000 ms',
        ok(r.importCpuMs <= 1000),
      ],
    ],
  ],
  [
    'accounts.ts',
    (r: Record<string, any>): Row[] => [
      [
        `accounts, 1,000 x 3 at 20 rps (${r.throttled.calls} calls, ${r.throttled.failedCalls} failed)`,
        ms(r.throttled.wallMs),
        `floor ${ms(r.throttled.floorMs)}`,
        `${r.throttled.ratio}x`,
        '<= 1.15x, 0 failed',
        ok(r.throttled.ratio <= 1.15 && r.throttled.failedCalls === 0),
      ],
      [
        `accounts, 300 x 3 unthrottled, 50 ms latency (${r.unthrottled.calls} calls)`,
        ms(r.unthrottled.wallMs),
        '',
        '',
        '<= 2000 ms',
        ok(r.unthrottled.wallMs <= 2000),
      ],
    ],
  ],
  [
    'audit-scan.ts',
    // Issue 23: the scan of a real tree (node_modules files, nothing skipped) against ripgrep reading the same bytes
    // for one pattern, and against secretlint on a 2,000-file slice.
    (r: Record<string, any>): Row[] => [
      [
        `audit --scan of ${r.files} text files, ${r.megabytes} MB: scan time (scan - plain audit; CPU ${ms(r.cpu.scanMs)} vs rg ${ms(r.cpu.rgMs)}, ${r.cpu.ratioRg}x; load ${r.loadavg})`,
        ms(r.scanMs),
        `\`rg -j1 -l --no-ignore --hidden 'AKIA[0-9A-Z]{16}'\` ${ms(r.rgMs)}`,
        ratio(r.scanMs, r.rgMs),
        '<= 4x',
        ok(r.scanMs / r.rgMs <= 4),
      ],
      [
        `audit --scan of a ${r.sliceFiles}-file slice (vs secretlint, recommended preset)`,
        ms(r.sliceScanMs),
        `secretlint ${ms(r.secretlintMs)}`,
        `${r.ratioSecretlint}x faster`,
        '>= 20x faster',
        ok(r.ratioSecretlint >= 20),
      ],
      ['audit --scan of the whole tree: peak RSS', `${r.peakRssMb} MB`, '', '', '<= 150 MB', ok(r.peakRssMb <= 150)],
      ['audit --scan: planted key pairs found', `${r.found} of ${r.planted}`, '', '', 'all', ok(r.found === r.planted)],
    ],
  ],
  [
    'herd.ts',
    (r: Record<string, any>): Row[] =>
      (['keychain', 'kernel-keyring'] as const).map((store): Row => [
        `credential-process herd: ${r.herd} cold callers over 4 roles, token due for refresh, ${store} store: the slowest (${r[store].failed} failed, ${r[store].CreateToken} CreateToken, ${r[store].GetRoleCredentials} GetRoleCredentials; ${r.herd} x \`node -e 0\` at once: ${ms(r.concurrentNodeMs)})`,
        ms(r[store].slowestMs),
        `node -e 0 x ${r.herd} / ${r.cores} cores: ${ms(r.floorMs)}`,
        ratio(r[store].slowestMs, r.floorMs),
        '<= 2x, 0 failed',
        ok(r[store].slowestMs / r.floorMs <= 2 && r[store].failed === 0),
      ]),
  ],
] as const) {
  // BENCH_ONLY=large-config (a comma-separated list of script names) runs only those.
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim().replace(/\.ts$/, ''))
  if (only && !only.includes(script.replace(/\.ts$/, ''))) continue
  try {
    rows.push(...toRows(await runBench(script)))
  } catch (error) {
    failed = true
    rows.push([
      script,
      'error',
      '',
      '',
      '',
      String((error as Error).message)
        .split('\n')[0]!
        .slice(0, 120),
    ])
  }
}

const header: Row = ['scenario', 'keyless (median)', 'baseline', 'ratio', 'target', 'verdict']
console.log(`\nkeyless benchmark, ${new Date().toISOString()}, node ${process.version}\n`)
for (const row of [header, ['---', '---', '---', '---', '---', '---'] as Row, ...rows]) console.log(`| ${row.join(' | ')} |`)
process.exit(failed ? 1 : 0)
