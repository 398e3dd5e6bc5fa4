/**
 * Issue 23: `keyless audit --scan` over a tree people really have. The tree is ~14,000 real text files (~100 MB)
 * copied from this repository's node_modules (text files of at least 256 bytes, in name order), with every
 * directory the scan would skip (nested node_modules, vendor, .git...) renamed so nothing is skipped, and a few
 * key pairs planted in different formats.
 *   scan         keyless's scan time = `audit --offline --json --scan TREE` - `audit --offline --json` (medians of
 *                alternating runs), against ripgrep reading the same bytes for one pattern, single-threaded
 *                (`rg -j1 -l --no-ignore --hidden 'AKIA[0-9A-Z]{16}'`). Target <= 4x.
 *   secretlint   secretlint with its recommended preset on a 2,000-file slice of the tree, against keyless's scan
 *                time on the same slice. Target keyless >= 20x faster.
 *   rss          peak RSS of the whole-tree audit (time -f %M). Target <= 150 MB.
 *   found        every planted pair is a project-file-key finding at its file and line.
 * Wall times and the CPU time of the children (/proc/self/stat) are both reported: the machine may be shared.
 * Run: `npx tsx bench/audit-scan.ts` (npm run bench runs it). Prints one JSON object.
 */
import {spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, relative, sep} from 'node:path'

import {isBinaryFileSync} from 'isbinaryfile'

import {SKIPPED_DIRS} from '../src/audit/walk.js'
import {KEYLESS_BIN, ROOT} from '../test/helpers/cli.js'
import {makeSandbox} from '../test/helpers/sandbox.js'

const RUNS = Number(process.env.BENCH_RUNS) || 5
const FILES = Number(process.env.BENCH_SCAN_FILES) || 14_000
/** Files this small are left out: 14,000 files of at least 256 bytes weigh ~100 MB here, the tree of the issue. */
const MIN_BYTES = Number(process.env.BENCH_SCAN_MIN_BYTES) || 256
const SLICE = 2_000
const RG = process.env.BENCH_RG || '/usr/bin/rg'

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

function childCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[13]) + Number(fields[14])) * 10
}

