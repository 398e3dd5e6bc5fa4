import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless console --profile <chained profile>` (issue 26, item 4) in a real browser: Debian's Chromium, headless,
// started by keyless itself (`--browser chromium` finds the wrapper on PATH). The console must be signed in as the
// CHAINED role (the AssumeRole of the profile's role_arn), not as the source profile's SSO role.

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
const DEPLOYER = 'arn:aws:sts::333333333333:assumed-role/Deployer/deployer'

let sandbox: Sandbox
let emulator: EmulatorHandle
let bin: string
let dumps: string
let personal: string

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox, {session: 'demo'})
  bin = join(sandbox.home, 'bin')
  dumps = join(sandbox.home, 'dumps')
  mkdirSync(dumps, {recursive: true})
  personal = mkdtempSync(join(tmpdir(), 'keyless-personal-'))
  writeFile(
    join(bin, 'chromium'),
    `#!/bin/sh\nexec "${process.execPath}" "${DRIVER}" ${CHROMIUM} '${dumps}' --personal '${personal}' "$@" >/dev/null 2>&1\n`,
    0o700,
  )
  const sync = await runKeyless(['profiles', 'sync'], {env: env()})
  expect(sync.code, sync.stderr).toBe(0)
  // The chain as a team file writes it (README "Role chains"): role_arn + source_profile of a keyless profile.
  writeFile(
    sandbox.configFile,
    readFileSync(sandbox.configFile, 'utf8') +
      '\n[profile deploy]\nrole_arn = arn:aws:iam::333333333333:role/Deployer\nsource_profile = sandbox.AdministratorAccess\nrole_session_name = deployer\nregion = us-east-1\n',
    0o600,
  )
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  rmSync(personal, {recursive: true, force: true, maxRetries: 10, retryDelay: 200})
  await emulator.close()
})

function env(): NodeJS.ProcessEnv {
  // A display, so that keyless opens a browser at all; the wrapper runs Chromium headless anyway.
  return {...sandbox.env, ...emulator.env(), PATH: `${bin}:${process.env.PATH}`, DISPLAY: ':99'}
}

async function waitForDump(name: string, ms = 60_000): Promise<string> {
  const path = join(dumps, `${name}.html`)
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (existsSync(path)) return readFileSync(path, 'utf8')
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

describe.skipIf(!existsSync(CHROMIUM))('keyless console through a role chain, in headless Chromium', () => {
  it('signs the browser in as the chained role, not the source role', {timeout: 120_000}, async () => {
    const before = (await emulator.stats()).operations
    const out = await runKeyless(['console', '--profile', 'deploy', '--browser', 'chromium'], {env: env(), timeoutMs: 90_000})
    expect(out.code, out.stderr).toBe(0)
    const html = await waitForDump('personal')
    expect(/<code id="arn">([^<]*)<\/code>/.exec(html)?.[1], html).toBe(DEPLOYER)
    const after = (await emulator.stats()).operations
    expect(after.AssumeRole - before.AssumeRole).toBe(1)
    expect(after.GetSigninToken - before.GetSigninToken).toBe(1)
    expect(after.ConsoleLogin - before.ConsoleLogin).toBe(1)
    // The console session the browser kept (its cookie) is the chained role's.
    expect(await signedInAs(personal)).toContain(DEPLOYER)
  })
})
