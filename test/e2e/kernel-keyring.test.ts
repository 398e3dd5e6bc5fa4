import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openStore} from '../../src/keychain/stores.js'
import {openSessionStore} from '../../src/sso/session-store.js'
import {KEYLESS_BIN, runKeyless, runProcess, type RunResult} from '../helpers/cli.js'
import {moduleTraceFiles, TRACE_HOOK, traceRegister} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {runInTerminal} from '../helpers/pty.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// The kernel-keyring store (PRODUCT.md section 13) end to end: the built CLI, the emulator, the real kernel keyring
// of this machine (keyctl, the user keyring), and no D-Bus at all. Every entry lives under the sandbox's own
// service name (tests run in parallel forks, perhaps in one login session) and is deleted afterwards.

const ADMIN = {accountId: '111111111111', roleName: 'AdministratorAccess'}
const READ = {accountId: '222222222222', roleName: 'ReadOnlyAccess'}
const SSO_ARN = /^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/demo\.user$/

let emulator: EmulatorHandle
const outputs: Array<{path: string; text: string}> = []

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
})
afterAll(async () => {
  await emulator.close()
})

/** The sandbox's environment with no D-Bus and no desktop: nothing can reach a Secret Service. */
function headless(sandbox: Sandbox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...sandbox.env, ...emulator.env(), XDG_RUNTIME_DIR: join(sandbox.home, 'run'), ...extra}
  if (!('DBUS_SESSION_BUS_ADDRESS' in extra)) delete env.DBUS_SESSION_BUS_ADDRESS
  delete env.DISPLAY
  mkdirSync(join(sandbox.home, 'run'), {recursive: true, mode: 0o700})
  return env
}

async function keyless(sandbox: Sandbox, argv: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const result = await runKeyless(argv, {env: headless(sandbox, extra), timeoutMs: 90_000})
  // (credential-process prints the role credentials on stdout: that is its job.)
  if (argv[0] !== 'credential-process') outputs.push({path: `stdout of ${argv.join(' ')}`, text: result.stdout})
  outputs.push({path: `stderr of ${argv.join(' ')}`, text: result.stderr})
  return result
}

/** `/proc/keys` lines of the sandbox's keys: `{description, timeout, perm}`. */
function kernelEntries(sandbox: Sandbox): Array<{description: string; timeout: string; perm: string}> {
  const entries = []
  for (const line of readFileSync('/proc/keys', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/)
    const description = line
      .slice(line.indexOf(' user ') + 6)
      .trim()
      .replace(/: \d+$/, '')
    if (f[7] === 'user' && description.startsWith(`${sandbox.keychainService}:`) && f[3] !== 'expd') {
      entries.push({description: description.slice(sandbox.keychainService.length + 1), timeout: f[3]!, perm: f[4]!})
    }
  }
  return entries.sort((a, b) => a.description.localeCompare(b.description))
}

async function wipe(sandbox: Sandbox): Promise<void> {
  const store = openStore('kernel-keyring', {service: sandbox.keychainService})
  for (const key of await store.keys()) await store.delete(key)
}

