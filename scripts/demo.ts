/**
 * `npm run demo`: the whole keyless journey against the local Identity Center emulator, in a throwaway HOME
 * with a real keychain (scripts/demo.sh provides one). Every step runs the built CLI exactly as a user would.
 * Exits non-zero if any step did not do what it should; cleans up everything it started, also on Ctrl-C.
 */
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {openKeychain} from '../src/keychain/keychain.js'
import {KEYLESS_BIN, ROOT} from '../test/helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../test/helpers/emulator.js'

const AWS_CLI = '/usr/bin/aws'
const colour = process.stdout.isTTY && !('NO_COLOR' in process.env)
const heading = (n: number, text: string) => console.log(`\n${colour ? '\u001b[1;36m' : ''}== ${n}. ${text}${colour ? '\u001b[0m' : ''}`)
const failures: string[] = []

const home = mkdtempSync(join(tmpdir(), 'keyless-demo-'))
const service = `keyless-demo-${randomBytes(4).toString('hex')}`
let emulator: EmulatorHandle | undefined

async function cleanup() {
  const keychain = openKeychain({service})
  for (const key of await keychain.keys().catch(() => [])) await keychain.delete(key).catch(() => {})
  await emulator?.close().catch(() => {})
  rmSync(home, {recursive: true, force: true})
}
process.on('SIGINT', () => {
  console.error('\ndemo interrupted: cleaning up')
  void cleanup().finally(() => process.exit(130))
})

/** Runs a command with the demo's environment, its output shown as it comes; checks its exit code. */
function step(command: string, args: string[], expectCode: number, extraEnv: Record<string, string> = {}): Promise<void> {
  const shown = [command === process.execPath ? 'keyless' : command, ...(command === process.execPath ? args.slice(1) : args)]
  console.log(`${colour ? '\u001b[2m' : ''}$ ${shown.join(' ')}${colour ? '\u001b[0m' : ''}`)
  return new Promise((resolve) => {
    const child = spawn(command, args, {stdio: ['ignore', 'inherit', 'inherit'], env: {...env(), ...extraEnv}})
    child.on('close', (code) => {
      if (code !== expectCode) failures.push(`${shown.join(' ')}: exit ${code}, expected ${expectCode}`)
      else if (expectCode !== 0) console.log(`(exit ${code}, as it should be)`)
      resolve()
    })
  })
}
const keyless = (args: string[], expectCode = 0, extraEnv: Record<string, string> = {}) =>
  step(process.execPath, [KEYLESS_BIN, ...args], expectCode, extraEnv)

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env))
    if (!/^(AWS_|KEYLESS_SESSION$|KEYLESS_HOST_KIND$|SSH_|WSL_|BROWSER$|DISPLAY$|WAYLAND_DISPLAY$)/.test(k)) clean[k] = v
  return {
    ...clean,
    HOME: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    XDG_CACHE_HOME: join(home, '.cache'),
    KEYLESS_KEYCHAIN_SERVICE: service,
    AWS_ENDPOINT_URL: emulator!.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The demo's browser is test/helpers/http-browser.mjs: it follows the sign-in URL with plain HTTP and presses
    // Allow on the emulator's page. No desktop files, so that xdg-open runs it rather than an installed browser.
    BROWSER: browserScript,
    DISPLAY: ':0',
    XDG_DATA_DIRS: join(home, '.no-desktop-files'),
    XDG_CONFIG_DIRS: join(home, '.no-desktop-files'),
    // A desktop, as far as the login flow goes: the demo may run in a container, where keyless would rightly
    // choose the device flow by default.
    KEYLESS_HOST_KIND: 'host',
  }
}

const browserScript = join(home, 'demo-browser.sh')
writeFileSync(browserScript, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'test', 'helpers', 'http-browser.mjs')}" "$1"\n`, {
  mode: 0o700,
})

