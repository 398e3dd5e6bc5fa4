import {existsSync, readFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {defaultFixture} from '../emulator/fixture.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {ssoSessionSection, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'
import {writeRecordingBrowser} from '../helpers/recording-browser.js'

// What Identity Center sends is untrusted input: a URL is handed to the browser only when it is https (or
// loopback http, for the emulator), and no string from the server reaches the terminal with control characters
// in it (no escape-sequence injection through an account name, an email or a role).

const START_URL = 'https://keyless-demo.awsapps.com/start'
/** C0/C1 control characters other than tab and newline: what a terminal would interpret. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

const EVIL_NAME = 'evil\u001b[31mred\u0007bell\u009b2J'
const EVIL_EMAIL = 'ops\u001b]0;pwned\u0007@example.com'
const EVIL_ROLE = 'Bad\u001b[2JRole'

let emulator: EmulatorHandle
let sandbox: Sandbox
beforeAll(async () => {
  const fixture = defaultFixture()
  fixture.accounts = [
    {accountId: '111111111111', accountName: EVIL_NAME, emailAddress: EVIL_EMAIL, roles: ['AdministratorAccess', EVIL_ROLE]},
    {accountId: '222222222222', accountName: 'staging', emailAddress: 'staging@example.com', roles: ['ReadOnlyAccess']},
  ]
  emulator = await startEmulator({fixture, autoApprove: true})
})
afterAll(() => emulator.close())
beforeEach(() => {
  sandbox = makeSandbox()
})
afterEach(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
})

function expectNoControl(r: RunResult) {
  expect(r.stdout).not.toMatch(CONTROL)
  expect(r.stderr).not.toMatch(CONTROL)
}

describe('strings from the server are stripped of control characters', () => {
  it('accounts (table, --refresh changes), profiles sync (and --dry-run), status', async () => {
    await seedSession(emulator, sandbox)
    const env = {...sandbox.env, ...emulator.env()}
    const table = await runKeyless(['accounts'], {env})
    expect(table.code).toBe(0)
    expectNoControl(table)
    expect(table.stdout).toContain('evil[31mredbell2J')
    expect(table.stdout).toContain('ops]0;pwned@example.com')

    // --json keeps the exact value, escaped as JSON: no raw control byte on stdout either.
    const json = await runKeyless(['accounts', '--json'], {env})
    expectNoControl(json)
    const listed = JSON.parse(json.stdout) as {accounts: Array<{accountName: string; emailAddress: string; roles: string[]}>}
    expect(listed.accounts.find((a) => a.accountName === EVIL_NAME)).toMatchObject({
      emailAddress: EVIL_EMAIL,
      roles: ['AdministratorAccess', EVIL_ROLE],
    })

    await emulator.setAssignment('111111111111', 'ReadOnlyAccess', true)
    const refreshed = await runKeyless(['accounts', '--refresh'], {env})
    expect(refreshed.code).toBe(0)
    expectNoControl(refreshed)
    expect(refreshed.stderr).toMatch(/\+ role ReadOnlyAccess in evil\[31mredbell2J \(111111111111\)/)

    const dry = await runKeyless(['profiles', 'sync', '--dry-run'], {env})
    expectNoControl(dry)
    const sync = await runKeyless(['profiles', 'sync', '--json'], {env})
    expectNoControl(sync)
    expect(sync.code).toBe(0)
    // The role keyless cannot write into a command line is skipped with a warning; every other role is written.
    expect(JSON.parse(sync.stdout).added).toEqual([
      'evil-31mred-bell-2J.AdministratorAccess',
      'evil-31mred-bell-2J.ReadOnlyAccess',
      'staging.ReadOnlyAccess',
    ])
    expect(sync.stderr).toMatch(/Bad\[2JRole/)
    const config = readFileSync(sandbox.configFile, 'utf8')
    expect(config).not.toMatch(CONTROL)

    const status = await runKeyless(['status'], {env})
    expectNoControl(status)
  })

  it('an error line quoting the server is stripped too', async () => {
    await seedSession(emulator, sandbox)
    const env = {...sandbox.env, ...emulator.env()}
    const role = await runKeyless(
      ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'Admin\u001b[31m'],
      {env},
    )
    expect(role.code).toBe(2)
    expectNoControl(role)
  })
})

describe('verificationUriComplete is opened only when it is https on an Identity Center domain (or the configured endpoint)', () => {
  let stub: {url: string; rewrite: (uri: string | undefined) => void; close: () => Promise<void>}
  beforeAll(async () => {
    stub = await startRewritingStub(emulator.url)
  })
  afterAll(() => stub.close())

  async function loginWith(uri: string | undefined) {
    stub.rewrite(uri)
    writeFile(sandbox.configFile, ssoSessionSection('acme', START_URL))
    const record = join(sandbox.home, 'browser.log')
    const browser = join(sandbox.home, 'browser.sh')
    writeRecordingBrowser(browser, record)
    const result = await runKeyless(['login', '--device-code'], {
      env: {...sandbox.env, AWS_ENDPOINT_URL: stub.url, AWS_REGION: 'us-east-1', BROWSER: browser, DISPLAY: ':99'},
    })
    return {result, opened: existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : []}
  }

  for (const uri of [
    'file:///etc/passwd',
    'javascript:alert(document.cookie)',
    'http://evil.example.com/device?user_code=X',
    'data:text/html,<script>alert(1)</script>',
    'https://\u001b[31mdevice.example.com/',
  ]) {
    it(`never opens ${JSON.stringify(uri)}, and still signs in`, async () => {
      const {result, opened} = await loginWith(uri)
      expect(opened).toEqual([])
      expect(result.stderr).toMatch(/not opening the browser: /)
      expect(result.code).toBe(0)
      expectNoControl(result)
    })
  }

  it('opens an https URL (the control case)', async () => {
    const {result, opened} = await loginWith('https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH')
    expect(result.code).toBe(0)
    expect(opened).toEqual(['https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH'])
  })
})

/** Forwards to the emulator, replacing verificationUriComplete in StartDeviceAuthorization answers. */
async function startRewritingStub(upstream: string) {
  let uri: string | undefined
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    return Buffer.concat(chunks)
  }
  const server: Server = createServer(async (req, res) => {
    const body = await read(req)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v
    const r = await fetch(upstream + req.url, {method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method!) ? undefined : body})
    let text = await r.text()
    if (req.url?.startsWith('/device_authorization') && r.ok && uri !== undefined)
      text = JSON.stringify({...JSON.parse(text), verificationUriComplete: uri})
    const out: Record<string, string> = {}
    r.headers.forEach((v, k) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v
    })
    res.writeHead(r.status, out)
    res.end(text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rewrite: (u: string | undefined) => (uri = u),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