describe('the daily journey on a headless machine (no D-Bus at all)', () => {
  let sandbox: Sandbox
  beforeAll(() => {
    sandbox = makeSandbox()
  })
  afterAll(async () => {
    await wipe(sandbox)
    sandbox.cleanup()
  })

  it('configure --store kernel-keyring, login, accounts, profiles sync, the AWS CLI, whoami, status, logout; secrets only in kernel memory', async () => {
    const fixture = await emulator.fixture()
    const configure = await keyless(sandbox, [
      'configure',
      '--session',
      'demo',
      '--start-url',
      fixture.startUrl,
      '--region',
      fixture.region,
      '--store',
      'kernel-keyring',
    ])
    expect(configure.code, configure.stderr).toBe(0)
    expect(readFileSync(sandbox.configFile, 'utf8')).toContain(
      '[sso-session demo]\nsso_start_url = https://keyless-demo.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\nkeyless_store = kernel-keyring\n',
    )

    const login = await keyless(sandbox, ['login', '--no-browser'])
    expect(login.code, login.stderr).toBe(0)
    expect(login.stdout).toMatch(/^Signed in to demo/)

    const accounts = await keyless(sandbox, ['accounts', '--json'])
    expect(accounts.code, accounts.stderr).toBe(0)
    expect((JSON.parse(accounts.stdout) as {accounts: unknown[]}).accounts).toHaveLength(3)

    const sync = await keyless(sandbox, ['profiles', 'sync'])
    expect(sync.code, sync.stderr).toBe(0)
    expect(readFileSync(sandbox.configFile, 'utf8')).toContain('[profile sandbox.AdministratorAccess]')

    const aws = await runProcess(
      '/usr/bin/aws',
      ['sts', 'get-caller-identity', '--profile', 'sandbox.AdministratorAccess', '--endpoint-url', emulator.url, '--output', 'json'],
      {env: headless(sandbox), timeoutMs: 90_000},
    )
    outputs.push({path: 'aws stdout', text: aws.stdout}, {path: 'aws stderr', text: aws.stderr})
    expect(aws.code, aws.stderr).toBe(0)
    expect((JSON.parse(aws.stdout) as {Arn: string}).Arn).toMatch(SSO_ARN)

    const whoami = await keyless(sandbox, ['whoami', '--profile', 'sandbox.AdministratorAccess', '--json'])
    expect(whoami.code, whoami.stderr).toBe(0)
    expect(JSON.parse(whoami.stdout)).toMatchObject({account: '111111111111', principalKind: 'sso-role'})

    const status = await keyless(sandbox, ['status', '--json'])
    expect(status.code, status.stderr).toBe(0)
    const session = (JSON.parse(status.stdout) as {sessions: Array<{store: string; hasRefreshToken: boolean; roleCredentials: unknown[]}>})
      .sessions[0]!
    expect(session).toMatchObject({store: 'kernel-keyring', hasRefreshToken: true})
    expect(session.roleCredentials).toEqual([{accountId: ADMIN.accountId, roleName: ADMIN.roleName, expiresAt: expect.any(String)}])
    expect((await keyless(sandbox, ['status'])).stdout).toContain('  store:           kernel-keyring\n')

    // In the kernel: readable by this user only (possessor and user: all; group, other: nothing), each with a timeout.
    const entries = kernelEntries(sandbox)
    expect(entries.map((e) => e.description)).toEqual([
      'session/demo/registration',
      `session/demo/role/${ADMIN.accountId}/${ADMIN.roleName}`,
      'session/demo/token',
    ])
    for (const e of entries) {
      expect(e.perm).toBe('3f3f0000')
      expect(e.timeout).toMatch(/^\d+[smhdw]$/)
    }
    expect(entries.find((e) => e.description.includes('/role/'))!.timeout).toMatch(/^(59|60)m$/)
    expect(entries.find((e) => e.description.endsWith('/registration'))!.timeout).toMatch(/^1[23]w$/)
    // And nothing in the OS keychain (the test process itself has one).
    expect(await openStore('keychain', {service: sandbox.keychainService}).keys()).toEqual([])

    // --all looks for sessions in every store: the unreachable keychain, which no session here uses, is skipped.
    const logout = await keyless(sandbox, ['logout', '--all'])
    expect(logout.code, logout.stderr).toBe(0)
    expect(logout.stdout).toBe('Signed out of demo.\n')
    expect(kernelEntries(sandbox)).toEqual([])

    expect(findLeaks(await emulator.issued(), [...allFiles(sandbox.home), ...outputs])).toEqual([])
  }, 240_000)

  it('the cached credential-process on this store never loads keytar', async () => {
    const seeded = makeSandbox()
    try {
      await seedSession(emulator, seeded, {session: 'demo', store: 'kernel-keyring'})
      const argv = ['credential-process', '--session', 'demo', '--account-id', ADMIN.accountId, '--role-name', ADMIN.roleName]
      const warmup = await keyless(seeded, argv)
      expect(warmup.code, warmup.stderr).toBe(0)
      const files = moduleTraceFiles(seeded.home)
      writeFileSync(files.hook, TRACE_HOOK)
      writeFileSync(files.register, traceRegister(files.hook))
      /** A cache hit served as the warm-up was, and the modules it loaded. */
      const tracedHit = async (name: string): Promise<string[]> => {
        const trace = join(seeded.home, name)
        const esm = join(seeded.home, `${name}.esm`)
        const cached = await runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, ...argv], {
          env: headless(seeded, {KEYLESS_MODULE_TRACE: trace, KEYLESS_ESM_TRACE: esm}),
        })
        expect(cached.code, cached.stderr).toBe(0)
        expect(cached.stdout).toBe(warmup.stdout)
        // The handover requires hot.cjs: through the ESM loader it cost 40-60 ms (cjs-module-lexer over 33 KB, and V8
        // compiling the lexer, which the process's exit waited for).
        expect(
          existsSync(esm)
            ? readFileSync(esm, 'utf8')
                .split('\n')
                .filter((u) => u.includes('/dist/'))
            : [],
        ).toEqual([])
        return readFileSync(trace, 'utf8').split('\n').filter(Boolean)
      }
      const heavy = (loaded: string[]) => loaded.filter((u) => /node_modules\/(keytar|@aws-sdk|@smithy|@oclif|proper-lockfile)\//.test(u))
      const loaded = await tracedHit('trace.txt')
      expect(loaded.some((u) => u.includes('/dist/credential-process/hot.cjs'))).toBe(true)
      expect(heavy(loaded)).toEqual([])

      // Issue 22: a section whose text cannot name a store is taken to be in the keychain before it is parsed (the
      // parse runs while the keychain answers). The key written in another case names the store all the same (key
      // names are lower-cased): still served from the kernel keyring, still without keytar.
      const config = readFileSync(seeded.configFile, 'utf8')
      expect(config).toContain('keyless_store = kernel-keyring')
      writeFileSync(seeded.configFile, config.replace('keyless_store', 'KEYLESS_Store'))
      expect(heavy(await tracedHit('trace-cased.txt'))).toEqual([])
    } finally {
      await wipe(seeded)
      seeded.cleanup()
    }
  }, 120_000)
})