async function main() {
  emulator = await startEmulator({autoApprove: true})
  const fixture = await emulator.fixture()
  console.log(`keyless demo: Identity Center emulator at ${emulator.url}, HOME=${home}`)

  heading(1, 'Configure an SSO session (written into ~/.aws/config)')
  await keyless(['configure', '--session', 'demo', '--start-url', fixture.startUrl, '--region', fixture.region])

  heading(2, "Log in: authorization code with PKCE (the browser opens; the demo's browser presses Allow)")
  await keyless(['login'])
  await keyless(['login'])
  console.log('\nWhere no browser opens on this machine (SSH, a server): the device code flow, approved from any device')
  await keyless(['login', '--force', '--no-browser'])

  heading(3, 'The accounts and roles you can use')
  await keyless(['accounts'])

  heading(4, 'Profiles: first the diff, then the write')
  await keyless(['profiles', 'sync', '--dry-run'])
  await keyless(['profiles', 'sync'])

  heading(5, 'The AWS CLI gets short-lived credentials through a written profile')
  await step(AWS_CLI, ['sts', 'get-caller-identity', '--profile', 'sandbox.AdministratorAccess', '--endpoint-url', emulator.url], 0)

  heading(6, 'whoami --strict: passes for the SSO role...')
  await keyless(['whoami', '--strict', '--profile', 'sandbox.AdministratorAccess'])
  console.log('\n...and fails loudly for the account root key:')
  // The emulator's static identities: what a forgotten root key or IAM-user key in a shell looks like.
  const [root, user] = ['AKIAEMULATORROOT0001', 'AKIAEMULATORUSER0001'].map((id) =>
    fixture.staticIdentities.find((i) => i.accessKeyId === id)!,
  )
  await keyless(['whoami', '--strict'], 3, {AWS_ACCESS_KEY_ID: root!.accessKeyId, AWS_SECRET_ACCESS_KEY: root!.secretAccessKey})
  console.log('\n...and for a static IAM user key:')
  await keyless(['whoami', '--strict'], 3, {AWS_ACCESS_KEY_ID: user!.accessKeyId, AWS_SECRET_ACCESS_KEY: user!.secretAccessKey})

  heading(7, 'exec: a command with a role in its environment (no profile needed), and console: the browser signed in')
  await keyless(['exec', 'production.ReadOnlyAccess', '--', AWS_CLI, 'sts', 'get-caller-identity', '--endpoint-url', emulator.url])
  await keyless([
    'exec',
    '--account',
    'staging',
    '--role',
    'ReadOnlyAccess',
    '--',
    'sh',
    '-c',
    'echo "KEYLESS_ROLE=$KEYLESS_ROLE AWS_REGION=$AWS_REGION"',
  ])
  // The "browser" is headless Chromium (or curl) recording the page it lands on; it is handed only the one-time
  // loopback link, never the sign-in URL.
  const page = join(home, 'console-page.html')
  const browser = join(home, 'demo-browser.sh')
  const open = existsSync('/usr/bin/chromium')
    ? `/usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir='${join(home, 'chromium')}' --dump-dom "$1"`
    : 'curl -sL "$1"'
  writeFileSync(browser, `#!/bin/sh\n${open} > '${page}.tmp' 2>/dev/null; mv '${page}.tmp' '${page}'\n`, {mode: 0o700})
  const empty = join(home, 'no-desktop')
  await keyless(['console', 'production.ReadOnlyAccess', '--destination', 's3'], 0, {
    BROWSER: browser,
    DISPLAY: '',
    WAYLAND_DISPLAY: '',
    XDG_DATA_DIRS: empty,
    XDG_CONFIG_DIRS: empty,
  })
  for (let i = 0; i < 300 && !existsSync(page); i++) await new Promise((r) => setTimeout(r, 100))
  const landed = existsSync(page) ? /Signed in as <code id="arn">([^<]*)</.exec(readFileSync(page, 'utf8'))?.[1] : undefined
  if (landed) console.log(`The browser landed on the (emulated) console, signed in as ${landed}`)
  else failures.push('console: the browser did not reach the console page')

  heading(8, 'Status, then log out (the keychain entries go)')
  await keyless(['status'])
  await keyless(['logout'])
  await keyless(['status'])

  heading(9, 'Audit the machine: a forgotten key, an old AWS CLI SSO cache, found and removed')
  // What a laptop that predates keyless holds: an IAM user key in ~/.aws/credentials and the AWS CLI's SSO tokens.
  const aws = join(home, '.aws')
  mkdirSync(join(aws, 'sso', 'cache'), {recursive: true, mode: 0o700})
  writeFileSync(
    join(aws, 'credentials'),
    `# deploy key, 2021\n[deploy]\naws_access_key_id = ${user!.accessKeyId}\naws_secret_access_key = ${user!.secretAccessKey}\n`,
    {mode: 0o600},
  )
  const later = new Date(Date.now() + 8 * 3600_000).toISOString()
  const fake = (what: string) => `${what}-${randomBytes(16).toString('hex')}`
  writeFileSync(
    join(aws, 'sso', 'cache', 'demo.json'),
    JSON.stringify({
      startUrl: fixture.startUrl,
      region: fixture.region,
      accessToken: fake('token'),
      expiresAt: later,
      refreshToken: fake('refresh'),
      clientId: 'demo',
      clientSecret: fake('secret'),
      registrationExpiresAt: later,
    }),
    {mode: 0o600},
  )
  await keyless(['audit'], 3)
  await keyless(['audit', '--fix', '--yes'])
}

let exitCode = 0
try {
  await main()
} catch (error) {
  failures.push(String((error as Error).stack ?? error))
}
await cleanup()
if (failures.length > 0) {
  console.error(`\ndemo FAILED:\n  ${failures.join('\n  ')}`)
  exitCode = 1
} else {
  console.log('\ndemo complete: every step did what it should.')
}
process.exit(exitCode)
