import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {terminalSafeJson} from '../../src/errors.js'
import {KEYLESS_BIN, runKeyless, runProcess, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

// `keyless audit` end to end: the built CLI, a sandbox HOME holding every kind of credential location at once,
// STS GetCallerIdentity on the emulator (SigV4 checked) for each key.
const ROOT = {id: 'AKIAEMULATORROOT0001', secret: 'emulator-root-secret-0000000000000000000'}
const USER = {id: 'AKIAEMULATORUSER0001', secret: 'emulator-user-secret-0000000000000000000'}
const OLD = {id: 'AKIAEMULATOROLD00001', secret: 'emulator-old-secret-00000000000000000000'}
const ROOT3 = {id: 'AKIAEMULATORROOT0003', secret: 'emulator-root-secret-3333333333333333333'}
const CACHE_SECRETS = [
  'sso-access-token-aaaaaaaaaaaaaaaa',
  'sso-refresh-token-bbbbbbbbbbbbbbbb',
  'sso-client-secret-cccccccccccccccc',
  'cli-secret-key-dddddddddddddddddddd',
  'cli-session-token-eeeeeeeeeeeeeeeee',
  'login-secret-key-ffffffffffffffffffff',
  'login-refresh-token-gggggggggggggggg',
  '-----BEGIN EC PRIVATE KEY-----hhhhhhhhhhhhhhhh',
]
const FIXTURE_SECRETS = [ROOT.secret, USER.secret, OLD.secret, ROOT3.secret, ...CACHE_SECRETS]

const CREDENTIALS = `# keys from 2019
[default]
aws_access_key_id = ${ROOT.id}
aws_secret_access_key = ${ROOT.secret}

[former]
aws_access_key_id = ${OLD.id}
aws_secret_access_key = ${OLD.secret}
region = eu-west-1

[dev]
aws_access_key_id = ${USER.id}
aws_secret_access_key = ${USER.secret}
`
const CONFIG = `[default]
region = us-east-1

[profile dev]
sso_session = acme
sso_account_id = 222222222222
sso_role_name = PowerUserAccess

[profile legacy]
aws_access_key_id = ${ROOT3.id}
aws_secret_access_key = ${ROOT3.secret}
output = json

[profile sandbox.AdministratorAccess]
credential_process = "/usr/bin/keyless" credential-process --session acme --account-id 111111111111 --role-name AdministratorAccess
region = us-east-1
keyless_session = acme

[profile vault]
credential_process = /usr/local/bin/aws-vault export --format=json prod

[sso-session acme]
sso_start_url = https://keyless-demo.awsapps.com/start
sso_region = us-east-1
`
const ENV_FILE = `AWS_ACCESS_KEY_ID=${USER.id}\nAWS_SECRET_ACCESS_KEY=${USER.secret}\n`
const TFVARS = `region = "us-east-1"\naccess_key = "${ROOT.id}"\nsecret_key = "${ROOT.secret}"\n`

/** A machine with every kind of location: AWS files, caches, a project with secrets, decoys that must be skipped. */
function buildMachine(sandbox: Sandbox): {project: string} {
  writeFile(sandbox.credentialsFile, CREDENTIALS)
  writeFile(sandbox.configFile, CONFIG)
  const future = new Date(Date.now() + 30 * 86400_000).toISOString()
  writeFile(
    join(sandbox.home, '.aws', 'sso', 'cache', 'c0ffee.json'),
    JSON.stringify({
      startUrl: 'https://keyless-demo.awsapps.com/start',
      region: 'us-east-1',
      accessToken: CACHE_SECRETS[0],
      expiresAt: future,
      refreshToken: CACHE_SECRETS[1],
      clientId: 'client-id',
      clientSecret: CACHE_SECRETS[2],
      registrationExpiresAt: future,
    }),
  )
  writeFile(
    join(sandbox.home, '.aws', 'cli', 'cache', 'b0a7.json'),
    JSON.stringify({
      Credentials: {
        AccessKeyId: 'ASIAEMULATORCACHE001',
        SecretAccessKey: CACHE_SECRETS[3],
        SessionToken: CACHE_SECRETS[4],
        Expiration: '2025-01-01T00:00:00Z',
      },
      ProviderType: 'sso',
    }),
  )
  // `aws login` (AWS CLI 2.32+): console credentials, a refresh token and the DPoP private key.
  writeFile(
    join(sandbox.home, '.aws', 'login', 'cache', 'a1b2.json'),
    JSON.stringify({
      accessToken: {
        accessKeyId: 'ASIAEMULATORLOGIN001',
        secretAccessKey: CACHE_SECRETS[5],
        sessionToken: 'x'.repeat(20),
        accountId: '111111111111',
        expiresAt: future,
      },
      tokenType: 'aws_sigv4',
      refreshToken: CACHE_SECRETS[6],
      clientId: 'arn:aws:signin:::devtools/same-device',
      dpopKey: CACHE_SECRETS[7],
    }),
  )
  const project = join(sandbox.home, 'src', 'infra')
  writeFile(join(project, '.env'), ENV_FILE)
  writeFile(join(project, 'terraform.tfvars'), TFVARS)
  writeFile(join(project, 'main.tf'), 'provider "aws" {\n  region = var.region\n}\n')
  writeFile(join(project, 'node_modules', 'pkg', '.env'), ENV_FILE)
  writeFile(join(project, '.git', 'deploy.sh'), `export ${ENV_FILE.replace('\n', '\nexport ')}`)
  const outside = join(sandbox.home, 'elsewhere')
  writeFile(join(outside, '.env'), ENV_FILE)
  symlinkSync(outside, join(project, 'linked'))
  symlinkSync(join(outside, '.env'), join(project, 'linked.env'))
  return {project}
}

let emulator: EmulatorHandle
let sandbox: Sandbox
let project: string
const outputs: RunResult[] = []

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  ;({project} = buildMachine(sandbox))
})
afterAll(async () => {
  sandbox.cleanup()
  await emulator.close()
})