describe('a herd caller on the kernel keyring (issue 28)', () => {
  it("whose cache read found nothing while its role's fetch began waits for that fetch on the cached path: no miss-path module", async () => {
    // In a herd, the leader takes the role's lock while the others are still reading the empty cache. Such a caller
    // used to load the miss path (the lock library, the SDK's modules) only to queue behind the leader.
    const seeded = makeSandbox()
    try {
      await seedSession(emulator, seeded, {session: 'demo', store: 'kernel-keyring'})
      const argv = ['credential-process', '--session', 'demo', '--account-id', ADMIN.accountId, '--role-name', ADMIN.roleName]
      const warmup = await keyless(seeded, argv)
      expect(warmup.code, warmup.stderr).toBe(0)
      const store = openSessionStore('kernel-keyring', seeded.env)
      const entry = (await store.readRoleCredentials('demo', ADMIN.accountId, ADMIN.roleName))!
      await store.deleteRoleCredentials('demo', ADMIN.accountId, ADMIN.roleName)
      // A keyctl that is slow to answer and says when it has: the "leader" takes the lock during the caller's read.
      const bin = join(seeded.home, 'slow-bin')
      mkdirSync(bin, {recursive: true})
      const marks = join(seeded.home, 'keyctl-calls')
      const real = execFileSync('sh', ['-c', 'command -v keyctl'], {encoding: 'utf8'}).trim()
      writeFileSync(
        join(bin, 'keyctl'),
        `#!/bin/sh\necho start >> ${marks}\nsleep 1\n${real} "$@"\nrc=$?\necho end >> ${marks}\nexit $rc\n`,
        {mode: 0o755},
      )
      const calls = () => (existsSync(marks) ? readFileSync(marks, 'utf8').split('\n').filter(Boolean) : [])
      const until = async (ok: () => boolean) => {
        while (!ok()) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const lock = join(seeded.cacheDir, 'locks', `role-demo-${ADMIN.accountId}-${ADMIN.roleName}.lock`)
      const files = moduleTraceFiles(seeded.home)
      writeFileSync(files.hook, TRACE_HOOK)
      writeFileSync(files.register, traceRegister(files.hook))
      const trace = join(seeded.home, 'trace.txt')
      const before = (await emulator.stats()).operations
      const leader = async () => {
        await until(() => calls().includes('start'))
        mkdirSync(lock, {recursive: true})
        writeFileSync(`${lock}.owner`, `${hostname()} ${process.pid} ${statSync(lock).ino}\n`)
        // The caller's read has ended (it found nothing) and it has seen the lock; then the "fetch" ends.
        await until(() => calls().includes('end'))
        await new Promise((resolve) => setTimeout(resolve, 1000))
        await store.writeRoleCredentials('demo', ADMIN.accountId, ADMIN.roleName, entry, {
          signIn: entry.signIn!,
          startUrl: entry.startUrl!,
          region: entry.region!,
        })
        rmSync(`${lock}.owner`)
        rmSync(lock, {recursive: true})
      }
      const [result] = await Promise.all([
        runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, ...argv], {
          env: headless(seeded, {KEYLESS_MODULE_TRACE: trace, PATH: `${bin}:${process.env.PATH}`}),
          timeoutMs: 60_000,
        }),
        leader(),
      ])
      outputs.push({path: 'stderr of the herd caller', text: result.stderr})
      expect(result.code, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout).AccessKeyId).toBe(entry.accessKeyId)
      expect((await emulator.stats()).operations).toEqual(before)
      // Two reads: the empty one, and the one after the fetch.
      expect(calls()).toEqual(['start', 'end', 'start', 'end'])
      const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean)
      expect(loaded.filter((u) => /node_modules\/(@aws-sdk|@smithy|proper-lockfile)\//.test(u))).toEqual([])
      // The cache hit (hit.cjs) hands a kernel-keyring session to the full command (hot.cjs).
      expect([...new Set(loaded.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6)))].sort()).toEqual([
        'credential-process/hit.cjs',
        'credential-process/hot.cjs',
      ])
    } finally {
      await wipe(seeded)
      seeded.cleanup()
    }
  }, 120_000)
})