/** One run: wall and CPU time; `ok` are the exit codes that mean success (rg: 0 found; secretlint: 1 found). */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv, ok = [0]): {ms: number; cpuMs: number; stdout: string} {
  const cpu = childCpuMs()
  const started = performance.now()
  const r = spawnSync(command, args, {env, encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 256 * 1024 * 1024})
  const ms = performance.now() - started
  if (!ok.includes(r.status ?? -1))
    throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 500)}`)
  return {ms, cpuMs: childCpuMs() - cpu, stdout: r.stdout}
}

/** Text files of node_modules in name order, copied with every skipped directory name renamed. */
function buildTree(dest: string, limit: number): {files: number; bytes: number; paths: string[]} {
  const source = join(ROOT, 'node_modules')
  const paths: string[] = []
  let bytes = 0
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (paths.length >= limit) return
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) {
        const data = readFileSync(path)
        if (data.length < MIN_BYTES || isBinaryFileSync(data, data.length)) continue
        const rel = relative(source, path)
          .split(sep)
          .map((part) => (SKIPPED_DIRS.has(part) ? `${part}_` : part))
          .join(sep)
        const target = join(dest, rel)
        mkdirSync(dirname(target), {recursive: true})
        copyFileSync(path, target)
        paths.push(target)
        bytes += data.length
      }
    }
  }
  walk(source)
  return {files: paths.length, bytes, paths}
}

const ID = 'AKIAEMULATORUSER0001'
const SECRET = 'emulator-user-secret-0000000000000000000'
/** Pairs planted in files of the tree, each in another format: [file, text appended, line of the key id]. */
function plant(paths: string[], every: number): Array<{file: string; line: number}> {
  const formats = [
    `\nexport AWS_ACCESS_KEY_ID=${ID}\nexport AWS_SECRET_ACCESS_KEY=${SECRET}\n`,
    `\n// const creds = {accessKeyId: "${ID}", \n//   secretAccessKey: "${SECRET}"}\n`,
    `\n# aws_access_key_id = ${ID}\n# aws_secret_access_key = ${SECRET}\n`,
    `\n/* new BasicAWSCredentials("${ID}", "${SECRET}") */\n`,
    `\n<!-- ${ID}:${SECRET} -->\n`,
  ]
  return formats.map((text, i) => {
    const file = paths[Math.min(paths.length - 1, i * every + 7)]!
    const before = readFileSync(file, 'utf8')
    const line = before.split(/\r\n|\n|\r/).length + 1
    writeFileSync(file, before + text)
    return {file, line}
  })
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'keyless-bench-scan-'))
  const sandbox = makeSandbox()
  try {
    const tree = join(work, 'tree')
    const built = buildTree(tree, FILES)
    const planted = plant(built.paths, Math.floor(built.files / 5))
    // The slice: the first 2,000 files of the tree, in a tree of their own, one pair planted.
    const slice = join(work, 'slice')
    for (const path of built.paths.slice(0, SLICE)) {
      const target = join(slice, relative(tree, path))
      mkdirSync(dirname(target), {recursive: true})
      copyFileSync(path, target)
    }
    const env = {...sandbox.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: ''}
    const keyless = (args: string[]) => timed(process.execPath, [KEYLESS_BIN, 'audit', '--offline', '--json', ...args], env, [0, 3])
    const rg = () => timed(RG, ['-j1', '-l', '--no-ignore', '--hidden', 'AKIA[0-9A-Z]{16}', tree], env, [0])

    // Warm the page cache for every subject first: each then reads from memory, as on a second run.
    rg()
    const first = keyless(['--scan', tree])
    const times: Record<'base' | 'scan' | 'rg' | 'sliceScan', Array<{ms: number; cpuMs: number}>> = {
      base: [],
      scan: [],
      rg: [],
      sliceScan: [],
    }
    for (let i = 0; i < RUNS; i++) {
      const order = (['base', 'scan', 'rg', 'sliceScan'] as const).map((_, k, all) => all[(k + i) % all.length]!)
      for (const name of order) {
        if (name === 'base') times.base.push(keyless([]))
        if (name === 'scan') times.scan.push(keyless(['--scan', tree]))
        if (name === 'rg') times.rg.push(rg())
        if (name === 'sliceScan') times.sliceScan.push(keyless(['--scan', slice]))
      }
    }

    // Every planted pair found, at its file and line.
    const findings = (JSON.parse(first.stdout) as {findings: Array<{kind: string; location: {file: string; line: number}}>}).findings
    const shown = (file: string) => file.replace(sandbox.home, '~')
    const found = planted.filter((p) =>
      findings.some((f) => f.kind === 'project-file-key' && f.location.file === shown(p.file) && f.location.line === p.line),
    ).length

    // Peak RSS of the whole-tree audit.
    let peakKb = 0
    for (let i = 0; i < 3; i++) {
      const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, KEYLESS_BIN, 'audit', '--offline', '--json', '--scan', tree], {
        env,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      })
      peakKb = Math.max(peakKb, Number(r.stderr.trim().split('\n').pop()))
    }

    // secretlint, once (it takes tens of seconds), on the slice. Its output (the secrets it found) is discarded.
    const rc = join(work, '.secretlintrc.json')
    writeFileSync(rc, JSON.stringify({rules: [{id: '@secretlint/secretlint-rule-preset-recommend'}]}))
    const secretlint = timed(
      process.execPath,
      [join(ROOT, 'node_modules', 'secretlint', 'bin', 'secretlint.js'), '--secretlintrc', rc, '--format', 'json', `${slice}/**/*`],
      {...env, NODE_OPTIONS: ''},
      [0, 1],
    )

    const m = (name: keyof typeof times) => median(times[name].map((t) => t.ms))
    const c = (name: keyof typeof times) => median(times[name].map((t) => t.cpuMs))
    const scanMs = m('scan') - m('base')
    const sliceScanMs = m('sliceScan') - m('base')
    process.stdout.write(
      JSON.stringify({
        files: built.files,
        megabytes: round(built.bytes / 1024 / 1024),
        planted: planted.length,
        found,
        baseMs: round(m('base')),
        scanTotalMs: round(m('scan')),
        scanMs: round(scanMs),
        rgMs: round(m('rg')),
        ratioRg: round(scanMs / m('rg'), 2),
        cpu: {
          baseMs: c('base'),
          scanTotalMs: c('scan'),
          scanMs: c('scan') - c('base'),
          rgMs: c('rg'),
          ratioRg: round((c('scan') - c('base')) / c('rg'), 2),
        },
        sliceFiles: SLICE,
        sliceScanMs: round(sliceScanMs),
        secretlintMs: round(secretlint.ms),
        ratioSecretlint: round(secretlint.ms / sliceScanMs, 1),
        peakRssMb: round(peakKb / 1024),
        runs: RUNS,
        loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      }) + '\n',
    )
  } finally {
    sandbox.cleanup()
    rmSync(work, {recursive: true, force: true})
  }
}

await main()
