import {readFileSync, statSync, existsSync} from 'node:fs'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {KEYLESS_BIN, runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {ssoSessionSection, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// `keyless profiles sync` end to end: a real login, the emulator's default fixture, the user's config kept.
const START_URL = 'https://keyless-demo.awsapps.com/start'
let sandbox: Sandbox
let emulator: EmulatorHandle

const keyless = (args: string[]) => runKeyless(args, {env: {...sandbox.env, ...emulator.env()}})
const config = () => readFileSync(sandbox.configFile, 'utf8')

// A user's file with everything that must survive: comments, nested s3 keys, services, CRLF in one place.
const USER_CONFIG =
  [
    '# my AWS config',
    '[default]',
    'region = eu-west-1',
    's3 =',
    '  max_concurrent_requests = 20',
    '',
    '; a user profile whose name keyless would want',
    '[profile sandbox.ReadOnlyAccess]',
    'credential_process = /usr/local/bin/my-own-tool',
    '',
    '[services local]',
    'sts =',
    '  endpoint_url = http://localhost:4566',
    '',
    ssoSessionSection('demo', START_URL).trimEnd(),
  ].join('\n') + '\n'

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
})
afterAll(async () => emulator.close())
beforeEach(async () => {
  sandbox = makeSandbox()
  writeFile(sandbox.configFile, USER_CONFIG)
  expect((await keyless(['login', '--no-browser'])).code).toBe(0)
})
afterEach(async () => {
  const keychain = openKeychain({service: sandbox.keychainService})
  for (const key of await keychain.keys()) await keychain.delete(key)
  sandbox.cleanup()
})