async function audit(args: string[], env: NodeJS.ProcessEnv = {}, home = sandbox): Promise<RunResult> {
  const result = await runKeyless(['audit', ...args], {
    env: {...home.env, ...emulator.env(), AWS_ACCESS_KEY_ID: USER.id, AWS_SECRET_ACCESS_KEY: USER.secret, ...env},
  })
  outputs.push(result)
  return result
}

interface JsonFinding {
  severity: string
  kind: string
  location: {file: string | null; line: number | null; profile: string | null; variable: string | null}
  accessKeyId: string | null
  account: string | null
  arn: string | null
  principalKind: string | null
  status: string
  expiresAt: string | null
  fix: string
}
const rows = (findings: JsonFinding[]) =>
  findings.map((f) =>
    [
      f.severity,
      f.kind,
      f.location.file ?? f.location.variable,
      f.location.line,
      f.location.profile,
      f.accessKeyId,
      f.account,
      f.status,
    ].join(' '),
  )

const EXPECTED = [
  'critical config-file-key ~/.aws/config 10 legacy AKIA************0003 333333333333 active',
  'critical credentials-file-key ~/.aws/credentials 3 default AKIA************0001 111111111111 active',
  'critical project-file-key ~/src/infra/terraform.tfvars 2  AKIA************0001 111111111111 active',
  'high environment-key AWS_ACCESS_KEY_ID   AKIA************0001 222222222222 active',
  'high credentials-file-key ~/.aws/credentials 12 dev AKIA************0001 222222222222 active',
  'high login-cache ~/.aws/login/cache/a1b2.json   ASIA************N001  valid',
  'high sso-cache ~/.aws/sso/cache/c0ffee.json     valid',
  'high project-file-key ~/src/infra/.env 1  AKIA************0001 222222222222 active',
  'medium credentials-file-key ~/.aws/credentials 7 former AKIA************0001  rejected',
  'medium shadowed-profile ~/.aws/credentials 11 dev   present',
  'info cli-cache ~/.aws/cli/cache/b0a7.json   ASIA************E001  expired',
  'info sso-profile ~/.aws/config 4 dev   present',
  'info keyless-profile ~/.aws/config 14 sandbox.AdministratorAccess   present',
  'info credential-process-profile ~/.aws/config 19 vault   present',
]

