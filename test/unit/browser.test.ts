import {execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {checkUrlToOpen, identityCenterDomains} from '../../src/ui/browser.js'
import {ROOT} from '../helpers/cli.js'

// Issue 17, item 1: a server-chosen login URL reached `open` raw, and `open` 10 put it in a double-quoted
// PowerShell string on Windows/WSL (command injection). keyless now opens only URLs it checked and rebuilt.

const INJECTION = 'https://device.sso.us-east-1.amazonaws.com/?user_code=X$(calc.exe)"; Start-Process calc; "'
const REBUILT = 'https://device.sso.us-east-1.amazonaws.com/?user_code=X%24(calc.exe)%22;%20Start-Process%20calc;%20%22'
const IC = (region: string) => ({kind: 'identity-center' as const, region})

describe('checkUrlToOpen: which URL keyless hands to a browser', () => {
  const cases: Array<[string, string, NodeJS.ProcessEnv, string | false]> = [
    // url, region, env, rebuilt URL or false (refused)
    [
      'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
      'us-east-1',
      {},
      'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
    ],
    [
      'https://acme.awsapps.com/start/#/device?user_code=ABCD-EFGH',
      'eu-west-1',
      {},
      'https://acme.awsapps.com/start/#/device?user_code=ABCD-EFGH',
    ],
    ['https://ssoins-1234.portal.us-east-1.app.aws/', 'us-east-1', {}, 'https://ssoins-1234.portal.us-east-1.app.aws/'],
    ['https://oidc.cn-north-1.amazonaws.com.cn/authorize?x=1', 'cn-north-1', {}, 'https://oidc.cn-north-1.amazonaws.com.cn/authorize?x=1'],
    [
      'https://device.sso.us-gov-west-1.amazonaws-us-gov.com/',
      'us-gov-west-1',
      {},
      'https://device.sso.us-gov-west-1.amazonaws-us-gov.com/',
    ],
    [INJECTION, 'us-east-1', {}, REBUILT],
    ['https://DEVICE.SSO.us-east-1.AmazonAWS.com/a b', 'us-east-1', {}, 'https://device.sso.us-east-1.amazonaws.com/a%20b'],
    // refused: another partition's domain, look-alikes, other hosts, schemes, credentials, size
    ['https://oidc.cn-north-1.amazonaws.com.cn/', 'us-east-1', {}, false],
    ['https://device.sso.us-east-1.amazonaws.com/', 'cn-north-1', {}, false],
    ['https://evilamazonaws.com/', 'us-east-1', {}, false],
    ['https://amazonaws.com.evil.example/', 'us-east-1', {}, false],
    ['https://evil.example/?u=.amazonaws.com', 'us-east-1', {}, false],
    ['https://user:pw@device.sso.us-east-1.amazonaws.com/', 'us-east-1', {}, false],
    ['http://device.sso.us-east-1.amazonaws.com/', 'us-east-1', {}, false],
    ['file:///etc/passwd', 'us-east-1', {}, false],
    ['javascript:alert(1)', 'us-east-1', {}, false],
    ['data:text/html,<script>alert(1)</script>', 'us-east-1', {}, false],
    ['not a url', 'us-east-1', {}, false],
    ['https://device.sso.us-east-1.amazonaws.com/?' + 'a'.repeat(3000), 'us-east-1', {}, false],
    ['http://127.0.0.1:9999/device', 'us-east-1', {}, false],
    // the endpoint the user configured (the emulator, a corporate proxy): exactly its origin
    [
      'http://127.0.0.1:9999/device?user_code=A',
      'us-east-1',
      {AWS_ENDPOINT_URL: 'http://127.0.0.1:9999'},
      'http://127.0.0.1:9999/device?user_code=A',
    ],
    ['http://127.0.0.1:9998/device', 'us-east-1', {AWS_ENDPOINT_URL: 'http://127.0.0.1:9999'}, false],
    [
      'https://sso.corp.example/device',
      'us-east-1',
      {AWS_ENDPOINT_URL_SSO_OIDC: 'https://sso.corp.example'},
      'https://sso.corp.example/device',
    ],
    ['http://sso.corp.example/device', 'us-east-1', {AWS_ENDPOINT_URL_SSO_OIDC: 'http://sso.corp.example'}, false],
  ]
  for (const [url, region, env, expected] of cases) {
    it(`${expected ? 'opens' : 'refuses'} ${url.slice(0, 80)} (${region}${Object.keys(env).length ? ', ' + JSON.stringify(env) : ''})`, () => {
      const result = checkUrlToOpen(url, IC(region), env)
      if (expected === false) expect(result.ok).toBe(false)
      else expect(result).toEqual({ok: true, url: expected})
    })
  }

  it('loopback kind: only http on 127.0.0.1 or [::1] with a port', () => {
    const loop = {kind: 'loopback' as const}
    expect(checkUrlToOpen('http://127.0.0.1:41234/3f9a', loop)).toEqual({ok: true, url: 'http://127.0.0.1:41234/3f9a'})
    expect(checkUrlToOpen('http://[::1]:41234/x', loop)).toEqual({ok: true, url: 'http://[::1]:41234/x'})
    for (const url of [
      'http://localhost:41234/x',
      'http://127.0.0.1/x',
      'https://127.0.0.1:41234/x',
      'http://10.0.0.1:41234/x',
      'https://device.sso.us-east-1.amazonaws.com/',
    ]) {
      expect(checkUrlToOpen(url, loop).ok).toBe(false)
    }
  })

  it('names the domains per partition', () => {
    expect(identityCenterDomains('eu-central-1')).toContain('awsapps.com')
    expect(identityCenterDomains('cn-northwest-1')).toEqual(['amazonaws.com.cn', 'amazonwebservices.com.cn', 'awsapps.cn'])
    expect(identityCenterDomains('us-gov-east-1')).toContain('amazonaws-us-gov.com')
  })
})

describe('the exact argv `open` spawns for the injection URL: the hand-off page, never the URL', () => {
  /** Runs the built opener with `open` on the given platform and child_process.spawn recording (test/helpers/open-argv.mjs). */
  function argvOn(platform: string, url = INJECTION) {
    const out = execFileSync(process.execPath, [join(ROOT, 'test', 'helpers', 'open-argv.mjs'), platform, url, 'us-east-1'], {
      encoding: 'utf8',
    })
    const lines = out
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as {command?: string; args?: string[]; result?: unknown; page?: string; redirect?: string; pageLeft?: boolean},
      )
    const end = lines.find((l) => l.result)!
    return {spawned: lines.filter((l) => l.command), result: end.result, page: end.page, redirect: end.redirect, pageLeft: end.pageLeft}
  }
  const powershellPrefix = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']
  const decoded = (args: string[]) => Buffer.from(args.at(-1)!, 'base64').toString('utf16le')
  const startCommand = (target: string) => `$ProgressPreference = 'SilentlyContinue'; Start '${target}'`
  const PAGE = /^\/tmp\/keyless-open-argv-[^/]+\/keyless\/browser\/h-[^/]+\/open\.html$/

  /** The page leads to the rebuilt URL through its one-time link, and is deleted once that was followed. */
  function expectHandOff(run: ReturnType<typeof argvOn>) {
    expect(run.result).toEqual({opened: true})
    expect(run.page).toMatch(PAGE)
    expect(run.redirect).toBe(REBUILT)
    expect(run.pageLeft).toBe(false)
    expect(JSON.stringify(run.spawned)).not.toMatch(/user_code|127\.0\.0\.1/)
  }

  it('win32: PowerShell with the page file:// URL single-quoted in a Base64 command', () => {
    const run = argvOn('win32')
    expectHandOff(run)
    expect(run.spawned).toHaveLength(1)
    expect(run.spawned[0]!.command).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')
    expect(run.spawned[0]!.args!.slice(0, 5)).toEqual(powershellPrefix)
    expect(decoded(run.spawned[0]!.args!)).toBe(startCommand(`file://${run.page}`))
  })

  it('wsl: the Windows PowerShell through /mnt/c, with the page path (for wslpath to convert), single-quoted', () => {
    const run = argvOn('wsl')
    expectHandOff(run)
    expect(run.spawned).toHaveLength(1)
    expect(run.spawned[0]!.command).toBe('/mnt/c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe')
    expect(run.spawned[0]!.args!.slice(0, 5)).toEqual(powershellPrefix)
    // wslpath does not exist here: `open` keeps the Linux path as it is.
    expect(decoded(run.spawned[0]!.args!)).toBe(startCommand(run.page!))
  })

  it('darwin: open with the page file:// URL, one argv entry', () => {
    const run = argvOn('darwin')
    expectHandOff(run)
    expect(run.spawned).toEqual([{command: 'open', args: [`file://${run.page}`], options: {}}])
  })

  it('linux: xdg-open with the page file:// URL, one argv entry', () => {
    const run = argvOn('linux')
    expectHandOff(run)
    expect(run.spawned).toHaveLength(1)
    expect(run.spawned[0]!.command).toMatch(/xdg-open$/)
    expect(run.spawned[0]!.args).toEqual([`file://${run.page}`])
  })

  it('a refused URL spawns nothing and writes no page on any platform', () => {
    for (const platform of ['win32', 'wsl', 'darwin', 'linux']) {
      const {spawned, result, page} = argvOn(platform, 'https://evil.example/"; Start-Process calc; "')
      expect(spawned).toEqual([])
      expect(result).toMatchObject({opened: false})
      expect(page).toBeUndefined()
    }
  })
})
