import {chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {writeError} from '../../src/aws-config/atomic-write.js'
import {credentialProcessCommand} from '../../src/aws-config/profiles.js'
import {runChild} from '../../src/exec/run-child.js'
import {openKeychain} from '../../src/keychain/keychain.js'
import {cacheDir, homeDir, homeMismatch} from '../../src/aws-config/paths.js'
import {caseOnlyClash} from '../../src/platform/case-clash.js'
import {findCommand, pathExtensions} from '../../src/platform/command-path.js'
import {defaultLauncher} from '../../src/platform/launcher.js'
import {FileBusyError, renameRetrying} from '../../src/platform/rename.js'
import {brokenLaunchers} from '../../src/profiles/launcher-check.js'
import {notRunnable} from '../../src/profiles/options.js'
import {loginPromptReach} from '../../src/ui/prompt-reach.js'

// Every platform branch of src/platform and the modules that take a platform, with the platform injected.
const base = {session: 'acme', accountId: '111111111111', roleName: 'Admin'}

describe('the credential_process launcher', () => {
  it('Linux: the absolute path of run.js, double-quoted, as before', () => {
    const launcher = defaultLauncher({platform: 'linux', script: '/usr/lib/node_modules/keyless/bin/run.js'})
    expect(launcher).toEqual({parts: ['/usr/lib/node_modules/keyless/bin/run.js']})
    expect(credentialProcessCommand({...base, command: launcher.parts}, 'linux')).toBe(
      '"/usr/lib/node_modules/keyless/bin/run.js" credential-process --session acme --account-id=111111111111 --role-name=Admin',
    )
  })

  it("macOS: node by Homebrew's stable path (not the Cellar's), then run.js: no PATH needed (launchd GUI apps)", () => {
    const cellar = '/opt/homebrew/Cellar/node/22.11.0/bin/node'
    const launcher = defaultLauncher({
      platform: 'darwin',
      execPath: cellar,
      script: '/opt/homebrew/lib/node_modules/keyless/bin/run.js',
      nodeCandidates: ['/usr/bin/node', '/opt/homebrew/bin/node'],
      realPath: (p) => ({'/opt/homebrew/bin/node': cellar, [cellar]: cellar})[p],
    })
    expect(launcher.warning).toBeUndefined()
    expect(credentialProcessCommand({...base, command: launcher.parts}, 'darwin')).toBe(
      '"/opt/homebrew/bin/node" "/opt/homebrew/lib/node_modules/keyless/bin/run.js" credential-process --session acme --account-id=111111111111 --role-name=Admin',
    )
  })

  it("macOS: the installer's /usr/local/bin/node as it is; nvm only with a warning at sync time", () => {
    const plain = defaultLauncher({
      platform: 'darwin',
      execPath: '/usr/local/bin/node',
      script: '/usr/local/lib/node_modules/keyless/bin/run.js',
      realPath: (p) => p,
    })
    expect(plain).toEqual({parts: ['/usr/local/bin/node', '/usr/local/lib/node_modules/keyless/bin/run.js'], warning: undefined})
    const nvm = '/Users/jane/.nvm/versions/node/v22.11.0'
    const launcher = defaultLauncher({
      platform: 'darwin',
      execPath: `${nvm}/bin/node`,
      script: `${nvm}/lib/node_modules/keyless/bin/run.js`,
      nodeCandidates: [`${nvm}/bin/node`],
      realPath: (p) => p,
    })
    expect(launcher.parts).toEqual([`${nvm}/bin/node`, `${nvm}/lib/node_modules/keyless/bin/run.js`])
    expect(launcher.warning).toMatch(
      /^\/Users\/jane\/\.nvm\/versions\/node\/v22\.11\.0\/bin\/node and .* belong to one Node\.js version: the profiles stop working when it is removed or switched/,
    )
  })

  it('Windows: node.exe then run.js, no quote, 8.3 names where a path has a space', () => {
    const short: Record<string, string> = {
      'C:\\Program Files\\nodejs\\node.exe': 'C:\\PROGRA~1\\nodejs\\node.exe',
      'C:\\Users\\Jane Doe\\AppData\\Roaming\\npm\\node_modules\\keyless\\bin\\run.js':
        'C:\\Users\\JANEDO~1\\AppData\\Roaming\\npm\\node_modules\\keyless\\bin\\run.js',
    }
    const launcher = defaultLauncher({
      platform: 'win32',
      execPath: 'C:\\Program Files\\nodejs\\node.exe',
      script: 'C:\\Users\\Jane Doe\\AppData\\Roaming\\npm\\node_modules\\keyless\\bin\\run.js',
      shortPath: (p) => short[p],
    })
    expect(launcher.warning).toBeUndefined()
    expect(credentialProcessCommand({...base, command: launcher.parts}, 'win32')).toBe(
      'C:\\PROGRA~1\\nodejs\\node.exe C:\\Users\\JANEDO~1\\AppData\\Roaming\\npm\\node_modules\\keyless\\bin\\run.js credential-process --session acme --account-id=111111111111 --role-name=Admin',
    )
  })

  it('Windows without 8.3 names: quoted where needed, and a warning naming the Go SDK', () => {
    const launcher = defaultLauncher({
      platform: 'win32',
      execPath: 'D:\\node js\\node.exe',
      script: 'D:\\k\\run.js',
      shortPath: () => undefined,
    })
    expect(launcher.parts).toEqual(['D:\\node js\\node.exe', 'D:\\k\\run.js'])
    expect(launcher.warning).toMatch(/^D:\\node js\\node\.exe has a space and no 8\.3 short name: the Go SDK and Terraform cannot start/)
    expect(credentialProcessCommand({...base, command: launcher.parts}, 'win32')).toMatch(
      /^"D:\\node js\\node\.exe" D:\\k\\run\.js credential-process/,
    )
  })

  it('Windows: refuses cmd.exe metacharacters in a --command', () => {
    expect(() => credentialProcessCommand({...base, command: 'C:\\a&b\\keyless.cmd'}, 'win32')).toThrow('contains "&"')
    expect(credentialProcessCommand({...base, command: '/opt/a&b/keyless'}, 'linux')).toMatch(/^"\/opt\/a&b\/keyless"/)
  })
})

describe('finding a command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-platform-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'plain'), '')
  chmodSync(join(bin, 'plain'), 0o644)
  // Windows paths on any machine: the file checks are injected.
  const win = 'C:\\tools'
  const files = (path: string) => Promise.resolve(['cdk.cmd', 'keyless.exe', 'tool.js'].some((f) => path === `${win}\\${f}`))
  it('PATHEXT: defaults to cmd.exe, read case-insensitively', () => {
    expect(pathExtensions({})).toEqual(['.com', '.exe', '.bat', '.cmd'])
    expect(pathExtensions({PathExt: '.EXE;.Cmd'})).toEqual(['.exe', '.cmd'])
  })

  it('Windows: a bare name is found through PATHEXT (cdk is cdk.cmd), in the Path variable', async () => {
    expect(await findCommand('cdk', {platform: 'win32', env: {Path: `C:\\x;${win}`}, runnable: files})).toBe('C:\\tools\\cdk.cmd')
    expect(await findCommand('cdk', {platform: 'linux', env: {PATH: win}, runnable: files})).toBeUndefined()
  })

  it('notRunnable on Windows: no X_OK; .cmd only by its full name; a .js is not a program', async () => {
    const lookup = {platform: 'win32' as const, runnable: files}
    expect(await notRunnable('keyless', {PATH: win}, lookup)).toBeUndefined()
    expect(await notRunnable('cdk', {PATH: win}, lookup)).toBe(
      'is cdk.cmd (C:\\tools\\cdk.cmd), which the AWS CLI cannot start without its extension; pass --command C:\\tools\\cdk.cmd',
    )
    expect(await notRunnable('C:\\tools\\cdk.cmd', {PATH: ''}, lookup)).toBeUndefined()
    expect(await notRunnable('C:\\tools\\keyless', {PATH: ''}, lookup)).toBeUndefined()
    expect(await notRunnable('C:\\tools\\tool.js', {PATHEXT: '.EXE;.JS'}, lookup)).toMatch(
      /^is tool\.js, which Windows opens with the program associated with \.js/,
    )
    expect(await notRunnable('C:\\tools\\gone.exe', {}, lookup)).toBe('is not an executable file')
    expect(await notRunnable('missing', {PATH: win}, lookup)).toBe('is not on PATH')
  })

  it('notRunnable on Linux: unchanged (the execute bit)', async () => {
    expect(await notRunnable(join(bin, 'plain'), {PATH: ''}, {platform: 'linux'})).toBe('is not an executable file')
    expect(await notRunnable('plain', {PATH: bin}, {platform: 'linux'})).toBe('is not on PATH')
  })
})

