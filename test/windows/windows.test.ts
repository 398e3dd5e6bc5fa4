/**
 * The built CLI as Windows runs it, under Wine with a real Windows node.exe (test/windows/wine.ts): the home
 * rule, configure, the case check, profiles sync and the credential_process line it writes, that line started the
 * three ways the AWS tools start it, and `exec` of a batch file with awkward arguments. scripts/test.sh runs this
 * file after the main suite (KEYLESS_TEST_WINE=1). What it cannot prove (keytar against Credential Manager) is
 * in the README ("Windows and macOS").
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DEBIAN_PYTHON, hasBotocore} from '../helpers/botocore.js'
import {ROOT} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession} from '../helpers/seed-session.js'
import {hasWine, makeWinePrefix, windowsPath, type StepResult, type WinePrefix} from './wine.js'

const SETUP_MS = 600_000
/** Each keyless start under Wine takes seconds (a busy 2-core machine: tens of seconds). */
const TEST_MS = 300_000
let wine: WinePrefix
let emulator: EmulatorHandle
let sandbox: Sandbox
/** keyless as installed on Windows, under a folder with a space (npm's global folder often has one). */
const RUN_JS = 'C:\\Keyless Tools\\keyless\\bin\\run.js'
let windowsEnv: Record<string, string | null>
let startUrl = ''
let region = ''

beforeAll(async () => {
  if (!hasWine) throw new Error('wine is not installed: run scripts/ensure-deps.sh (Debian: apt-get install wine64)')
  wine = makeWinePrefix()
  mkdirSync(join(wine.driveC, 'Keyless Tools'), {recursive: true})
  symlinkSync(ROOT, join(wine.driveC, 'Keyless Tools', 'keyless'))
  emulator = await startEmulator({autoApprove: true})
  sandbox = makeSandbox()
  const keychainFile = join(sandbox.home, 'credential-manager.json')
  // The store keyless would keep in Credential Manager, seeded from this side (test/helpers/seed-session.ts).
  sandbox.env.KEYLESS_TEST_PLAIN_KEYCHAIN_FILE = keychainFile
  const seeded = await seedSession(emulator, sandbox, {skipConfig: true})
  startUrl = seeded.startUrl
  region = seeded.region
  windowsEnv = {
    // The AWS tools' home on Windows is USERPROFILE; HOME, set by Git Bash and corporate home drives, is elsewhere.
    USERPROFILE: windowsPath(sandbox.home),
    HOME: windowsPath(join(sandbox.home, 'git-bash-home')),
    LOCALAPPDATA: windowsPath(join(sandbox.home, '.cache')),
    AWS_CONFIG_FILE: null,
    AWS_SHARED_CREDENTIALS_FILE: null,
    XDG_CACHE_HOME: null,
    KEYLESS_KEYCHAIN_SERVICE: sandbox.keychainService,
    KEYLESS_TEST_PLAIN_KEYCHAIN_FILE: windowsPath(keychainFile),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    OCLIF_DISABLE_ENGINE_WARNING: '1',
    ...emulator.env(),
  }
}, SETUP_MS)

afterAll(async () => {
  await emulator?.close()
  sandbox?.cleanup()
  wine?.close()
})

const keyless = (name: string, args: string[]) => ({name, run: [wine.node, RUN_JS, ...args], env: windowsEnv})
const show = (r: StepResult | undefined) => JSON.stringify(r)

