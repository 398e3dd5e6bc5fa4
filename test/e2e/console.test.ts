import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KEYLESS_BIN, runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {cmdlinesUnder, startProcScan} from '../helpers/proc-scan.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless console` end to end: federation getSigninToken and login at the emulator, a real headless Chromium
// (started as $BROWSER) following the one-time loopback URL to the emulator's console page.

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_FLAGS =
  '--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync'
const ARN = /^arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user$/
const ROLE = ['--account', 'production', '--role', 'ReadOnlyAccess']

let sandbox: Sandbox
let emulator: EmulatorHandle
const outputs: RunResult[] = []
async function keyless(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const result = await runKeyless(argv, {env: {...sandbox.env, ...emulator.env(), ...env}, timeoutMs: 90_000})
  outputs.push(result)
  return result
}
const ops = async () => (await emulator.stats()).operations

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

async function waitForFile(path: string, pattern: RegExp, ms = 60_000): Promise<string> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
    if (pattern.test(text)) return text
    await sleep(100)
  }
  throw new Error(`${path} never matched ${pattern}`)
}

describe.skipIf(!existsSync(CHROMIUM))('keyless console in a real browser', () => {
  it('headless Chromium follows the one-time loopback URL to the console as the role; no sign-in token on any command line', async () => {
    // Files of this attempt only: a retry must not read the first attempt's argv or page.
    const attempt = mkdtempSync(join(sandbox.home, 'console-'))
    const argvLog = join(attempt, 'browser-argv.log')
    const page = join(attempt, 'page.html')
    const browser = join(attempt, 'chromium-browser.sh')
    // The browser's own profile (its history holds the spent sign-in URL, as any browser's does) lives outside HOME,
    // whose files the leak scan checks for what keyless writes.
    const profile = mkdtempSync(join(tmpdir(), 'keyless-chromium-'))
    writeFile(
      browser,
      `#!/bin/sh\nprintf '%s\\n' "$@" >> '${argvLog}'\n${CHROMIUM} ${CHROMIUM_FLAGS} --user-data-dir='${profile}' --dump-dom "$1" > '${page}.tmp' 2>/dev/null; mv '${page}.tmp' '${page}'\n`,
      0o700,
    )
    const before = await ops()
    const scan = await startProcScan(join(sandbox.home, '..', `console-scan-${process.pid}.json`))
    let seen
    let html
    try {
      // No DISPLAY: xdg-open goes straight to $BROWSER.
      const r = await keyless(['console', ...ROLE, '--destination', 's3', '--region', 'eu-west-1'], {BROWSER: browser})
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe('Opening the AWS console as production.ReadOnlyAccess in your browser...\n')
      html = await waitForFile(page, /<\/html>/)
    } finally {
      seen = await scan.stop()
      rmSync(profile, {recursive: true, force: true, maxRetries: 10, retryDelay: 200})
    }
    expect(/<code id="arn">([^<]*)<\/code>/.exec(html)?.[1]).toMatch(ARN)
    expect(/<code id="destination">([^<]*)<\/code>/.exec(html)?.[1]).toBe(
      'https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1',
    )
    const after = await ops()
    expect(after.GetSigninToken - before.GetSigninToken).toBe(1)
    expect(after.ConsoleLogin - before.ConsoleLogin).toBe(1)

    // The browser was given the hand-off page (a path or file:// URL), and nothing else; the page is gone.
    const opened = readFileSync(argvLog, 'utf8').trim().split('\n')
    expect(opened).toHaveLength(1)
    const handed = opened[0]!.replace(/^file:\/\//, '')
    expect(handed).toMatch(new RegExp(`^${sandbox.cacheDir}/browser/h-[^/]+/open\\.html$`))
    expect(existsSync(handed)).toBe(false)
    expect(readdirSync(join(sandbox.cacheDir, 'browser'))).toEqual([])

    // The words are checked on this test's own processes (keyless, the browser script, Chromium): the scan also sees
    // tests running alongside. The issued secrets are checked on every process.
    const ours = cmdlinesUnder(seen)
    expect(ours.some((c) => c.includes(CHROMIUM))).toBe(true)
    const secrets = await emulator.issued()
    expect(
      findLeaks(
        secrets,
        seen.cmdlines.map((text, i) => ({path: `cmdline#${i}`, text})),
      ),
    ).toEqual([])
    expect(ours.some((c) => /SigninToken|sessionToken/.test(c))).toBe(false)
  })
})

describe('keyless console', () => {
  it('the loopback URL redirects once; other paths get 404 and do not spend it', async () => {
    const codes = join(sandbox.home, 'codes.log')
    const browser = join(sandbox.home, 'curl-browser.sh')
    // Records status codes only: the Location header is the sign-in URL, a secret.
    writeFile(
      browser,
      `#!/bin/sh\nlink=$(sed -n 's/.*content="0;url=\\([^"]*\\)".*/\\1/p' "\${1#file://}")\nfor u in "\${link%/*}/guess" "$link" "$link"; do curl -s -o /dev/null -w '%{http_code}\\n' "$u" >> '${codes}'; done\nexit 0\n`,
      0o700,
    )
    const r = await keyless(['console', ...ROLE], {BROWSER: browser})
    expect(r.code, r.stderr).toBe(0)
    const statuses = (await waitForFile(codes, /^\d+\n\d+\n\d+\n$/)).trim().split('\n')
    expect(statuses[0]).toBe('404')
    expect(statuses[1]).toBe('302')
    expect(['000', '404']).toContain(statuses[2]) // closed, or answering 404 while it closes
  })

  it('--print writes the sign-in URL when stdout is not a terminal; it signs in once', async () => {
    const r = await keyless(['console', 'production.ReadOnlyAccess', '--print', '--debug', '--destination', '/ec2/home#Instances'])
    expect(r.code, r.stderr).toBe(0)
    const url = new URL(r.stdout.trim())
    expect(url.origin).toBe(emulator.url)
    expect(url.pathname).toBe('/federation')
    expect(url.searchParams.get('Action')).toBe('login')
    expect(url.searchParams.get('Destination')).toBe('https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances')
    const first = await fetch(url)
    expect(first.status).toBe(200)
    expect(/<code id="arn">([^<]*)<\/code>/.exec(await first.text())?.[1]).toMatch(ARN)
    expect((await fetch(url)).status).toBe(400)
  })

  it('--print on a terminal is refused without --reveal (in a real pty)', async () => {
    const child = spawn('script', ['-qfec', `${process.execPath} ${KEYLESS_BIN} console ${ROLE.join(' ')} --print`, '/dev/null'], {
      env: {...sandbox.env, ...emulator.env(), TERM: 'dumb'},
    })
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(2)
    expect(screen).toMatch(/keyless: not printing a sign-in URL to a terminal.*add --reveal/)
    expect(screen).not.toMatch(/SigninToken/)
  })

  it('bad input is one line with exit 2; no browser possible is one line with exit 1', async () => {
    const bad = await keyless(['console', ...ROLE, '--destination', 'https://evil.example.com/'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^keyless: --destination "https:\/\/evil.example.com\/" is neither a service name nor a console path; .*\n$/)
    const ssh = await keyless(['console', ...ROLE], {BROWSER: '/bin/true', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22'})
    expect(ssh.code).toBe(1)
    expect(ssh.stderr).toBe(
      'keyless: not opening a browser: this is an SSH session; run: keyless console --print --reveal ... and open the URL in a browser yourself\n',
    )
  })

  it("no secret in any file under HOME or in any output but --print's stdout", async () => {
    const secrets = await emulator.issued()
    const places = [...allFiles(sandbox.home), ...outputs.map((o, i) => ({path: `stderr#${i}`, text: o.stderr}))]
    expect(findLeaks(secrets, places)).toEqual([])
  })
})