describe('home and cache directories', () => {
  const env = {HOME: '/c/Users/jane', USERPROFILE: 'C:\\Users\\jane.corp', LOCALAPPDATA: 'C:\\Users\\jane.corp\\AppData\\Local'}
  it('Windows: USERPROFILE before HOME, as the AWS CLI and the Go SDK; elsewhere HOME first', () => {
    expect(homeDir(env, 'win32')).toBe('C:\\Users\\jane.corp')
    expect(homeDir(env, 'linux')).toBe('/c/Users/jane')
    expect(homeDir({HOME: '/h'}, 'win32')).toBe('/h')
  })
  it('says when HOME and USERPROFILE differ on Windows only', () => {
    expect(homeMismatch(env, 'win32')).toMatch(
      /^HOME \(\/c\/Users\/jane\) and USERPROFILE \(C:\\Users\\jane\.corp\) differ: keyless, the AWS CLI and the Go SDK use USERPROFILE/,
    )
    expect(homeMismatch({HOME: 'C:/Users/Jane/', USERPROFILE: 'C:\\Users\\jane'}, 'win32')).toBeUndefined()
    expect(homeMismatch(env, 'linux')).toBeUndefined()
  })
  it('Windows: the cache under %LOCALAPPDATA%; XDG_CACHE_HOME still wins', () => {
    expect(cacheDir(env, 'win32')).toBe('C:\\Users\\jane.corp\\AppData\\Local\\keyless')
    expect(cacheDir({...env, XDG_CACHE_HOME: '/x'}, 'linux')).toBe('/x/keyless')
    expect(cacheDir(env, 'linux')).toBe('/c/Users/jane/.cache/keyless')
  })
})

