/**
 * `keyless configure --from PATH|URL [--check]`: a team file validated whole, applied, reapplied (no byte
 * changes), updated (the difference shown and applied), and served over http by a local server that fails,
 * stalls mid-body or serves an invalid file: nothing changes. Then `profiles sync` uses what the file set.
 */
import {createServer, type Server} from 'node:http'
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

let emulator: EmulatorHandle
let sandbox: Sandbox
let server: Server
let base: string
let startUrl: string
const open = new Set<import('node:net').Socket>()

const team = (version: number, extra = '') => `# platform team, reviewed in git
keyless: 1
name: platform
version: ${version}
sessions:
  demo:
    start_url: ${startUrl}
    region: us-east-1
    template: "{account_name}-{role_name}"
    regions:
      - account: "111111111111"
        region: eu-west-1
      - role: ReadOnlyAccess
        region: us-west-2
${extra}`

const USER = '# my own\n[profile mine]\nregion = ap-south-1\n'
const env = (extra: NodeJS.ProcessEnv = {}) => ({...sandbox.env, ...emulator.env(), KEYLESS_TEAM_FILE_TIMEOUT_MS: '1500', ...extra})
const config = () => readFileSync(sandbox.configFile, 'utf8')

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  sandbox = makeSandbox()
  startUrl = (await emulator.fixture()).startUrl
  server = createServer((req, res) => {
    if (req.url === '/v3.yaml') return res.end(team(3))
    if (req.url === '/broken') return res.writeHead(503).end('down for maintenance')
    if (req.url === '/invalid.yaml') return res.end(team(4).replace('us-east-1', 'moon-base-1'))
    if (req.url === '/stall') return // headers never come
    if (req.url === '/half') {
      const body = team(5)
      res.writeHead(200, {'content-length': String(body.length)})
      res.write(body.slice(0, 40)) // then nothing: a VPN that drops mid-transfer
      return
    }
    res.writeHead(404).end()
  })
  server.on('connection', (s) => {
    open.add(s)
    s.on('close', () => open.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const s of open) s.destroy()
  await new Promise((resolve) => server.close(resolve))
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('configure --from --check', () => {
  it('exit 0 for a valid file, 1 with the error for an invalid one; the config file is not even created', async () => {
    const file = join(sandbox.home, 'team.yaml')
    writeFileSync(file, team(1))
    const ok = await runKeyless(['configure', '--from', file, '--check'], {env: env()})
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/team file platform version 1 is valid/)
    writeFileSync(join(sandbox.home, 'bad.yaml'), team(1).replace('version: 1', 'version: one'))
    const bad = await runKeyless(['configure', '--from', join(sandbox.home, 'bad.yaml'), '--check'], {env: env()})
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toMatch(/^keyless: team file .*bad\.yaml: \/version: must be integer; fix the team file/)
    expect(existsSync(sandbox.configFile)).toBe(false)
  })
})

describe('configure --from: applied, reapplied, updated', () => {
  it("applies a file: the diff shown, the user's profile kept", async () => {
    const {mkdirSync} = await import('node:fs')
    mkdirSync(join(sandbox.home, '.aws'), {recursive: true})
    writeFileSync(sandbox.configFile, USER)
    writeFileSync(
      join(sandbox.home, 'team.yaml'),
      team(
        1,
        'chains:\n  deploy:\n    source_profile: sandbox-AdministratorAccess\n    role_arn: arn:aws:iam::111111111111:role/Deployer\n',
      ),
    )
    const out = await runKeyless(['configure', '--from', join(sandbox.home, 'team.yaml')], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toContain('+[sso-session demo]')
    expect(out.stdout).toContain('+keyless_team_version = 1')
    expect(out.stdout).toMatch(/Applied team file platform version 1/)
    expect(out.stderr).toMatch(
      /chain "deploy": its source_profile "sandbox-AdministratorAccess" is not a keyless profile yet; run: keyless profiles sync/,
    )
    expect(config().startsWith(USER)).toBe(true)
    expect(config()).toContain(
      '[profile deploy]\nrole_arn = arn:aws:iam::111111111111:role/Deployer\nsource_profile = sandbox-AdministratorAccess\nkeyless_team = platform\n',
    )
  })

  it('applying it again changes no byte and writes nothing', async () => {
    const before = statSync(sandbox.configFile)
    const text = config()
    const out = await runKeyless(['configure', '--from', join(sandbox.home, 'team.yaml')], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/team file platform version 1 is already applied/)
    expect(config()).toBe(text)
    expect(statSync(sandbox.configFile).mtimeMs).toBe(before.mtimeMs)
  })

  it('a newer version over https-or-loopback: the difference shown and applied', async () => {
    const out = await runKeyless(['configure', '--from', `${base}/v3.yaml`], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toContain('-keyless_team_version = 1')
    expect(out.stdout).toContain('+keyless_team_version = 3')
    expect(out.stdout).toContain('-[profile deploy]')
    expect(config()).not.toContain('[profile deploy]')
    expect(readFileSync(`${sandbox.configFile}.keyless.bak`, 'utf8')).toContain('[profile deploy]')
  })

  it.each([
    ['a server error', '/broken', /could not fetch team file .*: HTTP 503; nothing was changed/],
    ['a server that never answers', '/stall', /could not fetch team file .*: no complete answer within 2 s; nothing was changed/],
    ['a body cut off mid-transfer', '/half', /could not fetch team file .*; nothing was changed/],
    [
      'a file that does not validate',
      '/invalid.yaml',
      /team file .*invalid\.yaml: \/sessions\/demo\/region: "moon-base-1" is not an AWS region/,
    ],
  ])('%s changes nothing (exit 1)', {timeout: 60_000}, async (_, path, error) => {
    const text = config()
    const mtime = statSync(sandbox.configFile).mtimeMs
    const out = await runKeyless(['configure', '--from', `${base}${path}`], {env: env()})
    expect(out.code).toBe(1)
    expect(out.stderr.trim()).toMatch(error)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(config()).toBe(text)
    expect(statSync(sandbox.configFile).mtimeMs).toBe(mtime)
  })

  it('refuses a plain-http URL off this machine and an older version than applied', async () => {
    const http = await runKeyless(['configure', '--from', 'http://example.com/team.yaml'], {env: env()})
    expect(http.code).toBe(1)
    expect(http.stderr).toMatch(/team file URL http:\/\/example\.com is not https/)
    const older = await runKeyless(['configure', '--from', join(sandbox.home, 'team.yaml')], {env: env()})
    expect(older.code).toBe(1)
    expect(older.stderr).toMatch(/team file platform version 1 is older than version 3/)
  })
})

describe('profiles sync follows the team file', () => {
  it('the template and the per-account and per-role regions', {timeout: 120_000}, async () => {
    await seedSession(emulator, sandbox, {session: 'demo', skipConfig: true})
    const out = await runKeyless(['profiles', 'sync', '--json'], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    const text = config()
    const region = (name: string) => new RegExp(`\\[profile ${name}\\]\\n[^[]*?region = ([\\w-]+)`).exec(text)?.[1]
    expect(region('sandbox-AdministratorAccess')).toBe('eu-west-1')
    expect(region('sandbox-ReadOnlyAccess')).toBe('eu-west-1')
    expect(region('staging-ReadOnlyAccess')).toBe('us-west-2')
    expect(region('staging-PowerUserAccess')).toBe('us-east-1')
  })
})