describe('single flight, expiry and switching stores on the kernel keyring', () => {
  let sandbox: Sandbox
  beforeAll(async () => {
    sandbox = makeSandbox()
    await seedSession(emulator, sandbox, {session: 'demo', store: 'kernel-keyring'})
  })
  afterAll(async () => {
    await wipe(sandbox)
    expect(findLeaks(await emulator.issued(), [...allFiles(sandbox.home), ...outputs])).toEqual([])
    sandbox.cleanup()
  })
  const cp = (role: {accountId: string; roleName: string}) =>
    keyless(sandbox, ['credential-process', '--session', 'demo', '--account-id', role.accountId, '--role-name', role.roleName])

  it('32 concurrent cold credential-process calls: one GetRoleCredentials, the same credentials for all', async () => {
    const before = (await emulator.stats()).operations
    const results = await Promise.all(Array.from({length: 32}, () => cp(ADMIN)))
    for (const r of results) {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    }
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1)
    const after = (await emulator.stats()).operations
    expect(after.GetRoleCredentials - before.GetRoleCredentials).toBe(1)
    expect(after.CreateToken - before.CreateToken).toBe(0)
  }, 240_000)

  it('role credentials with a short lifetime leave the kernel keyring by themselves when they expire', async () => {
    emulator.state!.config.roleCredentialsTtlSeconds = 3
    try {
      const out = await cp(READ)
      expect(out.code, out.stderr).toBe(0)
    } finally {
      emulator.state!.config.roleCredentialsTtlSeconds = 3600
    }
    const key = `session/demo/role/${READ.accountId}/${READ.roleName}`
    const entry = kernelEntries(sandbox).find((e) => e.description === key)
    // Written with the credentials' own expiry (3 s), unless they already expired in between (a loaded machine).
    if (entry) expect(entry.timeout).toMatch(/^[0-3]s$/)
    for (let i = 0; i < 100 && kernelEntries(sandbox).some((e) => e.description === key); i++) await new Promise((r) => setTimeout(r, 100))
    expect(kernelEntries(sandbox).map((e) => e.description)).not.toContain(key)
    expect(await openStore('kernel-keyring', {service: sandbox.keychainService}).get(key)).toBeUndefined()
  }, 60_000)

  it("switching stores moves nothing: the next login fills the new store and deletes the old one's entries", async () => {
    const fixture = await emulator.fixture()
    const inKernel = () => openStore('kernel-keyring', {service: sandbox.keychainService}).keys('session/demo/')
    const inKeychain = () => openStore('keychain', {service: sandbox.keychainService}).keys('session/demo/')
    // With the test process's own Secret Service: the keychain store works here.
    const withKeychain = {DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR}
    // Signed in on the kernel keyring (the seeded session: login has nothing to do, and notes the store it uses).
    const first = await keyless(sandbox, ['login', '--no-browser'], withKeychain)
    expect(first.stdout).toMatch(/^Already signed in to demo/)
    expect((await inKernel()).length).toBeGreaterThan(0)
    const configure = await keyless(
      sandbox,
      ['configure', '--session', 'demo', '--start-url', fixture.startUrl, '--region', fixture.region, '--store', 'keychain'],
      withKeychain,
    )
    expect(configure.code, configure.stderr).toBe(0)
    expect(configure.stdout).toContain("the next login fills it and deletes demo's entries from the kernel-keyring store")
    expect((await inKernel()).length).toBeGreaterThan(0) // nothing moved or deleted yet
    expect(await inKeychain()).toEqual([])

    const login = await keyless(sandbox, ['login', '--no-browser'], withKeychain)
    expect(login.code, login.stderr).toBe(0)
    expect(login.stdout).toMatch(/^Signed in to demo/) // a new sign-in: nothing was carried over
    expect(login.stderr).toMatch(
      /keyless: deleted \d+ entries of session demo from the kernel keyring; its secrets now live in the OS keychain/,
    )
    expect(await inKernel()).toEqual([])
    expect(await inKeychain()).toEqual(['session/demo/registration', 'session/demo/token'])

    // And back: the kernel keyring is filled again, the keychain emptied.
    expect(
      (
        await keyless(
          sandbox,
          ['configure', '--session', 'demo', '--start-url', fixture.startUrl, '--region', fixture.region, '--store', 'kernel-keyring'],
          withKeychain,
        )
      ).code,
    ).toBe(0)
    const back = await keyless(sandbox, ['login', '--no-browser'], withKeychain)
    expect(back.code, back.stderr).toBe(0)
    expect(await inKeychain()).toEqual([])
    expect(await inKernel()).toEqual(['session/demo/registration', 'session/demo/token'])
  }, 180_000)
})