describe('keyless audit: the inventory', () => {
  it('finds every kind of credential, identifies each key with STS, ranks them, and exits 3', async () => {
    const before = (await emulator.stats()).operations.GetCallerIdentity
    const result = await audit(['--scan', project, '--json'])
    expect(result.stderr).toMatch(/^keyless: audit found 3 critical and 5 high findings; run: keyless audit --fix\n$/)
    expect(result.code).toBe(3)
    const report = JSON.parse(result.stdout) as {findings: JsonFinding[]; summary: Record<string, number>}
    expect(rows(report.findings)).toEqual(EXPECTED)
    expect(report.summary).toEqual({critical: 3, high: 5, medium: 2, info: 4})
    // The --json shape of PRODUCT.md section 12.
    for (const f of report.findings) {
      expect(Object.keys(f)).toEqual(
        expect.arrayContaining([
          'severity',
          'kind',
          'location',
          'accessKeyId',
          'account',
          'arn',
          'principalKind',
          'status',
          'expiresAt',
          'fix',
        ]),
      )
      expect(Object.keys(f.location).sort()).toEqual(['file', 'line', 'profile', 'variable'])
      expect(f.fix.length).toBeGreaterThan(10)
    }
    expect(report.findings[1]).toMatchObject({arn: 'arn:aws:iam::111111111111:root', principalKind: 'root'})
    expect(report.findings[3]).toMatchObject({arn: 'arn:aws:iam::222222222222:user/terraform-deployer', principalKind: 'iam-user'})
    // node_modules, .git and both symlinks out of the project were skipped: no finding names them.
    expect(result.stdout).not.toMatch(/node_modules|\.git|elsewhere|linked/)
    // One call per distinct key and region, never more.
    // (The aws login cache's credentials are one of them: issue 23.)
    expect((await emulator.stats()).operations.GetCallerIdentity - before).toBeLessThanOrEqual(7)
  })

  it('prints findings grouped by severity, worst first, with where, key, whose and fix, then a summary', async () => {
    const result = await audit(['--scan', project])
    expect(result.code).toBe(3)
    const out = result.stdout
    const order = ['CRITICAL (3)', 'HIGH (5)', 'MEDIUM (2)', 'INFO (4)'].map((h) => out.indexOf(h))
    expect(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!))).toBe(true)
    expect(out).toContain(
      '  root key of account 111111111111\n    where  ~/.aws/credentials line 3, profile [default]\n    key    AKIA************0001  arn:aws:iam::111111111111:root  (active)\n    fix    ',
    )
    expect(out).toContain('long-term key AKIA************0001 that AWS rejects (deleted or inactive)')
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      '14 findings: 3 critical, 5 high, 2 medium, 4 info. Remove what --fix can: keyless audit --fix',
    )
  })

  it('--offline makes no call to STS: every key is listed as unchecked', async () => {
    const before = await emulator.stats()
    const result = await audit(['--offline', '--json'])
    expect(result.code).toBe(3)
    const findings = (JSON.parse(result.stdout) as {findings: JsonFinding[]}).findings
    expect(findings.filter((f) => f.kind.endsWith('-key')).map((f) => f.status)).toEqual(Array(5).fill('unchecked'))
    expect(await emulator.stats()).toEqual(before)
  })

  it('an STS that never answers is a status of each key after the timeout, not a hang or a crash', async () => {
    // Accepts every connection and says nothing: the worst case, worse than a refused connection.
    const sockets = new Set<import('node:net').Socket>()
    const silent = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as {port: number}).port
      const result = await audit(['--json'], {AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`})
      expect(result.code).toBe(3)
      const findings = (JSON.parse(result.stdout) as {findings: JsonFinding[]}).findings
      expect(findings.filter((f) => f.kind.endsWith('-key')).map((f) => [f.status, f.severity])).toEqual(
        Array(5).fill(['unreachable', 'high']),
      )
      expect(sockets.size).toBeGreaterThan(0)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })
})

describe('keyless audit: 50 keys', () => {
  it('identifies them all, concurrently, never more than 8 calls at once', async () => {
    const identities = Array.from({length: 50}, (_, i) => ({
      accessKeyId: `AKIABULK${String(i).padStart(12, '0')}`,
      secretAccessKey: `bulk-secret-${String(i).padStart(28, '0')}`,
      account: '444455556666',
      arn: `arn:aws:iam::444455556666:user/ci-${i}`,
      userId: `AIDABULK${String(i).padStart(13, '0')}`,
    }))
    const bulk = await startEmulator({fixture: {...(await emulator.fixture()), staticIdentities: identities}, latencyMs: 150})
    const home = makeSandbox()
    try {
      writeFile(
        home.credentialsFile,
        identities
          .map((k, i) => `[ci-${i}]\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`)
          .join('\n'),
      )
      const result = await runKeyless(['audit', '--json'], {env: {...home.env, ...bulk.env()}})
      expect(result.code).toBe(3)
      const findings = (JSON.parse(result.stdout) as {findings: JsonFinding[]}).findings
      expect(findings.map((f) => f.status)).toEqual(Array(50).fill('active'))
      expect(new Set(findings.map((f) => f.arn)).size).toBe(50)
      expect((await bulk.stats()).operations.GetCallerIdentity).toBe(50)
      const {peak} = (await bulk.concurrency()).sts
      expect(peak).toBeGreaterThan(1)
      expect(peak).toBeLessThanOrEqual(8)
    } finally {
      home.cleanup()
      await bulk.close()
    }
  })
})

describe('keyless audit: a large organisation (issue 22)', () => {
  // 1,000 accounts' keyless profiles (a sync writes them) and one key: a report of 1,000 findings, ~550 KB of JSON,
  // more than a pipe holds, and exit 3. A program name with a direction control must reach the JSON escaped.
  const config = [
    ...Array.from(
      {length: 1000},
      (_, n) =>
        `[profile acme-${n}.AdministratorAccess]\ncredential_process = "/usr/bin/keyless" credential-process --session acme --account-id ${String(100000000000 + n)} --role-name AdministratorAccess\nregion = us-east-1\nkeyless_session = acme\n`,
    ),
    `[profile legacy]\naws_access_key_id = ${OLD.id}\naws_secret_access_key = ${OLD.secret}\n`,
    '[profile vault]\ncredential_process = /opt/vault\u202etxt.exe export\n',
  ].join('\n')

  /** A sandbox whose config file is the large one above, for `run`; removed after. */
  async function withLargeConfig(run: (home: Sandbox) => Promise<void>): Promise<void> {
    const home = makeSandbox()
    try {
      writeFile(home.configFile, config)
      await run(home)
    } finally {
      home.cleanup()
    }
  }

  it('--json through a pipe, with exit 3: the whole report, byte for byte the JSON every command writes', () =>
    withLargeConfig(async (home) => {
      const result = await runKeyless(['audit', '--json', '--offline'], {env: home.env})
      expect(result.stderr).toBe('keyless: audit found 0 critical and 1 high finding; run: keyless audit --fix\n')
      expect(result.code).toBe(3)
      const report = JSON.parse(result.stdout) as {findings: JsonFinding[]; summary: unknown}
      expect(result.stdout).toBe(terminalSafeJson(report) + '\n')
      expect(report.summary).toEqual({critical: 0, high: 1, medium: 0, info: 1001})
      expect(rows(report.findings.slice(0, 2))).toEqual([
        'high config-file-key ~/.aws/config 5002 legacy AKIA************0001  unchecked',
        'info keyless-profile ~/.aws/config 1 acme-0.AdministratorAccess   present',
      ])
      expect(report.findings.filter((f) => f.kind === 'keyless-profile')).toHaveLength(1000)
      expect(report.findings.at(-1)!.location.profile).toBe('vault')
      expect(result.stdout).toContain('"title": "credential_process profile [vault] runs /opt/vault\\u202etxt.exe",')
      expect(result.stdout).not.toContain('\u202e')
    }))

  // The report goes to stdout's descriptor with writeSync where stdout is a pipe, a socket or a file (json-out.ts).
  // What the reader sees must not depend on how fast it reads or where the bytes go; nor must the exit code.
  /** Runs `keyless audit --json --offline` in bash as `keyless ... | READER` (a real pipe), READER's output returned. */
  const piped = (home: Sandbox, reader: string) =>
    runProcess('bash', ['-c', `"$0" "$1" audit --json --offline | ${reader}; exit \${PIPESTATUS[0]}`, process.execPath, KEYLESS_BIN], {
      env: home.env,
    })
  const expectWhole = (result: RunResult) => {
    expect(result.stderr).toBe('keyless: audit found 0 critical and 1 high finding; run: keyless audit --fix\n')
    expect(result.code).toBe(3)
    expect(result.stdout).toBe(terminalSafeJson(JSON.parse(result.stdout)) + '\n')
    expect((JSON.parse(result.stdout) as {findings: unknown[]}).findings).toHaveLength(1002)
  }

  it('--json into a pipe whose reader waits, then reads: the whole report, exit 3', () =>
    withLargeConfig(async (home) => {
      // The reader starts after the 550 KB report has filled the 64 KB pipe: the writer waits for it.
      expectWhole(await piped(home, '{ sleep 0.5; cat; }'))
    }))

  it('--json into a socket (how Node.js spawns) not read for a while: the whole report, exit 3', () =>
    withLargeConfig(async (home) => {
      // Node.js makes a child's stdout socket non-blocking: once it is full, writes fail with EAGAIN until read.
      const result = await runKeyless(['audit', '--json', '--offline'], {
        env: home.env,
        onSpawn: (child) => {
          child.stdout!.pause()
          setTimeout(() => child.stdout!.resume(), 500)
        },
      })
      expectWhole(result)
    }))

  it('--json into a file: the same bytes as through a pipe', () =>
    withLargeConfig(async (home) => {
      const file = join(home.home, 'audit.json')
      const result = await runProcess('bash', ['-c', '"$0" "$1" audit --json --offline > "$2"', process.execPath, KEYLESS_BIN, file], {
        env: home.env,
      })
      expectWhole({...result, stdout: readFileSync(file, 'utf8')})
      expect(readFileSync(file, 'utf8')).toBe((await piped(home, 'cat')).stdout)
    }))

  it('--json into `head -c 100`, which closes the pipe: its first 100 bytes, no error, exit 3', () =>
    withLargeConfig(async (home) => {
      const whole = (await piped(home, 'cat')).stdout
      const result = await piped(home, 'head -c 100')
      expect(result.stdout).toBe(whole.slice(0, 100))
      expect(result.stderr).toBe('keyless: audit found 0 critical and 1 high finding; run: keyless audit --fix\n')
      expect(result.code).toBe(3)
    }))

  it('on a terminal the keyless profiles are one line', () =>
    withLargeConfig(async (home) => {
      const result = await runKeyless(['audit', '--offline'], {env: home.env})
      expect(result.code).toBe(3)
      expect(result.stdout).toContain(
        '\n  1000 keyless profiles: acme-0.AdministratorAccess, acme-1.AdministratorAccess, acme-2.AdministratorAccess, acme-3.Admini...  (~/.aws/config)\n',
      )
      expect(result.stdout).not.toContain('keyless profile [acme-')
    }))
})

describe('keyless audit --fix --yes', () => {
  it('removes every key from the AWS files (every other byte kept), deletes the caches, prints the deactivation steps', async () => {
    const home = makeSandbox()
    try {
      buildMachine(home)
      chmodSync(home.credentialsFile, 0o644)
      const result = await audit(['--fix', '--yes'], {}, home)
      expect(readFileSync(home.credentialsFile, 'utf8')).toBe('# keys from 2019\n[former]\nregion = eu-west-1\n')
      expect(readFileSync(home.configFile, 'utf8')).toBe(
        CONFIG.replace(`aws_access_key_id = ${ROOT3.id}\naws_secret_access_key = ${ROOT3.secret}\n`, ''),
      )
      expect(readFileSync(`${home.credentialsFile}.keyless.bak`, 'utf8')).toBe(CREDENTIALS)
      expect(readFileSync(`${home.configFile}.keyless.bak`, 'utf8')).toBe(CONFIG)
      expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600)
      expect(statSync(`${home.credentialsFile}.keyless.bak`).mode & 0o777).toBe(0o600)
      expect(existsSync(join(home.home, '.aws', 'sso', 'cache', 'c0ffee.json'))).toBe(false)
      expect(existsSync(join(home.home, '.aws', 'cli', 'cache', 'b0a7.json'))).toBe(false)
      expect(existsSync(join(home.home, '.aws', 'login', 'cache', 'a1b2.json'))).toBe(false)
      expect(result.stdout).toContain(`root key ${ROOT.id} of account 111111111111: sign in as the root user`)
      expect(result.stdout).toContain(`root key ${ROOT3.id} of account 333333333333: sign in as the root user`)
      expect(result.stdout).toContain(
        `  aws iam update-access-key --status Inactive --access-key-id ${USER.id} --user-name terraform-deployer\n`,
      )
      expect(result.stdout).not.toContain(`--access-key-id ${OLD.id}`) // rejected already: nothing to deactivate
      // What is left: the key in this shell's environment, which no file edit removes.
      const left = result.stdout.slice(result.stdout.indexOf('What is left:'))
      expect(left).toContain('HIGH (1)')
      expect(left).toMatch(/where {2}environment, AWS_ACCESS_KEY_ID/)
      expect(result.code).toBe(3)

      const again = await audit(['--json'], {AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: ''}, home)
      expect(again.code).toBe(0)
      const findings = (JSON.parse(again.stdout) as {findings: JsonFinding[]}).findings
      expect(findings.map((f) => f.kind)).toEqual([
        'sso-profile',
        'keyless-profile',
        'credential-process-profile',
        'keyless-backup',
        'keyless-backup',
      ])
    } finally {
      home.cleanup()
    }
  })

  it('refuses --fix without a terminal and without --yes (exit 2), and --yes without --fix; nothing changes', async () => {
    const refused = await audit(['--fix'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(
      'keyless: --fix asks before removing anything, and there is no terminal to ask on; run it in a terminal, or add --yes to remove every key and cache keyless can (no profile conversion)\n',
    )
    expect((await audit(['--yes'])).code).toBe(2)
    expect((await audit(['--scan', join(sandbox.home, 'nope')])).stderr).toBe(
      `keyless: --scan ${join(sandbox.home, 'nope')} is not a directory; pass a directory to scan, e.g. --scan ~/src\n`,
    )
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe(CREDENTIALS)
  })
})

describe('keyless audit: bad input', () => {
  it('a credentials file of binary garbage: one finding naming the line, keys still found, nothing changed', async () => {
    const home = makeSandbox()
    try {
      const garbage = Buffer.concat([
        Buffer.from(`[default]\naws_access_key_id = ${USER.id}\naws_secret_access_key = ${USER.secret}\n`),
        Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]),
      ])
      mkdirSync(join(home.home, '.aws'), {recursive: true})
      writeFileSync(home.credentialsFile, garbage, {mode: 0o600})
      writeFile(join(home.home, '.aws', 'sso', 'cache', 'broken.json'), '{"accessToken": "trunc')
      const result = await audit(['--json', '--fix', '--yes'], {AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: ''}, home)
      const report = JSON.parse(result.stdout) as {findings: JsonFinding[]}
      expect(rows(report.findings)).toEqual([
        'high credentials-file-key ~/.aws/credentials 2  AKIA************0001 222222222222 active',
        'medium unreadable ~/.aws/credentials 4    present',
        'info unreadable ~/.aws/sso/cache/broken.json     present',
      ])
      expect(result.code).toBe(3)
      expect(readFileSync(home.credentialsFile)).toEqual(garbage)
      expect(existsSync(join(home.home, '.aws', 'sso', 'cache', 'broken.json'))).toBe(true)
    } finally {
      home.cleanup()
    }
  })

  it('a huge file under --scan is read only in part; an unreadable directory is one finding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-scan-'))
    try {
      writeFileSync(
        join(dir, 'dump.sh'),
        'x'.repeat(3 * 1024 * 1024) + `\nexport AWS_ACCESS_KEY_ID=${ROOT.id}\nexport AWS_SECRET_ACCESS_KEY=${ROOT.secret}\n`,
      )
      mkdirSync(join(dir, 'locked'))
      writeFile(join(dir, 'locked', '.env'), ENV_FILE)
      chmodSync(join(dir, 'locked'), 0)
      const home = makeSandbox()
      const result = await audit(['--json', '--scan', dir], {AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: ''}, home)
      home.cleanup()
      chmodSync(join(dir, 'locked'), 0o700)
      const findings = (JSON.parse(result.stdout) as {findings: JsonFinding[]}).findings
      const root = process.getuid?.() === 0 // root reads a mode-000 directory anyway
      expect(findings.map((f) => [f.kind, f.status, f.location.file?.replace(dir, 'DIR')])).toEqual([
        ...(root ? [['project-file-key', 'active', 'DIR/locked/.env']] : []),
        ['unreadable', 'truncated', 'DIR/dump.sh'],
        ...(root ? [] : [['unreadable', 'present', 'DIR/locked']]),
      ])
      expect(result.code).toBe(root ? 3 : 0)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('keyless audit: secrets never leak', () => {
  it('no secret of the fixture in any output (terminal, --json, --debug) or any new file', async () => {
    // The terminal and --json outputs of the tests above are scanned too (`outputs`); here the --debug ones.
    await audit(['--scan', project, '--json', '--debug'])
    const home = makeSandbox()
    try {
      buildMachine(home)
      await audit(['--fix', '--yes', '--debug'], {}, home)
      const leaks = findLeaks(FIXTURE_SECRETS, [
        // The backups are the user's own files as they were (0600): they hold the keys by design, and --fix says so.
        ...allFiles(home.home).filter(
          (f) => !f.path.endsWith('.keyless.bak') && !f.path.includes('/src/') && !f.path.includes('/elsewhere/'),
        ),
        ...outputs.flatMap((o, i) => [
          {path: `stdout#${i}`, text: o.stdout},
          {path: `stderr#${i}`, text: o.stderr},
        ]),
      ])
      expect(leaks).toEqual([])
      expect(outputs.length).toBeGreaterThanOrEqual(2)
    } finally {
      home.cleanup()
    }
  })
})