describe('profiles sync', () => {
  it('writes one credential_process profile per role, keeps every user byte, and skips a taken name', async () => {
    const out = await keyless(['profiles', 'sync', '--json'])
    expect(out.code).toBe(0)
    expect(JSON.parse(out.stdout)).toEqual({
      added: ['production.ReadOnlyAccess', 'sandbox.AdministratorAccess', 'staging.PowerUserAccess', 'staging.ReadOnlyAccess'],
      updated: [],
      removed: [],
      unchanged: [],
      skipped: ['sandbox.ReadOnlyAccess'],
    })
    expect(out.stderr).toMatch(/sandbox\.ReadOnlyAccess/)
    const text = config()
    expect(text.startsWith(USER_CONFIG)).toBe(true)
    expect(text).toContain(
      `[profile sandbox.AdministratorAccess]\ncredential_process = "${KEYLESS_BIN}" credential-process --session demo --account-id=111111111111 --role-name=AdministratorAccess\nregion = us-east-1\nkeyless_session = demo\n`,
    )
    expect(text).not.toMatch(/\[profile [^\]]+\]\n(?:[^[]*\n)*?sso_/) // never sso_* keys in a keyless profile
    expect(readFileSync(sandbox.configFile + '.keyless.bak', 'utf8')).toBe(USER_CONFIG)
  })

  it('keeps a section the AWS tools ignore byte for byte with one warning naming its line; refuses what botocore refuses', async () => {
    const withIgnored = USER_CONFIG + '\n[profile two words]\nregion = us-west-2\n'
    writeFile(sandbox.configFile, withIgnored)
    const out = await keyless(['profiles', 'sync', '--json'])
    expect(out.code).toBe(0)
    expect(JSON.parse(out.stdout).added).toHaveLength(4)
    const line = USER_CONFIG.split('\n').length + 1
    expect(out.stderr.split('\n').filter((l) => l.includes('two words'))).toEqual([
      `keyless: ~/.aws/config line ${line}: the AWS CLI and SDKs ignore "[profile two words]" (a profile name with a space; quote it: [profile "NAME"]): kept as it is`,
    ])
    expect(config().startsWith(withIgnored)).toBe(true)

    const broken = withIgnored + '[profile broken\n'
    writeFile(sandbox.configFile, broken)
    const refused = await keyless(['profiles', 'sync'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(new RegExp(`line ${line + 2}: "\\[profile broken" is not a section header`))
    expect(config()).toBe(broken)
  })

  it('a second identical sync changes no byte and writes nothing', async () => {
    await keyless(['profiles', 'sync'])
    const before = statSync(sandbox.configFile)
    const bytes = config()
    const again = await keyless(['profiles', 'sync', '--json'])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout).unchanged).toHaveLength(4)
    const after = statSync(sandbox.configFile)
    expect(config()).toBe(bytes)
    expect(after.mtimeMs).toBe(before.mtimeMs)
    expect(after.ino).toBe(before.ino)
  })

  it('--dry-run prints the unified diff and writes nothing', async () => {
    const out = await keyless(['profiles', 'sync', '--dry-run'])
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/^\+\[profile staging\.PowerUserAccess\]$/m)
    expect(out.stdout).toMatch(/^--- /m)
    expect(config()).toBe(USER_CONFIG)
    expect(existsSync(sandbox.configFile + '.keyless.bak')).toBe(false)
  })

  it('a second sync within the hour uses the cached listing; --refresh and --prune list afresh', async () => {
    const listings = async () => (await emulator.stats()).operations.ListAccounts
    const first = await keyless(['profiles', 'sync'])
    expect(first.code).toBe(0)
    expect(first.stderr).not.toContain('(cached)')
    const afterFirst = await listings()
    const second = await keyless(['profiles', 'sync'])
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('4 unchanged')
    expect(second.stderr).toMatch(
      /^keyless: using the accounts and roles listed less than a minute ago \(cached\); to list them again, add --refresh$/m,
    )
    expect(await listings()).toBe(afterFirst)
    expect((await keyless(['profiles', 'sync', '--refresh'])).stderr).not.toContain('(cached)')
    expect(await listings()).toBeGreaterThan(afterFirst)
    const beforePrune = await listings()
    expect((await keyless(['profiles', 'sync', '--prune'])).code).toBe(0)
    expect(await listings()).toBeGreaterThan(beforePrune)
  })

  it("keeps keys a user added, and --prune removes only this session's profiles whose role is gone", async () => {
    await keyless(['profiles', 'sync'])
    // The user customises a keyless profile; another session's keyless profile sits in the file too.
    const customised =
      config().replace(
        'keyless_session = demo\n\n[profile staging.PowerUserAccess]',
        'keyless_session = demo\noutput = json\n\n[profile staging.PowerUserAccess]',
      ) +
      '\n[profile other.Admin]\ncredential_process = keyless credential-process --session other --account-id 999999999999 --role-name Admin\nkeyless_session = other\n'
    writeFile(sandbox.configFile, customised)
    await emulator.setAssignment('222222222222', 'PowerUserAccess', false)
    try {
      // Within the hour the cached listing is used: the change is not seen yet, and stderr says how to see it.
      const cached = await keyless(['profiles', 'sync', '--json'])
      expect(cached.stderr).toContain('(cached); to list them again, add --refresh')
      expect(cached.stderr).not.toContain('--prune')
      const stale = await keyless(['profiles', 'sync', '--refresh', '--json'])
      expect(stale.stderr).not.toContain('(cached)')
      expect(JSON.parse(stale.stdout).removed).toEqual([])
      expect(stale.stderr).toMatch(/1 profile\(s\) of session demo .*staging\.PowerUserAccess.*--prune/)
      const pruned = await keyless(['profiles', 'sync', '--prune', '--json'])
      expect(JSON.parse(pruned.stdout).removed).toEqual(['staging.PowerUserAccess'])
      const text = config()
      expect(text).not.toContain('[profile staging.PowerUserAccess]')
      expect(text).toContain('output = json')
      expect(text).toContain('[profile other.Admin]')
      expect(text.startsWith(USER_CONFIG)).toBe(true)
    } finally {
      await emulator.setAssignment('222222222222', 'PowerUserAccess', true, 'staging')
    }
  })

  it("two syncs at once (two terminals, two sessions) both land: neither loses the other's work", async () => {
    writeFile(sandbox.configFile, USER_CONFIG + '\n' + ssoSessionSection('second', START_URL))
    expect((await keyless(['login', '--no-browser', '--session', 'second'])).code).toBe(0)
    const [a, b] = await Promise.all([
      keyless(['profiles', 'sync', '--session', 'demo', '--template', '{session}.{account_name}.{role_name}']),
      keyless(['profiles', 'sync', '--session', 'second', '--template', '{session}.{account_name}.{role_name}']),
    ])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const text = config()
    for (const session of ['demo', 'second']) {
      expect(text.match(new RegExp(`^keyless_session = ${session}$`, 'gm'))).toHaveLength(5)
      expect(text).toContain(`[profile ${session}.sandbox.ReadOnlyAccess]`)
    }
    // The user's bytes, then the template remembered in [sso-session demo] (the file's last section).
    expect(text.startsWith(USER_CONFIG + 'keyless_template = {session}.{account_name}.{role_name}\n')).toBe(true)
  })

  it('without a login: the one-line "run keyless login" error and no change to the file', async () => {
    await keyless(['logout'])
    const out = await keyless(['profiles', 'sync'])
    expect(out.code).toBe(1)
    expect(out.stderr.trim()).toBe('keyless: SSO session "demo" is not signed in; run: keyless login --session demo')
    expect(config()).toBe(USER_CONFIG)
  })
})