describe('a sign-in on demand on the kernel keyring', () => {
  it('exec at a terminal, the session not signed in: signs in to the store the session names, then runs the command', async () => {
    const sandbox = makeSandbox()
    try {
      await seedSession(emulator, sandbox, {session: 'demo', store: 'kernel-keyring'})
      await wipe(sandbox)
      const before = (await emulator.stats()).operations
      const role = ['--session', 'demo', '--account', ADMIN.accountId, '--role', ADMIN.roleName]
      const {code, screen} = await runInTerminal(
        [process.execPath, KEYLESS_BIN, 'exec', ...role, '--', process.execPath, '-e', "console.log('RAN')"],
        {
          // Over SSH, with no D-Bus: the device flow, approved by the emulator; no Secret Service to fall back on.
          env: headless(sandbox, {SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22'}),
          timeoutMs: 90_000,
        },
      )
      outputs.push({path: 'exec on demand', text: screen})
      expect(screen).toContain('keyless: the SSO session demo is not signed in; signing in first')
      expect(code, screen).toBe(0)
      expect(screen).toContain('RAN')
      expect((await emulator.stats()).operations.StartDeviceAuthorization - before.StartDeviceAuthorization).toBe(1)
      // The sign-in went where the session's keyless_store says, as `keyless login` puts it; nothing in the OS keychain.
      expect(kernelEntries(sandbox).map((e) => e.description)).toEqual([
        'session/demo/registration',
        `session/demo/role/${ADMIN.accountId}/${ADMIN.roleName}`,
        'session/demo/token',
      ])
      expect(await openStore('keychain', {service: sandbox.keychainService}).keys()).toEqual([])
    } finally {
      await wipe(sandbox)
      sandbox.cleanup()
    }
  }, 120_000)
})

describe('credential-process --auto-login after a switch of stores', () => {
  it('signs in to the store the session names now, then empties the one it left, as keyless login does', async () => {
    const sandbox = makeSandbox()
    const inKeychain = () => openStore('keychain', {service: sandbox.keychainService}).keys('session/demo/')
    // With the test process's own Secret Service, where the session's secrets are before the switch.
    const withKeychain = {DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR}
    try {
      await seedSession(emulator, sandbox, {session: 'demo'})
      expect(await inKeychain()).toEqual(['session/demo/registration', 'session/demo/token'])
      const fixture = await emulator.fixture()
      const switched = ['configure', '--session', 'demo', '--start-url', fixture.startUrl, '--region', fixture.region]
      const configure = await keyless(sandbox, [...switched, '--store', 'kernel-keyring'], withKeychain)
      expect(configure.code, configure.stderr).toBe(0)
      const role = ['--session', 'demo', '--account-id', ADMIN.accountId, '--role-name', ADMIN.roleName]
      const {code, screen} = await runInTerminal([process.execPath, KEYLESS_BIN, 'credential-process', ...role, '--auto-login'], {
        // Over SSH: the device flow, its code on the terminal, approved by the emulator.
        env: headless(sandbox, {...withKeychain, SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22'}),
        timeoutMs: 90_000,
      })
      expect(code, screen).toBe(0)
      expect(screen).toMatch(/"Version": ?1/)
      expect(screen).toMatch(/keyless: deleted 2 entries of session demo from the OS keychain; its secrets now live in the kernel keyring/)
      expect(await inKeychain()).toEqual([])
      expect(kernelEntries(sandbox).map((e) => e.description)).toEqual([
        'session/demo/registration',
        `session/demo/role/${ADMIN.accountId}/${ADMIN.roleName}`,
        'session/demo/token',
      ])
    } finally {
      await wipe(sandbox)
      await wipeSandboxKeychain(sandbox)
      sandbox.cleanup()
    }
  }, 120_000)
})

describe('where the kernel keyring cannot be used: one line with the fix, exit 1, nothing written', () => {
  let sandbox: Sandbox
  let fakeBin: string
  beforeAll(async () => {
    sandbox = makeSandbox()
    const fixture = await emulator.fixture()
    writeFile(
      sandbox.configFile,
      `[sso-session demo]\nsso_start_url = ${fixture.startUrl}\nsso_region = ${fixture.region}\nkeyless_store = kernel-keyring\n`,
    )
    fakeBin = join(sandbox.home, 'fake-bin')
  })
  afterAll(async () => {
    await wipe(sandbox)
    sandbox.cleanup()
  })

  /** A keyctl on PATH that answers as keyctl does when the kernel says `error` (for `padd` only, when given). */
  function fakeKeyctl(error: string, only?: string): NodeJS.ProcessEnv {
    const script = only
      ? `#!/bin/sh\nif [ "$1" = "${only}" ]; then echo "keyctl_${only}: ${error}" >&2; exit 1; fi\necho "keyctl_search: Required key not available" >&2\nexit 1\n`
      : `#!/bin/sh\necho "keyctl_$1: ${error}" >&2\nexit 1\n`
    writeFile(join(fakeBin, 'keyctl'), script, 0o755)
    return {PATH: `${fakeBin}:${dirname(process.execPath)}:/usr/bin:/bin`}
  }

  async function expectRefusal(argv: string[], env: NodeJS.ProcessEnv, line: RegExp, afterSignIn = false) {
    const before = allFiles(sandbox.home).filter((f) => !f.path.includes('fake-bin'))
    const result = await keyless(sandbox, argv, env)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    // One line; after a sign-in, the last line under its instructions (the user code, the URL).
    const lines = result.stderr.trimEnd().split('\n')
    if (!afterSignIn) expect(lines).toHaveLength(1)
    expect(lines.at(-1)).toMatch(line)
    // Nothing on disk: the same files with the same bytes (a lock taken and released leaves none).
    expect(allFiles(sandbox.home).filter((f) => !f.path.includes('fake-bin'))).toEqual(before)
  }

  it('the kernel refuses (a seccomp profile blocking keyctl/add_key)', async () => {
    const env = fakeKeyctl('Operation not permitted')
    const seccomp =
      /^keyless: the kernel refused the keyring call \(Operation not permitted\): a container's seccomp profile .* blocks the keyctl\/add_key system calls; allow keyctl, add_key and request_key in the container's seccomp profile/
    await expectRefusal(['login', '--no-browser'], env, seccomp)
    await expectRefusal(
      ['credential-process', '--session', 'demo', '--account-id', ADMIN.accountId, '--role-name', ADMIN.roleName],
      env,
      seccomp,
    )
    await expectRefusal(['status'], env, seccomp)
  })

  it('keyctl is not installed', async () => {
    await expectRefusal(
      ['login', '--no-browser'],
      {PATH: join(sandbox.home, 'empty')},
      /^keyless: the kernel-keyring store needs the keyctl program, which is not installed; install keyutils \(Debian\/Ubuntu: sudo apt-get install keyutils/,
    )
  })

  it('the key quota is full', async () => {
    const before = (await emulator.stats()).operations
    await expectRefusal(
      ['login', '--no-browser'],
      fakeKeyctl('Disk quota exceeded', 'padd'),
      /^keyless: the kernel keyring quota of this user is full \(Disk quota exceeded\); free it with keyless logout --all, or raise it: sudo sysctl/,
      true,
    )
    // It got as far as the sign-in (the first write is the registration), and stored none of it.
    expect((await emulator.stats()).operations.RegisterClient - before.RegisterClient).toBe(1)
  })

  it('the real kernel keyring in an unshared user namespace, if this machine has one', async () => {
    // unshare -r: a new user namespace where keyless runs as "root" of its own. Kernels since 5.3 give it a keyring of
    // its own, so this works rather than refuses; what must hold either way: exit 0 with secrets in the kernel, or one line.
    let unshare = true
    try {
      execFileSync('unshare', ['-r', 'true'], {stdio: 'ignore'})
    } catch {
      unshare = false
    }
    if (!unshare) return
    const result = await runProcess('unshare', ['-r', process.execPath, KEYLESS_BIN, 'status'], {env: headless(sandbox)})
    outputs.push({path: 'unshare status', text: result.stdout + result.stderr})
    if (result.code !== 0) {
      expect(result.code).toBe(1)
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(/^keyless: the kernel/)
    } else {
      expect(result.stdout).toContain('store:           kernel-keyring')
    }
  })
})