describe('case-only name clashes', () => {
  it('refused where the platform ignores case (Windows, macOS), allowed on Linux', () => {
    expect(caseOnlyClash('Acme', ['acme', 'other'], 'win32')).toBe('acme')
    expect(caseOnlyClash('Acme', ['acme'], 'darwin')).toBe('acme')
    expect(caseOnlyClash('Acme', ['acme'], 'linux')).toBeUndefined()
    expect(caseOnlyClash('acme', ['acme'], 'win32')).toBeUndefined()
  })
})

describe('renames another process holds open', () => {
  const busy = (code: string) => Object.assign(new Error(`${code}: operation not permitted, rename`), {code})
  it('Windows: retried on EPERM, EACCES and EBUSY until they succeed', async () => {
    const codes = ['EPERM', 'EACCES', 'EBUSY']
    let calls = 0
    const pauses: number[] = []
    await renameRetrying('a', 'b', {
      platform: 'win32',
      rename: async () => {
        if (calls < codes.length) throw busy(codes[calls++]!)
      },
      sleep: async (ms) => pauses.push(ms),
    })
    expect(calls).toBe(3)
    expect(pauses).toEqual([10, 20, 30])
  })
  it('Windows: a FileBusyError once the time is up; other errors at once', async () => {
    let now = 0
    const runtime = {platform: 'win32' as const, sleep: async (ms: number) => (now += ms), now: () => now, retryMs: 1000}
    await expect(renameRetrying('a', 'b', {...runtime, rename: async () => Promise.reject(busy('EPERM'))})).rejects.toBeInstanceOf(
      FileBusyError,
    )
    await expect(renameRetrying('a', 'b', {...runtime, rename: async () => Promise.reject(busy('ENOENT'))})).rejects.toThrow('ENOENT')
  })
  it('Linux: no retry', async () => {
    let calls = 0
    const rename = async () => {
      calls++
      throw busy('EPERM')
    }
    await expect(renameRetrying('a', 'b', {platform: 'linux', rename})).rejects.toThrow('EPERM')
    expect(calls).toBe(1)
  })
})

