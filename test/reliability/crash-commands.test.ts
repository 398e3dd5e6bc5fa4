import {existsSync, type FSWatcher, mkdirSync, readdirSync, readFileSync, watch} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {ssoSessionSection, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// kill -9 of the real `keyless profiles sync` and `keyless configure` processes at random moments of their
// lives, 50 times each, two at a time. Whenever one dies, the config file must be exactly the old bytes or the
// new bytes (what an uninterrupted run writes), and the backup exactly what it was or the old config.

const RUNS = 50
const PARALLEL = 2
const START_URL = 'https://keyless-demo.awsapps.com/start'

/** A user's config worth keeping: ~200 KB of their own profiles (a torn write could not hide), then the session. */
function userConfig(region = 'us-east-1'): string {
  let text = '# my AWS config\n[default]\nregion = eu-west-1\n\n'
  for (let i = 0; text.length < 200_000; i++)
    text += `[profile mine-${i}]\nrole_arn = arn:aws:iam::123456789012:role/r${i}\nsource_profile = default\n\n`
  return text + ssoSessionSection('acme', START_URL, region)
}
const BACKUP_BEFORE = '# an older backup\n'

let emulator: EmulatorHandle
let keychainOwner: Sandbox
const figures: string[] = []

beforeAll(async () => {
  emulator = await startEmulator({accounts: 60, rolesPerAccount: 3})
  keychainOwner = makeSandbox()
  // One signed-in session in one keychain service, shared by every run (each run has its own HOME).
  await seedSession(emulator, keychainOwner, {skipConfig: true})
})
afterAll(async () => {
  await wipeSandboxKeychain(keychainOwner)
  keychainOwner.cleanup()
  await emulator.close()
  console.log('crash-commands:\n' + figures.map((f) => `  ${f}`).join('\n'))
})

interface RunDir {
  dir: string
  config: string
  backup: string
  env: NodeJS.ProcessEnv
}

function runDir(name: string, oldConfig: string): RunDir {
  const dir = join(keychainOwner.home, name)
  mkdirSync(dir)
  const config = join(dir, '.aws', 'config')
  writeFile(config, oldConfig)
  writeFile(`${config}.keyless.bak`, BACKUP_BEFORE)
  const env = {
    ...keychainOwner.env,
    ...emulator.env(),
    HOME: dir,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, '.aws', 'credentials'),
    XDG_CACHE_HOME: join(dir, '.cache'),
  }
  return {dir, config, backup: `${config}.keyless.bak`, env}
}

interface Outcome {
  config: 'old' | 'new' | 'other'
  backup: 'before' | 'old' | 'other'
  finished: boolean
  tempLeft: boolean
}

/**
 * Runs the command `RUNS` times, each killed with SIGKILL at a random moment: a third spread over its whole
 * life (0..1.2x an uninterrupted run), a third around its end (0.6..1.5x), a third within 4 ms of its first file change.
 */
