import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseCredentialProcessArgs} from '../../src/credential-process/args.js'
import {cacheHit, type CacheHit, type Handover} from '../../src/credential-process/cache-hit.js'
import {credentialProcess} from '../../src/credential-process/main.js'
import {runKeyless} from '../helpers/cli.js'
import {SESSION, configText} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 22: credential-process's cache hit runs from a file of its own (cache-hit.ts, hit.cjs) and hands every other
// case to the full command (main.ts). Here both run in this process against the real keychain, case by case: the
// cache hit serves exactly what the full command serves, or hands over; when it had sent its keychain read, the full
// command takes that read instead of sending another.

const ADMIN = {accountId: '111111111111', roleName: 'AdministratorAccess'}
const UNCACHED = {accountId: '222222222222', roleName: 'ReadOnlyAccess'}
const argv = (role: {accountId: string; roleName: string}, extra: string[] = [], session: string | null = SESSION) => [
  ...(session === null ? [] : ['--session', session]),
  '--account-id',
  role.accountId,
  '--role-name',
  role.roleName,
  ...extra,
]

let sandbox: Sandbox
let emulator: EmulatorHandle
let served: string
const env = (more: Record<string, string> = {}) => ({...sandbox.env, ...emulator.env(), ...more})
const ops = async () => (await emulator.stats()).operations

/** The full command's answer, given what the cache hit handed over. */
async function full(args: string[], handedOver: Handover = {}, e = env()): Promise<string> {
  return credentialProcess(parseCredentialProcessArgs(args), {
    env: e,
    warn: () => {},
    inFlight: handedOver.inFlight,
    sectionText: handedOver.section,
  })
}

function handover(hit: CacheHit, what = ''): Handover {
  expect(hit, what).not.toHaveProperty('json')
  return (hit as {handover: Handover}).handover
}

/** The config file changed for one case, then restored byte for byte. */
async function withConfig(change: (text: string) => string, run: () => Promise<void>): Promise<void> {
  const original = readFileSync(sandbox.configFile, 'utf8')
  writeFileSync(sandbox.configFile, change(original))
  try {
    await run()
  } finally {
    writeFileSync(sandbox.configFile, original)
  }
}

beforeAll(async () => {
  emulator = await startEmulator()
  // The full command runs in this process: its SDK clients take the emulator's endpoint from process.env.
  Object.assign(process.env, emulator.env())
  sandbox = makeSandbox()
  const fixture = await emulator.fixture()
  writeFile(
    sandbox.configFile,
    configText(fixture.startUrl, fixture.region, [
      {name: 'sandbox.AdministratorAccess', ...ADMIN},
      {name: 'staging.ReadOnlyAccess', ...UNCACHED},
    ]),
  )
  await seedSession(emulator, sandbox, {skipConfig: true})
  const first = await runKeyless(['credential-process', ...argv(ADMIN)], {env: env()})
  expect(first.code, first.stderr).toBe(0)
  served = first.stdout
})

afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('the cache hit on its own', () => {
  it('serves the plain case, byte for byte what the full command and the CLI serve, without a call', async () => {
    const before = await ops()
    expect(await cacheHit(argv(ADMIN), env())).toEqual({json: served})
    expect(await full(argv(ADMIN))).toBe(served)
    // The session from $KEYLESS_SESSION, as the full command takes it.
    expect(await cacheHit(argv(ADMIN, [], null), env({KEYLESS_SESSION: SESSION}))).toEqual({json: served})
    // --auto-login matters only on a miss.
    expect(await cacheHit(argv(ADMIN, ['--auto-login']), env())).toEqual({json: served})
    expect(await ops()).toEqual(before)
  })

  it('hands over before any read: --debug, no session named, flags it does not read, a usage error, the role being fetched', async () => {
    expect(handover(await cacheHit(argv(ADMIN, ['--debug']), env()), '--debug')).toEqual({})
    expect(handover(await cacheHit(argv(ADMIN, [], null), env()), 'no session')).toEqual({})
    expect(handover(await cacheHit(['--session', SESSION, '--account-id', ADMIN.accountId, '-x'], env()), '-x')).toEqual({})
    expect(handover(await cacheHit(argv({...ADMIN, accountId: '12345'}), env()), 'usage')).toEqual({})
    const lock = join(sandbox.cacheDir, 'locks', `role-${SESSION}-${ADMIN.accountId}-${ADMIN.roleName}.lock`)
    mkdirSync(lock, {recursive: true})
    try {
      expect(handover(await cacheHit(argv(ADMIN), env()), 'lock')).toEqual({})
    } finally {
      rmSync(lock, {recursive: true})
    }
  })

  it('a section that names its store, or is not there: handed over unread, and the full command serves or says so', async () => {
    const header = `[sso-session ${SESSION}]\n`
    await withConfig(
      (text) => text.replace(header, `${header}keyless_store = keychain\n`),
      async () => {
        expect(handover(await cacheHit(argv(ADMIN), env())).inFlight).toBeUndefined()
        expect(await full(argv(ADMIN))).toBe(served)
      },
    )
    await withConfig(
      (text) => text.replace(header, '[sso-session elsewhere]\n'),
      async () => {
        expect(handover(await cacheHit(argv(ADMIN), env())).inFlight).toBeUndefined()
        await expect(full(argv(ADMIN))).rejects.toThrow(`no SSO session "${SESSION}"`)
      },
    )
    // With its section gone, the full command dropped the roles cached for the session: nothing to serve until the
    // next fetch, which the cache hit then serves.
    expect(handover(await cacheHit(argv(ADMIN), env())).inFlight?.read).toBeInstanceOf(Promise)
    served = await full(argv(ADMIN))
    expect(await cacheHit(argv(ADMIN), env())).toEqual({json: served})
  })

  it('a section of another shape, or no sign-in marker: handed over with the read it sent, which the full command takes', async () => {
    const header = `[sso-session ${SESSION}]\n`
    await withConfig(
      (text) => text.replace(header, `[sso-session ${SESSION}]  \n`),
      async () => {
        const handedOver = handover(await cacheHit(argv(ADMIN), env()))
        const {inFlight} = handedOver
        expect(inFlight?.read).toBeInstanceOf(Promise)
        expect(handedOver.section?.text).toMatch(new RegExp(`^\\[sso-session ${SESSION}\\]  \n`))
        expect(await full(argv(ADMIN), handedOver), 'odd section').toBe(served)
        expect(inFlight?.read).toBeUndefined() // taken: the full command sent no read of its own for it
      },
    )
    const marker = readdirMarker()
    renameSync(marker, `${marker}.away`)
    try {
      const handedOver = handover(await cacheHit(argv(ADMIN), env()))
      const {inFlight} = handedOver
      expect(inFlight?.key).toBe(`session/${SESSION}/role/${ADMIN.accountId}/${ADMIN.roleName}`)
      expect(await full(argv(ADMIN), handedOver)).toBe(served)
      expect(inFlight?.read).toBeUndefined()
    } finally {
      renameSync(`${marker}.away`, marker)
    }
  })

  it('nothing it may serve (not cached, another sign-in, a re-pointed section): handed over with the read, and the full command fetches', async () => {
    const before = await ops()
    const handedOver = handover(await cacheHit(argv(UNCACHED), env()))
    const {inFlight} = handedOver
    expect(inFlight?.read).toBeInstanceOf(Promise)
    expect(JSON.parse(await full(argv(UNCACHED), handedOver)).Version).toBe(1)
    expect(inFlight?.read).toBeUndefined()
    expect((await ops()).GetRoleCredentials).toBe((before.GetRoleCredentials ?? 0) + 1)
    // Now cached: served by the cache hit itself.
    expect(await cacheHit(argv(UNCACHED), env())).toHaveProperty('json')

    const marker = readdirMarker()
    const signIn = readFileSync(marker, 'utf8')
    writeFileSync(marker, 'another-sign-in\n')
    try {
      expect(handover(await cacheHit(argv(ADMIN), env())).inFlight?.read).toBeInstanceOf(Promise)
    } finally {
      writeFileSync(marker, signIn)
    }
    await withConfig(
      (text) => text.replace(/^sso_start_url = .*$/m, 'sso_start_url = https://elsewhere.awsapps.com/start'),
      async () => {
        expect(handover(await cacheHit(argv(ADMIN), env())).inFlight?.read).toBeInstanceOf(Promise)
      },
    )
    expect(await cacheHit(argv(ADMIN), env())).toEqual({json: served})
  })
})

/** The session's sign-in marker file (sign-in-marker.ts). */
function readdirMarker(): string {
  const service = encodeURIComponent(sandbox.keychainService).replaceAll('.', '%2E')
  return join(sandbox.cacheDir, 'sign-in', `${service}.${SESSION}`)
}