describe('the keychain per platform', () => {
  const fakeKeytar = (delayMs = 0) => {
    const entries = new Map<string, string>()
    const wait = () => new Promise((resolve) => setTimeout(resolve, delayMs))
    return {
      entries,
      keytar: {
        getPassword: async (_s: string, a: string) => (await wait(), entries.get(a) ?? null),
        setPassword: async (_s: string, a: string, p: string) => void (await wait(), entries.set(a, p)),
        deletePassword: async (_s: string, a: string) => (await wait(), entries.delete(a)),
        findCredentials: async () => [...entries].map(([account, password]) => ({account, password})),
      } as unknown as NonNullable<Parameters<typeof openKeychain>[0]>['keytar'],
    }
  }
  const value = 'x'.repeat(10_000)

  it('macOS: one item per value (one dialog); Windows and Linux: parts under Credential Manager limit', async () => {
    for (const [platform, items] of [
      ['darwin', 1],
      ['win32', 6],
      ['linux', 6],
    ] as const) {
      const fake = fakeKeytar()
      const store = openKeychain({service: 's', keytar: fake.keytar, platform})
      await store.set('token', value)
      expect([platform, fake.entries.size]).toEqual([platform, items])
      expect(Math.max(...[...fake.entries.values()].map((v) => v.length))).toBeLessThanOrEqual(platform === 'darwin' ? 10_000 : 2400)
      expect(await store.get('token')).toBe(value)
    }
  })

  it('macOS: a slow call waits for the dialog and says so on stderr, instead of failing at the 5 s timeout', async () => {
    const fake = fakeKeytar(300)
    fake.entries.set('token', 'v')
    const lines: string[] = []
    const store = openKeychain({
      service: 's',
      keytar: fake.keytar,
      platform: 'darwin',
      timeoutMs: 50,
      promptNoticeMs: 20,
      promptTimeoutMs: 30_000,
      notice: (l) => lines.push(l),
    })
    expect(await store.get('token')).toBe('v')
    expect(lines).toEqual([
      'keyless: waiting for the macOS Keychain: answer its dialog ("Always Allow" lets this node binary read keyless\'s items without asking again)',
    ])
  })

  it('macOS: an unanswered dialog ends in one line saying so', async () => {
    const fake = fakeKeytar(5000)
    const store = openKeychain({
      service: 's',
      keytar: fake.keytar,
      platform: 'darwin',
      promptNoticeMs: 10,
      promptTimeoutMs: 100,
      notice: () => {},
    })
    await expect(store.get('token')).rejects.toThrow(/^the macOS Keychain did not answer within 0 s \(read\): its dialog was not answered/)
  })
})

describe('signals to the command exec runs', () => {
  // The child reports when it is running, then waits; keyless's handler sees the signal while it waits.
  const run = async (platform: NodeJS.Platform) => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-signal-'))
    const ready = join(dir, 'ready')
    const code = runChild('sh', ['-c', `: > ${ready}; sleep 2`], {PATH: process.env.PATH}, platform)
    while (!existsSync(ready)) await new Promise((resolve) => setTimeout(resolve, 20))
    process.emit('SIGHUP')
    const result = await code
    rmSync(dir, {recursive: true, force: true})
    return result
  }
  it('Linux: SIGHUP is passed on (the child ends by it)', async () => {
    expect(await run('linux')).toBe(129)
  })
  it('Windows: nothing is passed on (child.kill would end it at once); keyless waits for it', async () => {
    expect(await run('win32')).toBe(0)
  })
})