/** `keyless audit --fix` in a real pseudo-terminal (`script`), as a person at a shell runs it, answering each prompt. */
async function auditInTerminal(
  env: NodeJS.ProcessEnv,
  answers: Array<[RegExp, string] | [RegExp, string, () => void]>,
  extra: string[] = [],
): Promise<{code: number | null; all: string}> {
  // The pty gets a size, as a terminal has: `script` without one leaves it 0x0, and on Node.js 24 the prompt
  // library then redraws for ever (an endless erase-line loop; Node.js 20 reports no width and it falls back to 80).
  const command = `stty cols 100 rows 40; ${process.execPath} ${KEYLESS_BIN} audit --fix ${extra.join(' ')}`
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: {...env, TERM: 'xterm'},
  })
  let screen = ''
  let all = ''
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString()
    all += d.toString()
    const next = answers[0]
    if (next && next[0].test(screen)) {
      answers.shift()
      screen = ''
      next[2]?.() // what happens while the person reads the question
      setTimeout(() => child.stdin.write(next[1]), 200)
    }
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  expect(answers).toEqual([])
  return {code, all}
}

describe('keyless audit --fix in a terminal', () => {
  const signedIn = useSignedInEmulator()

  it('Ctrl-C at the question exits 130 and changes nothing', async () => {
    // A machine with no keyless session (so no keychain is touched) and --offline (no STS): only the question.
    const home = makeSandbox()
    try {
      const credentials = `[default]\naws_access_key_id = ${ROOT.id}\naws_secret_access_key = ${ROOT.secret}\n`
      writeFile(home.credentialsFile, credentials)
      writeFile(home.configFile, '[default]\nregion = us-east-1\n')
      const cancelled = await auditInTerminal(home.env, [[/Remove the key/, '\u0003']], ['--offline'])
      expect(cancelled.code).toBe(130)
      expect(cancelled.all).toContain('nothing was changed')
      expect(readFileSync(home.credentialsFile, 'utf8')).toBe(credentials)
      expect(readFileSync(home.configFile, 'utf8')).toBe('[default]\nregion = us-east-1\n')
      expect(existsSync(`${home.credentialsFile}.keyless.bak`)).toBe(false)
    } finally {
      home.cleanup()
    }
  })

  it('removes exactly the key the user reviewed: one written into the profile meanwhile is left, and said so (issue 20, item 6)', async () => {
    const home = makeSandbox()
    try {
      writeFile(home.credentialsFile, `[default]\naws_access_key_id = ${ROOT.id}\naws_secret_access_key = ${ROOT.secret}\n`)
      writeFile(home.configFile, '[default]\nregion = us-east-1\n')
      // Between the question and the answer, another key lands in the same profile (a script, another tool).
      const swapped = `[default]\naws_access_key_id = ${USER.id}\naws_secret_access_key = ${USER.secret}\n`
      const {code, all} = await auditInTerminal(
        home.env,
        [[/Remove the key/, '\r', () => writeFile(home.credentialsFile, swapped)]],
        ['--offline'],
      )
      expect(all).toContain(
        'keyless: the key of profile [default] in ~/.aws/credentials is not the one reviewed (it is now AKIA************0001); it was left as it is; to review it, run: keyless audit --fix',
      )
      expect(readFileSync(home.credentialsFile, 'utf8')).toBe(swapped)
      expect(existsSync(`${home.credentialsFile}.keyless.bak`)).toBe(false)
      expect(code).not.toBe(0)
    } finally {
      home.cleanup()
    }
  })

  it('turns a profile that held a root key into a keyless profile for a role of that account; the AWS CLI works through it', async () => {
    const {sandbox: home, env, emulator: sso} = signedIn
    const credentials = `[sandbox-admin]\naws_access_key_id = ${ROOT.id}\naws_secret_access_key = ${ROOT.secret}\n`
    writeFile(home.credentialsFile, credentials)
    const configBefore = readFileSync(home.configFile, 'utf8')
    const offer = /Turn \[sandbox-admin\] into a keyless profile for sandbox\/AdministratorAccess/
    // Down once (from "Remove the key" to the first role), Enter.
    const {code, all} = await auditInTerminal(env, [[offer, '\u001b[B\r']])
    expect(all).toContain('Profile [sandbox-admin] now uses keyless: sandbox/AdministratorAccess (111111111111) of session acme.')
    expect(all).toContain('What is left:')
    expect(code).toBe(0)
    expect(readFileSync(home.credentialsFile, 'utf8')).toBe('')
    expect(readFileSync(`${home.credentialsFile}.keyless.bak`, 'utf8')).toBe(credentials)
    expect(readFileSync(home.configFile, 'utf8')).toBe(
      `${configBefore}\n[profile sandbox-admin]\ncredential_process = "${KEYLESS_BIN}" credential-process --session acme --account-id=111111111111 --role-name=AdministratorAccess\nregion = us-east-1\nkeyless_session = acme\n`,
    )
    const aws = await runProcess(
      '/usr/bin/aws',
      ['sts', 'get-caller-identity', '--profile', 'sandbox-admin', '--endpoint-url', sso.url, '--output', 'json'],
      {env},
    )
    expect(aws.stderr).toBe('')
    expect(JSON.parse(aws.stdout).Arn).toMatch(
      /^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/demo\.user$/,
    )
  })
})
