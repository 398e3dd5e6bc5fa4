import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeFileAtomic} from '../../src/aws-config/atomic-write.js'
import {ROOT} from '../helpers/cli.js'

// A writer process rewrites the config file in a tight loop (old bytes <-> new bytes, with a backup each
// time) and is SIGKILLed at a random moment, 50 times. Whenever it died, the file must hold exactly the old
// or the new bytes (never a prefix, never a mix, never empty) with its mode intact, and the backup, when
// there is one, must be one of the two as well.

const RUNS = 50
const PARALLEL = 10
const SIZE = 256 * 1024

/** Two big, different contents that share a prefix (so a torn write could not hide). */
const line = (i: number, tag: string): string => `[profile p${i}]\ncredential_process = keyless ${tag} ${i}\n`
const build = (tag: string): string => {
  let s = '# same prefix\n'
  for (let i = 0; s.length < SIZE; i++) s += line(i, tag)
  return s
}
const OLD = build('old')
const NEW = build('new')

const WRITER = `
import {readFileSync} from 'node:fs'
import {writeFileAtomic} from ${JSON.stringify(join(ROOT, 'src/aws-config/atomic-write.ts'))}
const [file, a, b] = [process.env.CRASH_FILE, process.env.CRASH_A, process.env.CRASH_B]
const texts = [readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]
process.stdout.write('ready\\n')
for (let i = 1; ; i++) await writeFileAtomic(file, texts[i % 2], {backup: true})
`

const root = mkdtempSync(join(tmpdir(), 'keyless-crash-'))
/** The writer, bundled once into plain JS (esbuild, which tsx brings): 50 tsx start-ups would dominate the run. */
const writerJs = join(root, 'writer.mjs')
beforeAll(async () => {
  const {build} = await import('esbuild')
  await build({
    stdin: {contents: WRITER, resolveDir: ROOT, loader: 'ts'},
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: writerJs,
    logLevel: 'error',
  })
})
afterAll(() => rmSync(root, {recursive: true, force: true}))
const oldFile = join(root, 'old.txt')
const newFile = join(root, 'new.txt')
writeFileSync(oldFile, OLD)
writeFileSync(newFile, NEW)

interface Outcome {
  content: 'old' | 'new' | 'other'
  backup: 'old' | 'new' | 'other' | 'none'
  mode: number
  leftoverTemps: number
}

const which = (bytes: string): 'old' | 'new' | 'other' => (bytes === OLD ? 'old' : bytes === NEW ? 'new' : 'other')

function crashOnce(run: number): Promise<Outcome> {
  const dir = join(root, `run-${run}`)
  const file = join(dir, 'config')
  return new Promise((resolve, reject) => {
    ;(async () => {
      const {mkdirSync} = await import('node:fs')
      mkdirSync(dir)
      writeFileSync(file, OLD)
      chmodSync(file, 0o640)
      const child = spawn(process.execPath, [writerJs], {
        cwd: ROOT,
        env: {...process.env, CRASH_FILE: file, CRASH_A: oldFile, CRASH_B: newFile},
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const guard = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.on('error', reject)
      child.stdout.once('data', () => {
        // Somewhere in the first few writes: before, during or after a rename.
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 150)
      })
      child.on('exit', (_code, signal) => {
        clearTimeout(guard)
        try {
          expect(signal).toBe('SIGKILL')
          const bak = join(dir, 'config.keyless.bak')
          resolve({
            content: which(readFileSync(file, 'utf8')),
            backup: existsSync(bak) ? which(readFileSync(bak, 'utf8')) : 'none',
            mode: statSync(file).mode & 0o777,
            leftoverTemps: readdirSync(dir).filter((n) => n.endsWith('.tmp')).length,
          })
        } catch (error) {
          reject(error)
        }
      })
    })().catch(reject)
  })
}

describe('config write under SIGKILL', () => {
  it(`the file is always exactly the old or the new bytes (${RUNS} kills)`, async () => {
    const outcomes: Outcome[] = []
    for (let start = 0; start < RUNS; start += PARALLEL) {
      const batch = Array.from({length: Math.min(PARALLEL, RUNS - start)}, (_, i) => crashOnce(start + i))
      outcomes.push(...(await Promise.all(batch)))
    }
    for (const o of outcomes) {
      expect(o.content).not.toBe('other')
      expect(o.backup).not.toBe('other')
      expect(o.mode).toBe(0o640)
    }
    // The kills did land in the middle of writes (a temp file was left behind), so the test is not vacuous.
    expect(outcomes.some((o) => o.leftoverTemps > 0)).toBe(true)
    console.log(
      `config-crash: ${outcomes.filter((o) => o.content === 'old').length} old, ` +
        `${outcomes.filter((o) => o.content === 'new').length} new, ` +
        `${outcomes.filter((o) => o.leftoverTemps > 0).length} killed mid-write`,
    )
  }, 120_000)

  it('the next write removes the temp files a killed writer left behind', async () => {
    const dir = join(root, 'run-0')
    expect(existsSync(dir)).toBe(true)
    const file = join(dir, 'config')
    // A temp file of a process that cannot exist any more (pid 2^22+1 is above Linux's pid_max default).
    writeFileSync(join(dir, '.config.4194305.deadbeef.tmp'), 'partial')
    await writeFileAtomic(file, readFileSync(file, 'utf8') === OLD ? NEW : OLD, {backup: true})
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
})