describe('profile lines that no longer start', () => {
  it('names the missing program per session (Node.js moved), and nothing for lines that still start', () => {
    const cellar = '/opt/homebrew/Cellar/node/22.1.0/bin/node'
    const text = [
      '[profile a]',
      `credential_process = "${cellar}" "/opt/k/run.js" credential-process --session acme --account-id=111111111111 --role-name=A`,
      'keyless_session = acme',
      '[profile b]',
      `credential_process = "${cellar}" "/opt/k/run.js" credential-process --session acme --account-id=111111111111 --role-name=B`,
      'keyless_session = acme',
      '[profile mine]',
      `credential_process = ${cellar} something`,
      '[profile w]',
      'credential_process = C:\\PROGRA~1\\nodejs\\node.exe C:\\k\\run.js credential-process --session win --account-id=111111111111 --role-name=A',
      'keyless_session = win',
      '',
    ].join('\n')
    const exists = (p: string) => p === '/opt/k/run.js' || p === 'C:\\k\\run.js'
    expect(brokenLaunchers(text, {platform: 'darwin', exists})).toEqual([{session: 'acme', missing: cellar, profiles: ['a', 'b']}])
    expect(brokenLaunchers(text, {platform: 'win32', exists})).toEqual([
      {session: 'acme', missing: cellar, profiles: ['a', 'b']},
      {session: 'win', missing: 'C:\\PROGRA~1\\nodejs\\node.exe', profiles: ['w']},
    ])
  })
})

describe('a write that another program blocks', () => {
  it('says what happened, not "permission denied"', () => {
    const error = writeError('/home/me/.aws/config', new FileBusyError(Object.assign(new Error('EPERM'), {code: 'EPERM'})))
    expect(error.message).toMatch(/: another program kept it open for 10 s \(antivirus, the search indexer, an editor; it is unchanged\)$/)
    expect(writeError('/home/me/.aws/config', Object.assign(new Error('EPERM'), {code: 'EPERM'})).message).toMatch(/permission denied/)
  })
})

describe('the sign-in prompt of credential-process --auto-login', () => {
  it('Windows: reaches the console through CONOUT$ (Linux: /dev/tty); without one, falls back as before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-conout-'))
    const opened: string[] = []
    const open = (path: string) => (opened.push(path), openSync(join(dir, 'console'), 'w'))
    const reach = loginPromptReach({}, 'win32', open)
    expect(reach.kind).toBe('tty')
    reach.write('code ABCD-EFGH\n')
    reach.close()
    expect(readFileSync(join(dir, 'console'), 'utf8')).toBe('code ABCD-EFGH\n')
    loginPromptReach({}, 'linux', open).close()
    expect(opened).toEqual(['\\\\.\\CONOUT$', '/dev/tty'])
    const none = loginPromptReach({}, 'win32', () => {
      throw Object.assign(new Error('no console'), {code: 'ENOENT'})
    })
    expect(none.kind).toBe('browser')
    rmSync(dir, {recursive: true, force: true})
  })
})

describe('displayPath (issue 24 item 7: audit and every message show Windows paths as Windows has them)', () => {
  it('matches the home whatever its case and separators on Windows, and keeps backslashes', async () => {
    const {displayPath} = await import('../../src/aws-config/paths.js')
    const env = {USERPROFILE: 'C:\\Users\\Me'}
    expect(displayPath('C:\\Users\\Me\\.aws\\credentials', env, 'win32')).toBe('~\\.aws\\credentials')
    expect(displayPath('c:/users/me/.aws/credentials.bak', env, 'win32')).toBe('~\\.aws\\credentials.bak')
    expect(displayPath('C:\\Users\\Me', env, 'win32')).toBe('~')
    expect(displayPath('C:\\Users\\Melissa\\.aws\\config', env, 'win32')).toBe('C:\\Users\\Melissa\\.aws\\config')
    expect(displayPath('D:\\src\\app\\.env', env, 'win32')).toBe('D:\\src\\app\\.env')
  })

  it('is unchanged on Linux: the home as written, case-sensitive', async () => {
    const {displayPath} = await import('../../src/aws-config/paths.js')
    const env = {HOME: '/home/me'}
    expect(displayPath('/home/me/.aws/config', env, 'linux')).toBe('~/.aws/config')
    expect(displayPath('/home/me', env, 'linux')).toBe('~')
    expect(displayPath('/Home/me/.aws/config', env, 'linux')).toBe('/Home/me/.aws/config')
    expect(displayPath('/home/melissa/.aws/config', env, 'linux')).toBe('/home/melissa/.aws/config')
    expect(displayPath('/home/me/.aws/config', {HOME: '/home/me/'}, 'linux')).toBe('~/.aws/config')
  })
})
