import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {openSessionStore} from '../../src/sso/session-store.js'
import {KEYLESS_BIN, ROOT, runKeyless, runProcess, type RunResult} from '../helpers/cli.js'
import {SESSION, TRACE_HOOK, configText, moduleTraceFiles, traceRegister} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless credential-process` end to end: the built CLI (bin/run.js -> dist/credential-process/main.js), the
// emulator, the real gnome-keyring, and the three real consumers: the JS SDK v3, the AWS CLI v2 and boto3.

const ADMIN = {accountId: '111111111111', roleName: 'AdministratorAccess'}
const args = (a: {accountId: string; roleName: string}, session = SESSION) => [
  'credential-process',
  '--session',
  session,
  '--account-id',
  a.accountId,
  '--role-name',
  a.roleName,
]

let sandbox: Sandbox
let emulator: EmulatorHandle
const outputs: RunResult[] = []
const env = () => ({...sandbox.env, ...emulator.env()})
async function keyless(argv: string[]): Promise<RunResult> {
  const result = await runKeyless(argv, {env: env()})
  outputs.push(result)
  return result
}
const ops = async () => (await emulator.stats()).operations

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  const fixture = await emulator.fixture()
  writeFile(
    sandbox.configFile,
    configText(
      fixture.startUrl,
      fixture.region,
      [
        {name: 'sandbox.AdministratorAccess', ...ADMIN},
        {name: 'staging.ReadOnlyAccess', accountId: '222222222222', roleName: 'ReadOnlyAccess'},
        {name: 'production.ReadOnlyAccess', accountId: '333333333333', roleName: 'ReadOnlyAccess'},
        {name: 'staging.PowerUserAccess', accountId: '222222222222', roleName: 'PowerUserAccess'},
      ],
      ['gone'],
    ),
  )
  await seedSession(emulator, sandbox, {skipConfig: true})
})

afterAll(async () => {
  // No secret the emulator issued ever lands in a file, on stderr, or anywhere but the one stdout document.
  const leaks = findLeaks(await emulator.issued(), [
    ...allFiles(sandbox.home),
    ...outputs.map((o, i) => ({path: `stderr of run ${i}`, text: o.stderr})),
  ])
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
  expect(leaks).toEqual([])
})

describe('credential-process', () => {
  it('prints exactly the Version 1 JSON, caches it in the keychain, and serves the cache without any call', async () => {
    const before = await ops()
    const first = await keyless(args(ADMIN))
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(
      /^\{"Version":1,"AccessKeyId":"ASIA[A-Z0-9]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$/,
    )
    const doc = JSON.parse(first.stdout)
    expect(Date.parse(doc.Expiration) - Date.now()).toBeGreaterThan(50 * 60_000)
    const afterFirst = await ops()
    expect(afterFirst.GetRoleCredentials - before.GetRoleCredentials).toBe(1)
    expect(afterFirst.CreateToken - before.CreateToken).toBe(0)

    const stored = JSON.parse(
      (await openKeychain({service: sandbox.keychainService}).get(`session/${SESSION}/role/${ADMIN.accountId}/${ADMIN.roleName}`))!,
    )
    expect(stored).toMatchObject({accessKeyId: doc.AccessKeyId, secretAccessKey: doc.SecretAccessKey, sessionToken: doc.SessionToken})

    const second = await keyless(args(ADMIN))
    expect(second.code).toBe(0)
    expect(second.stderr).toBe('')
    expect(second.stdout).toBe(first.stdout)
    expect(await ops()).toEqual(afterFirst)
  })

  it('fetches new credentials once the cached ones have 15 minutes or less left', async () => {
    const role = {accountId: '222222222222', roleName: 'ReadOnlyAccess'}
    const first = JSON.parse((await keyless(args(role))).stdout)
    const keychain = openKeychain({service: sandbox.keychainService})
    const key = `session/${SESSION}/role/${role.accountId}/${role.roleName}`
    const stored = JSON.parse((await keychain.get(key))!)
    await keychain.set(key, JSON.stringify({...stored, expiresAt: new Date(Date.now() + 14 * 60_000).toISOString()}))
    const before = await ops()
    const next = await keyless(args(role))
    expect(next.code).toBe(0)
    expect((await ops()).GetRoleCredentials - before.GetRoleCredentials).toBe(1)
    expect(JSON.parse(next.stdout).AccessKeyId).not.toBe(first.AccessKeyId)
  })

  it('a section re-pointed in the file since: its cached entry is not served, though the section is parsed while the keychain answers', async () => {
    // Issue 22: the cache hit sends its keychain read before it parses the section; the binding check still decides.
    const cached = await keyless(args(ADMIN)) // warm
    expect(cached.code).toBe(0)
    const original = readFileSync(sandbox.configFile, 'utf8')
    const {startUrl} = await emulator.fixture()
    const header = original.indexOf(`[sso-session ${SESSION}]`)
    const at = original.indexOf(startUrl, header)
    expect(header).toBeGreaterThanOrEqual(0)
    try {
      writeFileSync(sandbox.configFile, original.slice(0, at) + 'https://other.awsapps.com/start' + original.slice(at + startUrl.length))
      const before = await ops()
      const r = await keyless(args(ADMIN))
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(new RegExp(`^keyless: .*; run: keyless login --session ${SESSION}\n$`))
      expect(await ops()).toEqual(before)
    } finally {
      writeFileSync(sandbox.configFile, original)
    }
    expect((await keyless(args(ADMIN))).stdout).toBe(cached.stdout)
  })

  it('3,000 profiles after the session: the keychain read goes out with the section read, and a second section further down still wins', async () => {
    // Issue 22: the cache hit sends its keychain read once the session's section is read and reads the rest of the
    // file while the keychain answers; the rest can still make that read moot (a duplicate section: the whole file).
    const cached = await keyless(args(ADMIN)) // warm
    expect(cached.code).toBe(0)
    const original = readFileSync(sandbox.configFile, 'utf8')
    const many = Array.from(
      {length: 3000},
      (_, n) =>
        `[profile p${n}]\ncredential_process = keyless credential-process --session ${SESSION} --account-id ${100_000_000_000 + n} --role-name R\nregion = us-east-1\n`,
    ).join('\n')
    try {
      writeFileSync(sandbox.configFile, `${original}\n${many}`)
      const before = await ops()
      const served = await keyless([...args(ADMIN), '--debug'])
      expect(served.code).toBe(0)
      expect(served.stdout).toBe(cached.stdout)
      expect(served.stderr).toMatch(/: cached role credentials valid until .*, read while the rest of the config file was\)$/m)
      // The same section again at the end, re-pointed: not served, from the keychain read already sent or any other.
      writeFileSync(
        sandbox.configFile,
        `${original}\n${many}\n[sso-session ${SESSION}]\nsso_start_url = https://other.awsapps.com/start\nsso_region = us-east-1\n`,
      )
      const refused = await keyless(args(ADMIN))
      expect(refused.code).toBe(1)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toMatch(new RegExp(`^keyless: .*duplicate section \\[sso-session ${SESSION}\\].*\n$`))
      expect(await ops()).toEqual(before)
    } finally {
      writeFileSync(sandbox.configFile, original)
    }
    expect((await keyless(args(ADMIN))).stdout).toBe(cached.stdout)
  })

  it('loads no AWS SDK, oclif, lock or prompt module on the cached path', async () => {
    await keyless(args(ADMIN)) // warm
    const files = moduleTraceFiles(sandbox.home)
    writeFileSync(files.hook, TRACE_HOOK)
    writeFileSync(files.register, traceRegister(files.hook))
    const traced = async (argv: string[], traceFile: string) => {
      const result = await runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, ...argv], {
        env: {...env(), KEYLESS_MODULE_TRACE: traceFile},
      })
      expect(result.code).toBe(0)
      return readFileSync(traceFile, 'utf8').split('\n').filter(Boolean)
    }
    const cached = await traced(args(ADMIN), join(sandbox.home, 'trace-cached.txt'))
    expect(cached.some((u) => u.includes('/dist/credential-process/hit.cjs'))).toBe(true)
    expect(cached.some((u) => u.includes('/node_modules/keytar/'))).toBe(true)
    const heavy = /node_modules\/(@aws-sdk|@smithy|@oclif|proper-lockfile|@inquirer|open|ora|qrcode-terminal)\//
    expect(cached.filter((u) => heavy.test(u))).toEqual([])
    const ours = [...new Set(cached.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6)))].sort()
    // One prebuilt CommonJS bundle (scripts/bundle-hot-path.mjs), not a graph of ESM modules: the cache hit's own,
    // without the full command's (hot.cjs).
    expect(ours).toEqual(['credential-process/hit.cjs'])
    // The trace does see the heavy modules when they are needed: a cache miss loads the SSO client.
    const cold = await traced(args({accountId: '222222222222', roleName: 'PowerUserAccess'}), join(sandbox.home, 'trace-cold.txt'))
    expect(cold.some((u) => u.includes('node_modules/@aws-sdk/client-sso/'))).toBe(true)
    expect(cold.some((u) => u.includes('node_modules/proper-lockfile/'))).toBe(true)
    expect(cold.some((u) => u.includes('node_modules/@oclif/'))).toBe(false)
  })

  it('loads the config parser (a second bundle file) only for a session section of shapes the small reader declines', async () => {
    // Issue 22: the plain section profiles sync writes is read by plainSsoSession, without the parser's 16 KB of
    // cold code; a section it does not fully understand (here a header with trailing blanks) goes to the parser,
    // loaded from hot-parse.cjs, and is served the same.
    const cached = await keyless(args(ADMIN))
    expect(cached.code).toBe(0)
    const files = moduleTraceFiles(sandbox.home)
    writeFileSync(files.hook, TRACE_HOOK)
    writeFileSync(files.register, traceRegister(files.hook))
    const traced = async (traceFile: string) => {
      const result = await runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, ...args(ADMIN)], {
        env: {...env(), KEYLESS_MODULE_TRACE: traceFile},
      })
      const ours = readFileSync(traceFile, 'utf8')
        .split('\n')
        .filter((u) => u.includes('/dist/'))
        .map((u) => u.slice(u.indexOf('/dist/') + 6))
      return {result, ours: [...new Set(ours)].sort()}
    }
    const plain = await traced(join(sandbox.home, 'trace-plain.txt'))
    expect(plain.result.stdout).toBe(cached.stdout)
    expect(plain.ours).toEqual(['credential-process/hit.cjs'])
    const original = readFileSync(sandbox.configFile, 'utf8')
    const header = `[sso-session ${SESSION}]`
    expect(original).toContain(header + '\n')
    try {
      writeFileSync(sandbox.configFile, original.replace(header + '\n', header + '  \n'))
      const odd = await traced(join(sandbox.home, 'trace-odd.txt'))
      expect(odd.result.code, odd.result.stderr).toBe(0)
      expect(odd.result.stdout).toBe(cached.stdout)
      // The cache hit hands such a section to the full command (hot.cjs), which parses it.
      expect(odd.ours).toEqual(['credential-process/hit.cjs', 'credential-process/hot-parse.cjs', 'credential-process/hot.cjs'])
    } finally {
      writeFileSync(sandbox.configFile, original)
    }
  })

  it("the Windows suite's plain-file keychain stand-in: the cache hit serves from it, loaded from a file of its own", async () => {
    // The stand-in (test-keytar.cjs) is out of hit.cjs so that no other cache hit compiles it; under Wine the cache
    // hit must still serve from it, not hand every call to the full command.
    const cached = await keyless(args(ADMIN))
    expect(cached.code).toBe(0)
    const keytar = createRequire(import.meta.url)('keytar') as {
      findCredentials(service: string): Promise<Array<{account: string; password: string}>>
    }
    const entries = await keytar.findCredentials(sandbox.keychainService)
    // Outside the sandbox's home, whose files the leak check reads: this file holds the secrets on purpose.
    const dir = mkdtempSync(join(tmpdir(), 'keyless-plain-keychain-'))
    const plain = join(dir, 'keychain.json')
    writeFileSync(plain, JSON.stringify({[sandbox.keychainService]: Object.fromEntries(entries.map((e) => [e.account, e.password]))}))
    try {
      const files = moduleTraceFiles(dir)
      writeFileSync(files.hook, TRACE_HOOK)
      writeFileSync(files.register, traceRegister(files.hook))
      const trace = join(dir, 'trace.txt')
      const before = await ops()
      const served = await runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, ...args(ADMIN)], {
        env: {...env(), KEYLESS_MODULE_TRACE: trace, KEYLESS_TEST_PLAIN_KEYCHAIN_FILE: plain},
      })
      expect({code: served.code, stdout: served.stdout, stderr: served.stderr}).toEqual({code: 0, stdout: cached.stdout, stderr: ''})
      const ours = readFileSync(trace, 'utf8')
        .split('\n')
        .filter((u) => u.includes('/dist/'))
        .map((u) => u.slice(u.indexOf('/dist/') + 6))
      expect([...new Set(ours)].sort()).toEqual(['credential-process/hit.cjs', 'credential-process/test-keytar.cjs'])
      expect(readFileSync(trace, 'utf8')).not.toContain('/node_modules/keytar/')
      expect(await ops()).toEqual(before)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('loads no Node.js built-in module that a bare keytar read of the same entry does not (node:os only when called)', async () => {
    // Issue 22: on this kind of machine every fresh page a process touches costs; a built-in module the least possible
    // credential_process does not load is start-up the cache hit pays on every AWS call (node:os was one).
    await keyless(args(ADMIN)) // warm
    const register = join(sandbox.home, 'builtins-register.cjs')
    writeFileSync(
      register,
      `process.on('exit', () => require('node:fs').writeFileSync(process.env.KEYLESS_BUILTINS_TRACE, process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).join('\\n')))\n`,
    )
    const builtins = async (argv: string[], file: string) => {
      const result = await runProcess(process.execPath, ['--require', register, ...argv], {env: {...env(), KEYLESS_BUILTINS_TRACE: file}})
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toMatch(/"Version":1/)
      return readFileSync(file, 'utf8').split('\n')
    }
    const entry = `session/${SESSION}/role/${ADMIN.accountId}/${ADMIN.roleName}`
    const bare = `require(${JSON.stringify(join(ROOT, 'node_modules', 'keytar'))}).getPassword(${JSON.stringify(sandbox.keychainService)}, ${JSON.stringify(entry)}).then((v) => require('node:fs').writeSync(1, v ? '{"Version":1}' : ''))`
    // A script file, as a credential_process command is: node -e itself loads node:module and the ESM loader.
    const bareFile = join(sandbox.home, 'bare-keytar.cjs')
    writeFileSync(bareFile, bare + '\n')
    const least = await builtins([bareFile], join(sandbox.home, 'builtins-bare.txt'))
    const cached = await builtins([KEYLESS_BIN, ...args(ADMIN)], join(sandbox.home, 'builtins-cached.txt'))
    expect(least).not.toContain('NativeModule os')
    expect(least).not.toContain('NativeModule module')
    expect(cached.filter((m) => !least.includes(m))).toEqual([])
  })

  it('a caller that finds its role being fetched waits on the cached path: one read once the fetch is done, no miss-path module', async () => {
    // Issue 28: in a herd, most callers arrive while another process holds the role's lock. They used to read the
    // empty cache, load the miss path (the lock library, the SDK's modules) and read again once the holder let go.
    await keyless(args(ADMIN)) // warm
    const store = openSessionStore('keychain', sandbox.env)
    const entry = (await store.readRoleCredentials(SESSION, ADMIN.accountId, ADMIN.roleName))!
    await store.deleteRoleCredentials(SESSION, ADMIN.accountId, ADMIN.roleName)
    // "Another process" fetching: the role's lock held by this live test process, as file-lock.ts notes a holder.
    const lock = join(sandbox.cacheDir, 'locks', `role-${SESSION}-${ADMIN.accountId}-${ADMIN.roleName}.lock`)
    mkdirSync(lock, {recursive: true})
    writeFileSync(`${lock}.owner`, `${hostname()} ${process.pid} ${statSync(lock).ino}\n`)
    const files = moduleTraceFiles(sandbox.home)
    writeFileSync(files.hook, TRACE_HOOK)
    writeFileSync(files.register, traceRegister(files.hook))
    const traceFile = join(sandbox.home, 'trace-waiter.txt')
    const before = await ops()
    const waiter = runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, ...args(ADMIN)], {
      env: {...env(), KEYLESS_MODULE_TRACE: traceFile},
      // The holder "fetches": once the waiter is running, it stores the entry and lets go of the lock.
      onSpawn: () =>
        void new Promise((resolve) => setTimeout(resolve, 1500)).then(async () => {
          const {signIn, startUrl, region} = entry
          await store.writeRoleCredentials(SESSION, ADMIN.accountId, ADMIN.roleName, entry, {
            signIn: signIn!,
            startUrl: startUrl!,
            region: region!,
          })
          rmSync(`${lock}.owner`)
          rmSync(lock, {recursive: true})
        }),
    })
    const result = await waiter
    outputs.push(result)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).AccessKeyId).toBe(entry.accessKeyId)
    expect(await ops()).toEqual(before)
    const traced = readFileSync(traceFile, 'utf8').split('\n').filter(Boolean)
    expect(traced.filter((u) => /node_modules\/(@aws-sdk|@smithy|proper-lockfile)\//.test(u))).toEqual([])
    // The cache hit hands a role being fetched to the full command (hot.cjs), which waits for it.
    expect([...new Set(traced.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6)))].sort()).toEqual([
      'credential-process/hit.cjs',
      'credential-process/hot.cjs',
    ])
  })

  it('a hung live holder of the role lock: the waiter gives up within the one wait limit, with the line naming the holder', async () => {
    // Issue 28: the waits of one call share one budget (LOCK_WAIT_MS, here shortened to 3 s through its test seam).
    // It used to wait the whole limit on the cached path and then a whole limit again on the lock itself.
    await keyless(args(ADMIN)) // warm
    const store = openSessionStore('keychain', sandbox.env)
    await store.deleteRoleCredentials(SESSION, ADMIN.accountId, ADMIN.roleName)
    // Held by a live process (this test's) that stopped touching it 20 s ago: stale for a crashed holder (10 s),
    // not for a live one (60 s), so no waiter may take it over; it can only give up.
    const lock = join(sandbox.cacheDir, 'locks', `role-${SESSION}-${ADMIN.accountId}-${ADMIN.roleName}.lock`)
    mkdirSync(lock, {recursive: true})
    writeFileSync(`${lock}.owner`, `${hostname()} ${process.pid} ${statSync(lock).ino}\n`)
    const past = new Date(Date.now() - 20_000)
    utimesSync(lock, past, past)
    try {
      const before = await ops()
      // Bounded by the runner too: without the shared budget it waits 60 s and more (then code is null).
      const result = await runKeyless(args(ADMIN), {env: {...env(), KEYLESS_LOCK_WAIT_MS: '3000'}, timeoutMs: 30_000})
      outputs.push(result)
      expect({code: result.code, stdout: result.stdout, stderr: result.stderr}).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `keyless: gave up after 3 s waiting for another keyless process (pid ${process.pid}, role credentials of ` +
          `${ADMIN.accountId}/${ADMIN.roleName}); try again; if it stays stuck, end it (kill ${process.pid}) and try again\n`,
      })
      expect(await ops()).toEqual(before)
    } finally {
      rmSync(`${lock}.owner`, {force: true})
      rmSync(lock, {recursive: true, force: true})
    }
  })

  it('--debug tells on stderr what it did, with every secret redacted (the leak scan covers this stderr)', async () => {
    const role = {accountId: '222222222222', roleName: 'ReadOnlyAccess'}
    await openKeychain({service: sandbox.keychainService}).delete(`session/${SESSION}/role/${role.accountId}/${role.roleName}`)
    const cold = await keyless([...args(role), '--debug'])
    expect(cold.code).toBe(0)
    expect(JSON.parse(cold.stdout).Version).toBe(1)
    expect(cold.stderr).toMatch(/^keyless:role GetRoleCredentials 222222222222\/ReadOnlyAccess/m)
    const warm = await keyless([...args(role), '--debug'])
    expect(warm.stdout).toBe(cold.stdout)
    expect(warm.stderr).toMatch(/^keyless:role 222222222222\/ReadOnlyAccess: cached role credentials valid until /m)
  })

  it('a session never signed in, without --auto-login: exit 1 and the one line to run', async () => {
    const result = await keyless(args(ADMIN, 'gone'))
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('keyless: SSO session "gone" is not signed in; run: keyless login --session gone\n')
  })

  it('a role that is no longer assigned (404): names account and role, suggests profiles sync --prune', async () => {
    await emulator.setAssignment('333333333333', 'ReadOnlyAccess', false)
    try {
      const result = await keyless(args({accountId: '333333333333', roleName: 'ReadOnlyAccess'}))
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      const lines = result.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(
        /^keyless: role ReadOnlyAccess in account 333333333333 .*; run: keyless profiles sync --session acme --prune/,
      )
    } finally {
      await emulator.setAssignment('333333333333', 'ReadOnlyAccess', true)
    }
  })

  it('usage errors: exit 2 and one line naming the flag', async () => {
    const missing = await keyless(['credential-process', '--session', SESSION, '--account-id', '111111111111'])
    expect(missing.code).toBe(2)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toMatch(/^keyless: missing required flag --role-name; usage: keyless credential-process .*\n$/)
    const bad = await keyless(['credential-process', '--session', SESSION, '--account-id', '1111', '--role-name', 'X'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^keyless: --account-id must be a 12-digit AWS account id/)
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  it('--help goes through oclif and documents the flags', async () => {
    const help = await keyless(['credential-process', '--help'])
    expect(help.code).toBe(0)
    for (const flag of ['--session', '--account-id', '--role-name', '--auto-login']) expect(help.stdout).toContain(flag)
  })
})

// Real AWS clients (JS SDK v3 default chain, AWS CLI v2, Debian boto3) consuming credential_process profiles,
// each on a cold role: test/interop/keyless-profiles.test.ts.

describe('the cache hit reads the sign-in from the marker, not the token (issue 15), and still serves only that sign-in (issue 17)', () => {
  const role = {accountId: '222222222222', roleName: 'PowerUserAccess'}
  const marker = () => join(sandbox.cacheDir, 'sign-in', `${sandbox.keychainService}.${SESSION}`)
  const checkedAgainst = (r: RunResult) => /\(sign-in checked against (the sign-in marker|the stored token)[,)]/.exec(r.stderr)?.[1]

  it('with the marker, without it, and with it in a directory others can write to: the same credentials, no new call', async () => {
    const first = await keyless(args(role))
    expect(first.code).toBe(0)
    const calls = (await ops()).GetRoleCredentials
    const withMarker = await keyless([...args(role), '--debug'])
    expect(checkedAgainst(withMarker), withMarker.stderr).toBe('the sign-in marker')
    const signIn = readFileSync(marker(), 'utf8')
    try {
      chmodSync(join(sandbox.cacheDir, 'sign-in'), 0o777)
      const untrusted = await keyless([...args(role), '--debug'])
      expect(checkedAgainst(untrusted)).toBe('the stored token')
      chmodSync(join(sandbox.cacheDir, 'sign-in'), 0o700)
      rmSync(marker())
      const without = await keyless([...args(role), '--debug'])
      expect(checkedAgainst(without)).toBe('the stored token')
      for (const r of [withMarker, untrusted, without]) expect(r.stdout).toBe(first.stdout)
      expect((await ops()).GetRoleCredentials).toBe(calls)
    } finally {
      chmodSync(join(sandbox.cacheDir, 'sign-in'), 0o700)
      writeFileSync(marker(), signIn, {mode: 0o600})
    }
  })

  it('credentials cached for another sign-in are not served, though the start URL and region match', async () => {
    const fixture = await emulator.fixture()
    const store = openSessionStore('keychain', sandbox.env)
    const planted = {accessKeyId: 'ASIAPLANTEDOLDSIGNIN', secretAccessKey: 'planted-secret', sessionToken: 'planted-token'}
    const expiresAt = new Date(Date.now() + 3600_000).toISOString()
    await store.writeRoleCredentials(
      SESSION,
      role.accountId,
      role.roleName,
      {...planted, expiresAt},
      {
        startUrl: fixture.startUrl,
        region: fixture.region,
        signIn: 'an-earlier-sign-in',
      },
    )
    expect(store.readSignIn(SESSION)).toBeDefined()
    const calls = (await ops()).GetRoleCredentials
    const r = await keyless(args(role))
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).AccessKeyId).not.toBe(planted.accessKeyId)
    expect((await ops()).GetRoleCredentials).toBe(calls + 1)
  })
})