async function crashRuns(label: string, args: string[], oldConfig: string): Promise<Outcome[]> {
  // Uninterrupted runs, as many at once as the killed runs go (so the machine is as busy): the new bytes, and
  // how long the command lives. The slower one sets the schedule, or on a busy machine every kill lands early.
  const calibration = runDir(`${label}-calibration`, oldConfig)
  const lifetimes = await Promise.all(
    Array.from({length: PARALLEL}, async (_, j) => {
      const run = j === 0 ? calibration : runDir(`${label}-calibration-${j}`, oldConfig)
      const started = Date.now()
      const clean = await runKeyless(args, {env: run.env})
      expect(clean.code, clean.stderr).toBe(0)
      return Date.now() - started
    }),
  )
  const lifetime = Math.max(...lifetimes)
  const NEW = readFileSync(calibration.config, 'utf8')
  expect(NEW).not.toBe(oldConfig)
  expect(readFileSync(calibration.backup, 'utf8')).toBe(oldConfig)

  const which = (text: string) => (text === oldConfig ? 'old' : text === NEW ? 'new' : 'other')
  const once = async (i: number): Promise<Outcome> => {
    const run = runDir(`${label}-${i}`, oldConfig)
    let timer: NodeJS.Timeout | undefined
    let watcher: FSWatcher | undefined
    const result = await runKeyless(args, {
      env: run.env,
      onSpawn: (child) => {
        const kill = () => child.kill('SIGKILL')
        if (i % 3 === 0) timer = setTimeout(kill, Math.random() * 1.2 * lifetime)
        else if (i % 3 === 1) timer = setTimeout(kill, (0.6 + Math.random() * 0.9) * lifetime)
        else {
          // In the write itself: the first change in ~/.aws (the backup's temp file) triggers the kill 0-4 ms later.
          timer = setTimeout(kill, 3 * lifetime)
          watcher = watch(join(run.dir, '.aws'), () => {
            watcher?.close()
            clearTimeout(timer)
            timer = setTimeout(kill, Math.random() * 4)
          })
        }
      },
    })
    clearTimeout(timer)
    watcher?.close()
    const backup = readFileSync(run.backup, 'utf8')
    return {
      config: which(readFileSync(run.config, 'utf8')),
      backup: backup === BACKUP_BEFORE ? 'before' : backup === oldConfig ? 'old' : 'other',
      finished: result.signal === null,
      tempLeft: readdirSync(join(run.dir, '.aws')).some((n) => n.endsWith('.tmp')),
    }
  }
  const outcomes: Outcome[] = []
  const wallStart = Date.now()
  for (let i = 0; i < RUNS; i += PARALLEL)
    outcomes.push(...(await Promise.all(Array.from({length: Math.min(PARALLEL, RUNS - i)}, (_, j) => once(i + j)))))
  const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length
  figures.push(
    `${label}: ${RUNS} SIGKILLs in ${Date.now() - wallStart} ms (uninterrupted run ${lifetime} ms): ` +
      `${count((o) => o.config === 'old')} old, ${count((o) => o.config === 'new' && !o.finished)} new when killed, ` +
      `${count((o) => o.finished)} finished before the kill, ${count((o) => o.tempLeft)} killed mid-write (temp file left), ` +
      `${count((o) => o.backup === 'old' && o.config === 'old')} killed between backup and rename, ` +
      `${count((o) => o.config === 'other' || o.backup === 'other')} torn`,
  )
  return outcomes
}

function expectIntact(outcomes: Outcome[]) {
  for (const o of outcomes) {
    expect(o.config).not.toBe('other')
    expect(o.backup).not.toBe('other')
    // The backup is written before the config: new config bytes always come with the old config as backup.
    if (o.config === 'new') expect(o.backup).toBe('old')
  }
  // Not vacuous: some runs died before writing, some in the middle of it, and some got the new file in.
  expect(outcomes.some((o) => o.config === 'old' && !o.finished)).toBe(true)
  expect(outcomes.some((o) => o.tempLeft || (o.backup === 'old' && o.config === 'old'))).toBe(true)
  expect(outcomes.some((o) => o.config === 'new')).toBe(true)
}

describe('kill -9 of keyless commands that write the AWS config', () => {
  it(`profiles sync, ${RUNS} kills: the config is always the old or the new bytes, the backup intact`, async () => {
    expectIntact(await crashRuns('profiles-sync', ['profiles', 'sync'], userConfig()))
  }, 150_000)

  it(`configure, ${RUNS} kills: the config is always the old or the new bytes, the backup intact`, async () => {
    const outcomes = await crashRuns(
      'configure',
      ['configure', '--session', 'acme', '--start-url', START_URL, '--region', 'eu-central-1'],
      userConfig(),
    )
    expectIntact(outcomes)
  }, 150_000)

  it('after a killed sync, the next sync completes and writes the same bytes as an uninterrupted one', async () => {
    const dir = join(keychainOwner.home, 'profiles-sync-calibration')
    const expected = readFileSync(join(dir, '.aws', 'config'), 'utf8')
    for (let i = 0; i < RUNS; i++) {
      const run = join(keychainOwner.home, `profiles-sync-${i}`)
      if (!existsSync(run) || readFileSync(join(run, '.aws', 'config'), 'utf8') !== userConfig()) continue
      const env = {
        ...keychainOwner.env,
        ...emulator.env(),
        HOME: run,
        AWS_CONFIG_FILE: join(run, '.aws', 'config'),
        XDG_CACHE_HOME: join(run, '.cache'),
      }
      // Only runs killed before holding the config lock (a held lock is taken over after LOCK_STALE_MS: too slow here).
      if (existsSync(join(run, '.cache', 'keyless')) && readdirSync(join(run, '.cache', 'keyless')).some((n) => n.endsWith('.lock')))
        continue
      const again = await runKeyless(['profiles', 'sync'], {env})
      expect(again.code, again.stderr).toBe(0)
      expect(readFileSync(join(run, '.aws', 'config'), 'utf8')).toBe(expected)
      expect(readdirSync(join(run, '.aws')).filter((n) => n.endsWith('.tmp'))).toEqual([])
      return
    }
    throw new Error('no killed run without a held lock to resume')
  })
})
