import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {findLeaks, writeFile} from '../helpers/files.js'
import {cmdlinesUnder, startProcScan} from '../helpers/proc-scan.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless console --browser chromium [--isolate]` with Debian's Chromium, headless: keyless finds `chromium` on
// PATH (a wrapper that adds the headless switches and records the argv), starts it itself, and the emulator's
// console keeps its session in a cookie per browser profile, as AWS's does. Each profile is then reopened with
// puppeteer-core to see which role it is signed in as.

const CHROMIUM = '/usr/bin/chromium'
const DRIVER = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'headless-chromium.mjs')
const HEADLESS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const ARN = (account: string, role: string) =>
  new RegExp(`^arn:aws:sts::${account}:assumed-role/AWSReservedSSO_${role}_[0-9a-f]{16}/demo\\.user$`)
const PRODUCTION = ['--account', 'production', '--role', 'ReadOnlyAccess']
const STAGING = ['--account', 'staging', '--role', 'PowerUserAccess']

let sandbox: Sandbox
let emulator: EmulatorHandle
let bin: string
let dumps: string
let argvLog: string
/** The browser's user data when keyless passes none (the personal profile): kept outside HOME, see below. */
let personal: string
const outputs: RunResult[] = []

async function keyless(argv: string[]): Promise<RunResult> {
  const result = await runKeyless(argv, {
    // A display, so that keyless opens a browser at all; the wrapper runs Chromium headless anyway.
    env: {...sandbox.env, ...emulator.env(), PATH: `${bin}:${process.env.PATH}`, DISPLAY: ':99'},
    timeoutMs: 90_000,
  })
  outputs.push(result)
  return result
}
const ops = async () => (await emulator.stats()).operations

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
  bin = join(sandbox.home, 'bin')
  dumps = join(sandbox.home, 'dumps')
  argvLog = join(sandbox.home, 'browser-argv.log')
  mkdirSync(dumps, {recursive: true})
  personal = mkdtempSync(join(tmpdir(), 'keyless-personal-'))
  // `chromium` as keyless finds it on PATH: records its argv (one line each), then drives the real one headless
  // (headless-chromium.mjs), which writes the page it lands on to dumps/<profile directory name>.html.
  writeFile(
    join(bin, 'chromium'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec "${process.execPath}" "${DRIVER}" ${CHROMIUM} '${dumps}' --personal '${personal}' "$@" >/dev/null 2>&1\n`,
    0o700,
  )
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  rmSync(personal, {recursive: true, force: true, maxRetries: 10, retryDelay: 200})
  await emulator.close()
})

async function waitForDump(name: string, ms = 60_000): Promise<string> {
  const path = join(dumps, `${name}.html`)
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (existsSync(path)) {
      const html = readFileSync(path, 'utf8')
      rmSync(path)
      return html
    }
    await sleep(100)
  }
  throw new Error(`Chromium never finished ${name}`)
}

/** Which role the browser profile is signed in to the console as, by reopening it (puppeteer-core). */
async function signedInAs(userDataDir: string): Promise<string> {
  const {default: puppeteer} = await import('puppeteer-core')
  const browser = await puppeteer.launch({executablePath: CHROMIUM, headless: true, userDataDir, args: HEADLESS})
  try {
    const page = await browser.newPage()
    await page.goto(`${emulator.url}/console`)
    return await page.$eval('#signed-in', (e) => e.textContent ?? '')
  } finally {
    await browser.close()
  }
}

/** stderr without the notice a browser slower than 10 seconds gets (two Chromiums starting on a busy machine). */
const unhurried = (stderr: string) => stderr.replace(/^keyless: no browser has opened the sign-in link yet; .*\n/m, '')
const arnOf = (html: string) => /<code id="arn">([^<]*)<\/code>/.exec(html)?.[1]
const profilesRoot = () => join(sandbox.home, '.local', 'share', 'keyless', 'browser-profiles', 'chromium')

describe.skipIf(!existsSync(CHROMIUM))('keyless console --isolate with headless Chromium', () => {
  it('two roles at once, each in its own profile directory, neither holding the other; the personal profile untouched; no sign-in on any command line', async () => {
    // A retry starts from no argv and no pages of the first attempt.
    rmSync(argvLog, {force: true})
    rmSync(dumps, {recursive: true, force: true})
    mkdirSync(dumps, {recursive: true})
    const before = await ops()
    const scan = await startProcScan(join(sandbox.home, '..', `console-isolate-scan-${process.pid}.json`))
    let seen
    let pages
    try {
      const [a, b] = await Promise.all([
        keyless(['console', ...PRODUCTION, '--browser', 'chromium', '--isolate']),
        keyless(['console', ...STAGING, '--browser', 'chromium', '--isolate']),
      ])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      expect(unhurried(a.stderr)).toBe(
        `Opening the AWS console as production.ReadOnlyAccess in its own browser profile (${join(profilesRoot(), '333333333333.ReadOnlyAccess')})...\n`,
      )
      expect(unhurried(b.stderr)).toBe(
        `Opening the AWS console as staging.PowerUserAccess in its own browser profile (${join(profilesRoot(), '222222222222.PowerUserAccess')})...\n`,
      )
      pages = await Promise.all([waitForDump('333333333333.ReadOnlyAccess'), waitForDump('222222222222.PowerUserAccess')])
    } finally {
      seen = await scan.stop()
    }
    expect(arnOf(pages[0])).toMatch(ARN('333333333333', 'ReadOnlyAccess'))
    expect(arnOf(pages[1])).toMatch(ARN('222222222222', 'PowerUserAccess'))
    const after = await ops()
    expect(after.ConsoleLogin - before.ConsoleLogin).toBe(2)
    expect(after.ConsoleLogout - before.ConsoleLogout).toBe(0) // a profile of its own: nothing to sign out

    // The profile directories: 0700, under the data directory, one per role.
    expect(readdirSync(profilesRoot()).sort()).toEqual(['222222222222.PowerUserAccess', '333333333333.ReadOnlyAccess'])
    for (const dir of readdirSync(profilesRoot())) expect(statSync(join(profilesRoot(), dir)).mode & 0o777).toBe(0o700)
    // Chromium got its own profile, no first-run screens, the role in the window title, and the hand-off page.
    const argv = readFileSync(argvLog, 'utf8').trim().split('\n')
    expect(argv).toHaveLength(2)
    for (const line of argv)
      expect(line).toMatch(
        new RegExp(
          `^--user-data-dir=${profilesRoot()}/\\S+ --no-first-run --no-default-browser-check --window-name=\\S+ \\(\\d{12}\\) --new-window file://${sandbox.cacheDir}/browser/h-[^/]+/open\\.html$`,
        ),
      )
    // Each profile is signed in as its own role only; the personal profile was never started.
    expect(await signedInAs(join(profilesRoot(), '333333333333.ReadOnlyAccess'))).toMatch(ARN('333333333333', 'ReadOnlyAccess'))
    expect(await signedInAs(join(profilesRoot(), '222222222222.PowerUserAccess'))).toMatch(ARN('222222222222', 'PowerUserAccess'))
    expect(readdirSync(personal)).toEqual([])
    // Chromium's own default profile (its cookies and history live in Default/): never created.
    expect(existsSync(join(sandbox.home, '.config', 'chromium', 'Default'))).toBe(false)

    const secrets = await emulator.issued()
    expect(
      findLeaks(
        secrets,
        seen.cmdlines.map((text, i) => ({path: `cmdline#${i}`, text})),
      ),
    ).toEqual([])
    // Words on this test's own processes (the scan also sees tests running alongside); issued secrets on all of them.
    const ours = cmdlinesUnder(seen)
    expect(ours.some((c) => c.includes(CHROMIUM))).toBe(true)
    expect(ours.some((c) => /SigninToken|ext\+container|127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}/.test(c))).toBe(false)
  })

  it('a second run reuses the role profile', async () => {
    rmSync(argvLog, {force: true})
    const marker = join(profilesRoot(), '333333333333.ReadOnlyAccess', 'Local State')
    const r = await keyless(['console', ...PRODUCTION, '--browser', 'chromium', '--isolate'])
    expect(r.code, r.stderr).toBe(0)
    expect(arnOf(await waitForDump('333333333333.ReadOnlyAccess'))).toMatch(ARN('333333333333', 'ReadOnlyAccess'))
    expect(readFileSync(argvLog, 'utf8')).toContain(`--user-data-dir=${join(profilesRoot(), '333333333333.ReadOnlyAccess')} `)
    expect(readdirSync(profilesRoot())).toHaveLength(2)
    expect(existsSync(marker)).toBe(true)
    expect(await signedInAs(join(profilesRoot(), '222222222222.PowerUserAccess'))).toMatch(ARN('222222222222', 'PowerUserAccess'))
  })

  it('without --isolate, the shared profile is signed out of the previous role before the next signs in', async () => {
    const before = await ops()
    for (const role of [PRODUCTION, STAGING]) {
      const r = await keyless(['console', ...role, '--browser', 'chromium'])
      expect(r.code, r.stderr).toBe(0)
      await waitForDump('personal')
    }
    const after = await ops()
    expect(after.ConsoleLogout - before.ConsoleLogout).toBe(2)
    expect(after.ConsoleLogin - before.ConsoleLogin).toBe(2)
    expect(await signedInAs(personal)).toMatch(ARN('222222222222', 'PowerUserAccess'))
  })

  it('--forget-profiles deletes the isolated profiles and says how many', async () => {
    const r = await keyless(['console', '--forget-profiles'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(
      `Deleted 2 browser profiles of keyless console --isolate (${join(sandbox.home, '.local', 'share', 'keyless', 'browser-profiles')}).\n`,
    )
    expect(existsSync(join(sandbox.home, '.local', 'share', 'keyless', 'browser-profiles'))).toBe(false)
  })

  it('an unknown or missing browser is one line naming what this machine has', async () => {
    const unknown = await keyless(['console', ...PRODUCTION, '--browser', 'netscape'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(
      /^keyless: --browser netscape is not a browser keyless knows \(chrome, chromium, edge, brave, firefox, safari, default, or a path\); pick one; this machine has: chromium.*, default\n$/,
    )
    const missing = await keyless(['console', ...PRODUCTION, '--browser', 'brave'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(
      /^keyless: --browser brave: no brave is installed where keyless looks; pass another or its path; this machine has: chromium.*, default\n$/,
    )
  })
})