describe('Windows (Wine, a real node.exe)', {timeout: TEST_MS}, () => {
  let profile = ''
  let line = ''

  it('configure writes under USERPROFILE, refuses a case-only twin, and profiles sync writes a line without quotes', async () => {
    const r = await wine.run([
      keyless('configure', ['configure', '--session', 'acme', '--start-url', startUrl, '--region', region]),
      keyless('twin', ['configure', '--session', 'Acme', '--start-url', startUrl, '--region', region]),
      keyless('sync', ['profiles', 'sync', '--json']),
    ])
    expect(r.configure?.code, show(r.configure)).toBe(0)
    expect(existsSync(sandbox.configFile)).toBe(true)
    expect(existsSync(join(sandbox.home, 'git-bash-home', '.aws', 'config'))).toBe(false)
    expect(r.twin?.code, show(r.twin)).toBe(2)
    expect(r.twin?.stderr).toMatch(/session "Acme" differs from the existing session "acme" only by case/)
    expect(readFileSync(sandbox.configFile, 'utf8')).not.toMatch(/\[sso-session Acme\]/)
    expect(r.sync?.code, show(r.sync)).toBe(0)
    const added = (JSON.parse(r.sync!.stdout!) as {added: string[]}).added
    expect(added.length).toBeGreaterThan(0)
    profile = added[0]!
    const config = readFileSync(sandbox.configFile, 'utf8')
    const section = config.slice(config.indexOf(`[profile ${profile}]`))
    line = /credential_process = (.*)/.exec(section)![1]!
    // node.exe, then run.js, both absolute, in 8.3 form where the long one has a space; not one quote.
    expect(line).toMatch(/^C:\\PROG[^ ]*\\nodejs\\node\.exe C:\\KEYL[^ ]*\\keyless\\bin\\run\.js credential-process --session acme /)
    expect(line).not.toContain('"')
  })

  it.skipIf(!hasBotocore)('the written line starts as botocore, the Go SDK (cmd.exe /C) and the JS SDK (exec) start it', async () => {
    expect(line).not.toBe('')
    // botocore's own split of the value botocore read from the file, with its Windows rules.
    const split = JSON.parse(
      execFileSync(DEBIAN_PYTHON, [
        '-c',
        'import json,sys,botocore.session as s\n' +
          'from botocore.compat import compat_shell_split\n' +
          'b=s.Session(profile=sys.argv[2]);b.set_config_variable("config_file",sys.argv[1])\n' +
          'print(json.dumps(compat_shell_split(b.get_scoped_config()["credential_process"],"win32")))',
        sandbox.configFile,
        profile,
      ]).toString(),
    ) as string[]
    const r = await wine.run([
      {name: 'botocore', run: split, env: windowsEnv},
      {name: 'go', cmd: line, env: windowsEnv},
      {name: 'js', exec: line, env: windowsEnv},
    ])
    for (const way of ['botocore', 'go', 'js']) {
      expect(r[way]?.code, `${way}: ${show(r[way])}`).toBe(0)
      const document = JSON.parse(r[way]!.stdout!) as {Version: number; AccessKeyId: string}
      expect(document.Version).toBe(1)
      expect(document.AccessKeyId).toMatch(/^ASIA/)
    }
  })

  it('exec finds a .cmd through PATHEXT and hands it awkward arguments intact', async () => {
    expect(profile).not.toBe('')
    const tools = join(wine.driveC, 'tools')
    mkdirSync(tools, {recursive: true})
    writeFileSync(join(tools, 'print-args.js'), "require('fs').writeFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)))\n")
    writeFileSync(join(tools, 'print-args.cmd'), `@"${wine.node}" C:\\tools\\print-args.js %*\r\n`)
    // `%` through a batch file is left out: Wine's cmd.exe expands the text `%*` brings in a second time (100% comes
    // out as 100), which Windows' does not; the hosted Windows runner covers it (.github/workflows/ci.yml).
    const awkward = ['a b', 'say "hi"', 'x^y', 'a&b|c<d>e', '(paren)', 'c:\\dir with space\\', "it's"]
    const percent = ['100%', '%PATH%', '^%PATH^%', 'a b']
    const path = `C:\\tools;C:\\Program Files\\nodejs;C:\\windows\\system32;C:\\windows`
    const r = await wine.run([
      {
        ...keyless('cmd', ['exec', '--profile', profile, '--', 'print-args', 'C:\\tools\\cmd.json', ...awkward]),
        env: {...windowsEnv, PATH: path},
      },
      // An .exe found through PATHEXT (node → node.exe) runs without cmd.exe: `%` and all arrive as given.
      {
        ...keyless('exe', ['exec', '--profile', profile, '--', 'node', 'C:\\tools\\print-args.js', 'C:\\tools\\exe.json', ...percent]),
        env: {...windowsEnv, PATH: path},
      },
    ])
    expect(r.cmd?.code, show(r.cmd)).toBe(0)
    expect(JSON.parse(readFileSync(join(tools, 'cmd.json'), 'utf8'))).toEqual(awkward)
    expect(r.exe?.code, show(r.exe)).toBe(0)
    expect(JSON.parse(readFileSync(join(tools, 'exe.json'), 'utf8'))).toEqual(percent)
  })
})
