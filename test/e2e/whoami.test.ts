import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {KEYLESS_BIN, ROOT, runKeyless, runProcess, type RunResult} from '../helpers/cli.js'
import {signInWithSdk, startEmulator, type EmulatorHandle, type SignedIn} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// `keyless whoami` end to end: the built CLI, the real AWS SDK credential chain, STS GetCallerIdentity on the
// emulator (SigV4 checked), and the emulator's fixture identities.
const ROOT_KEY = {id: 'AKIAEMULATORROOT0001', secret: 'emulator-root-secret-0000000000000000000'}
const USER_KEY = {id: 'AKIAEMULATORUSER0001', secret: 'emulator-user-secret-0000000000000000000'}
const SSO_ARN = /^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/demo\.user$/

let emulator: EmulatorHandle
let signedIn: SignedIn
let sandbox: Sandbox
const outputs: RunResult[] = []

interface RoleCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: number
}

/** Fresh SSO role credentials (ASIA...) from the emulator's GetRoleCredentials, through the real SDK client. */
async function roleCredentials(accountId = '111111111111', roleName = 'AdministratorAccess'): Promise<RoleCredentials> {
  const {SSOClient, GetRoleCredentialsCommand} = await import('@aws-sdk/client-sso')
  const sso = new SSOClient({region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1})
  try {
    const {roleCredentials: c} = await sso.send(new GetRoleCredentialsCommand({accessToken: signedIn.accessToken, accountId, roleName}))
    return {accessKeyId: c!.accessKeyId!, secretAccessKey: c!.secretAccessKey!, sessionToken: c!.sessionToken!, expiration: c!.expiration!}
  } finally {
    sso.destroy()
  }
}

/** A keyless-style profile: credential_process, no sso_* keys. The "process" prints role credentials from a file. */
function writeProcessProfile(name: string, credentials: RoleCredentials, extra = ''): string {
  const file = join(sandbox.home, `${name}.json`)
  writeFile(
    file,
    JSON.stringify({
      Version: 1,
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: new Date(credentials.expiration).toISOString(),
    }),
  )
  return `[profile ${name}]\ncredential_process = cat ${file}\nregion = us-east-1\nkeyless_session = demo\n${extra}`
}

async function whoami(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const result = await runKeyless(['whoami', ...args], {env: {...sandbox.env, ...emulator.env(), ...env}})
  outputs.push(result)
  return result
}
/** The same command through oclif (bin/run.js takes a fast path without it; oclif serves --help). */
async function whoamiThroughOclif(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const script =
    `const {execute} = (await import('node:module')).createRequire(${JSON.stringify(ROOT + '/')})('@oclif/core');` +
    `await execute({dir: ${JSON.stringify(ROOT)}, args: ${JSON.stringify(['whoami', ...args])}})`
  const result = await runProcess(process.execPath, ['--input-type=module', '-e', script], {
    env: {...sandbox.env, ...emulator.env(), ...env},
  })
  outputs.push(result)
  return result
}
const json = (result: RunResult) =>
  JSON.parse(result.stdout) as Record<string, unknown> & {warnings: Array<{code: string; message: string}>}
const codes = (result: RunResult) => json(result).warnings.map((warning) => warning.code)
const envKeys = (key: {id: string; secret: string}) => ({AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret})

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  signedIn = await signInWithSdk(emulator)
})
afterAll(async () => {
  // No secret of any kind, and no unmasked access key id, in anything whoami printed.
  const printed = outputs.map((o) => o.stdout + o.stderr).join('\n')
  const secrets = [...(await emulator.issued()), ROOT_KEY.secret, USER_KEY.secret, ROOT_KEY.id, USER_KEY.id]
  expect(secrets.filter((secret) => printed.includes(secret))).toEqual([])
  await emulator.close()
})
beforeEach(() => {
  sandbox = makeSandbox()
})
afterEach(() => sandbox.cleanup())

describe('who the credentials belong to', () => {
  it('root key from the environment: loud warnings, exit 0 without --strict, one GetCallerIdentity', async () => {
    const before = (await emulator.stats()).operations.GetCallerIdentity
    const result = await whoami([], envKeys(ROOT_KEY))
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(
      [
        'account     111111111111',
        'arn         arn:aws:iam::111111111111:root',
        'user id     111111111111',
        'principal   root',
        'access key  AKIA************0001 (long-term)',
        'source      environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
        '',
      ].join('\n'),
    )
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^keyless: DANGER: you are the account root of 111111111111: /)
    expect(lines[1]).toMatch(
      /^keyless: warning: AKIA\*{12}0001 is a long-term access key that never expires \(from environment variable AWS_ACCESS_KEY_ID\)/,
    )
    expect(lines[1]).toMatch(/keyless audit finds every other long-term key on this machine$/)
    expect(result.stderr).not.toContain('\u001b[') // not a terminal: no colour
    expect((await emulator.stats()).operations.GetCallerIdentity - before).toBe(1)
  })

  it('root key with --strict: exit 3, the identity still on stdout, the reason on stderr', async () => {
    const result = await whoami(['--strict'], envKeys(ROOT_KEY))
    expect(result.code).toBe(3)
    expect(result.stdout).toContain('principal   root')
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^keyless: refusing: these are the account root's credentials for 111111111111 \(--strict\); use an IAM Identity Center role/,
    )
  })

  it('IAM user key from the environment, --json: the contract shape', async () => {
    const result = await whoami(['--json'], envKeys(USER_KEY))
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(json(result)).toEqual({
      account: '222222222222',
      arn: 'arn:aws:iam::222222222222:user/terraform-deployer',
      userId: 'AIDAEMULATORUSER00001',
      principalKind: 'iam-user',
      keyKind: 'long-term',
      accessKeyId: 'AKIA************0001',
      source: 'environment',
      sourceDetail: 'environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
      profile: null,
      principalName: 'terraform-deployer',
      warnings: [{code: 'long-term-key', message: expect.stringContaining('(from environment variable AWS_ACCESS_KEY_ID)')}],
    })
  })

  it('IAM user key with --json --strict: the JSON on stdout and exit 3', async () => {
    const result = await whoami(['--json', '--strict'], envKeys(USER_KEY))
    expect(result.code).toBe(3)
    expect(json(result)).toMatchObject({principalKind: 'iam-user', keyKind: 'long-term'})
    expect(result.stderr.trim()).toMatch(
      /^keyless: refusing: AKIA\*{12}0001 is a long-term access key from environment variables .* \(--strict\); use short-lived credentials/,
    )
  })

  it('IAM user key from the credentials file names the file and profile', async () => {
    writeFile(sandbox.credentialsFile, `[default]\naws_access_key_id = ${USER_KEY.id}\naws_secret_access_key = ${USER_KEY.secret}\n`)
    const result = await whoami(['--json'])
    expect(result.code).toBe(0)
    const identity = json(result)
    expect(identity).toMatchObject({principalKind: 'iam-user', keyKind: 'long-term', source: 'credentials-file', profile: 'default'})
    expect(identity.sourceDetail).toBe(`credentials file ${sandbox.credentialsFile}, profile [default]`)
    expect(identity.warnings).toEqual([
      {code: 'long-term-key', message: expect.stringContaining(`(from credentials file ${sandbox.credentialsFile}, profile [default])`)},
    ])
  })

  it('SSO role through a keyless (credential_process) profile: temporary, time left, no warnings, --strict passes', async () => {
    const credentials = await roleCredentials()
    writeFile(sandbox.configFile, writeProcessProfile('sandbox.AdministratorAccess', credentials))
    const env = {AWS_PROFILE: 'sandbox.AdministratorAccess'}
    const result = await whoami(['--json', '--strict'], env)
    expect(result.code).toBe(0)
    const identity = json(result)
    expect(identity).toMatchObject({
      account: '111111111111',
      principalKind: 'sso-role',
      keyKind: 'temporary',
      source: 'credential-process',
      profile: 'sandbox.AdministratorAccess',
      sourceDetail: `credential_process of profile [sandbox.AdministratorAccess] in ${sandbox.configFile}`,
      expiresAt: new Date(credentials.expiration).toISOString(),
      principalName: 'AdministratorAccess',
      sessionName: 'demo.user',
      warnings: [],
    })
    expect(identity.arn).toMatch(SSO_ARN)
    expect(identity.accessKeyId).toMatch(/^ASIA\*+[A-Z0-9]{4}$/)

    const human = await whoami([], env)
    expect(human.code).toBe(0)
    expect(human.stderr).toBe('')
    expect(human.stdout).toMatch(/^principal {3}sso-role \(permission set AdministratorAccess as demo\.user\)$/m)
    expect(human.stdout).toMatch(/^expires {5}(59m|1h 00m) left \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\)$/m)
  })

  it('SSO role through the real `keyless credential-process` after `keyless login`; after logout relays its not-signed-in line', async () => {
    const keylessCommand = `"${process.execPath}" "${KEYLESS_BIN}" credential-process --session demo --account-id 111111111111 --role-name AdministratorAccess`
    writeFile(
      sandbox.configFile,
      '[sso-session demo]\nsso_start_url = https://keyless-demo.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n' +
        `[profile sandbox.AdministratorAccess]\ncredential_process = ${keylessCommand}\nregion = us-east-1\nkeyless_session = demo\n`,
    )
    const env = {...sandbox.env, ...emulator.env()}
    try {
      const login = await runKeyless(['login', '--no-browser'], {env})
      expect(login.code).toBe(0)
      const result = await whoami(['--json', '--strict', '--expect-account', '111111111111'], {AWS_PROFILE: 'sandbox.AdministratorAccess'})
      expect(result.code).toBe(0)
      expect(json(result)).toMatchObject({principalKind: 'sso-role', keyKind: 'temporary', source: 'credential-process', warnings: []})
      expect(json(result).arn).toMatch(SSO_ARN)
    } finally {
      expect((await runKeyless(['logout', '--all'], {env})).code).toBe(0)
    }
    const after = await whoami([], {AWS_PROFILE: 'sandbox.AdministratorAccess'})
    expect(after.code).toBe(1)
    expect(after.stderr.trim()).toBe(
      'keyless: credential_process of profile [sandbox.AdministratorAccess] failed: SSO session "demo" is not signed in; run: keyless login --session demo',
    )
  })

  it('--profile picks the profile, as in the AWS CLI', async () => {
    writeFile(sandbox.configFile, writeProcessProfile('sandbox.AdministratorAccess', await roleCredentials()))
    const result = await whoami(['--profile', 'sandbox.AdministratorAccess', '--json', '--debug'])
    expect(json(result)).toMatchObject({principalKind: 'sso-role', profile: 'sandbox.AdministratorAccess', warnings: []})
    expect(result.stderr).toContain('keyless:whoami credentials resolved') // --debug output, scanned for leaks in afterAll
  })

  it('an SSO profile (sso_session keys) resolved by the SDK from the AWS CLI token cache', async () => {
    writeFile(
      sandbox.configFile,
      '[sso-session demo]\nsso_start_url = https://keyless-demo.awsapps.com/start\nsso_region = us-east-1\n' +
        '[profile staging.PowerUserAccess]\nsso_session = demo\nsso_account_id = 222222222222\nsso_role_name = PowerUserAccess\nregion = us-east-1\n',
    )
    const cacheFile = join(sandbox.home, '.aws', 'sso', 'cache', createHash('sha1').update('demo').digest('hex') + '.json')
    writeFile(
      cacheFile,
      JSON.stringify({
        startUrl: 'https://keyless-demo.awsapps.com/start',
        region: 'us-east-1',
        accessToken: signedIn.accessToken,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    )
    const result = await whoami(['--profile', 'staging.PowerUserAccess', '--json'])
    expect(result.stderr).toBe('')
    expect(json(result)).toMatchObject({
      account: '222222222222',
      principalKind: 'sso-role',
      keyKind: 'temporary',
      source: 'sso',
      sourceDetail: 'SSO profile [staging.PowerUserAccess] (sso-session demo)',
    })
  })
})

describe('warnings', () => {
  it('AWS_ACCESS_KEY_ID in the environment overrides AWS_PROFILE: whoami shows the key, as the AWS CLI uses it', async () => {
    writeFile(sandbox.configFile, writeProcessProfile('sandbox.AdministratorAccess', await roleCredentials()))
    const result = await whoami(['--json'], {AWS_PROFILE: 'sandbox.AdministratorAccess', ...envKeys(USER_KEY)})
    expect(result.code).toBe(0)
    expect(json(result)).toMatchObject({principalKind: 'iam-user', source: 'environment'})
    expect(codes(result)).toEqual(['long-term-key', 'env-overrides-profile'])
    expect(json(result).warnings[1]!.message).toMatch(
      /^AWS_ACCESS_KEY_ID in the environment overrides AWS_PROFILE=sandbox\.AdministratorAccess: /,
    )
    // The SDK's own multi-line warning about it never reaches the user.
    expect(result.stderr).toBe('')

    const human = await whoami(['--strict'], {AWS_PROFILE: 'sandbox.AdministratorAccess', ...envKeys(USER_KEY)})
    expect(human.code).toBe(3)
    expect(human.stderr).toContain(
      'keyless: warning: AWS_ACCESS_KEY_ID in the environment overrides AWS_PROFILE=sandbox.AdministratorAccess',
    )
  })

  it('with --profile the profile wins over environment keys, and there is nothing to warn about', async () => {
    writeFile(sandbox.configFile, writeProcessProfile('sandbox.AdministratorAccess', await roleCredentials()))
    const result = await whoami(['--json', '--profile', 'sandbox.AdministratorAccess'], envKeys(USER_KEY))
    expect(json(result)).toMatchObject({principalKind: 'sso-role', warnings: []})
    expect(result.stderr).toBe('') // not even the SDK's own "multiple credential sources" notice
  })

  it('a credentials-file profile shadowing the config profile of the same name', async () => {
    writeFile(sandbox.configFile, writeProcessProfile('sandbox.AdministratorAccess', await roleCredentials()))
    writeFile(
      sandbox.credentialsFile,
      `[sandbox.AdministratorAccess]\naws_access_key_id = ${USER_KEY.id}\naws_secret_access_key = ${USER_KEY.secret}\n`,
    )
    const result = await whoami(['--json'], {AWS_PROFILE: 'sandbox.AdministratorAccess'})
    expect(json(result)).toMatchObject({principalKind: 'iam-user', source: 'credentials-file'})
    expect(codes(result)).toEqual(['long-term-key', 'credentials-file-shadows-profile'])
    expect(json(result).warnings[1]!.message).toContain(
      `profile [sandbox.AdministratorAccess] in the credentials file ${sandbox.credentialsFile} shadows profile [sandbox.AdministratorAccess] of ${sandbox.configFile}`,
    )
  })

  it('sso_* keys shadowing credential_process', async () => {
    const profile = writeProcessProfile(
      'sandbox.AdministratorAccess',
      await roleCredentials(),
      'sso_session = demo\nsso_account_id = 111111111111\nsso_role_name = AdministratorAccess\n',
    )
    writeFile(
      sandbox.configFile,
      '[sso-session demo]\nsso_start_url = https://keyless-demo.awsapps.com/start\nsso_region = us-east-1\n' + profile,
    )
    // The AWS CLI's login for the sso_* keys, which win (test/interop/whoami-awscli-order.test.ts: without it, whoami fails as the CLI does).
    const cacheFile = join(sandbox.home, '.aws', 'sso', 'cache', createHash('sha1').update('demo').digest('hex') + '.json')
    writeFile(
      cacheFile,
      JSON.stringify({
        startUrl: 'https://keyless-demo.awsapps.com/start',
        region: 'us-east-1',
        accessToken: signedIn.accessToken,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    )
    const result = await whoami([], {AWS_PROFILE: 'sandbox.AdministratorAccess'})
    expect(result.code).toBe(0)
    expect(result.stderr.trim()).toMatch(
      /^keyless: warning: profile \[sandbox\.AdministratorAccess\] has sso_\* keys next to its credential_process: the AWS CLI, boto3 and Terraform use SSO/,
    )
  })
})

describe('a config file of 3,000 profiles (issue 22)', () => {
  /**
   * Notes how keyless's own code reads $TRACE_CONFIG_FILE: `whole` for a read of the whole file in one call, `read N` for
   * each read of N bytes through a descriptor it opened (the AWS SDK's reads, from node_modules, are its business).
   */
  const READ_TRACE = `const fs = require('node:fs')
const {appendFileSync} = fs
const own = () => !(new Error().stack.split('\\n')[3] || '').includes('/node_modules/')
const note = (what) => appendFileSync(process.env.TRACE_OUT, what + '\\n')
const watched = (path) => String(path) === process.env.TRACE_CONFIG_FILE
const fds = new Set()
for (const [obj, name] of [[fs, 'readFileSync'], [fs, 'readFile'], [fs.promises, 'readFile']]) {
  const original = obj[name]
  obj[name] = function (path, ...rest) {
    if (watched(path) && own()) note('whole')
    return original.call(this, path, ...rest)
  }
}
const {openSync, readSync, closeSync} = fs
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest)
  if (watched(path) && own()) fds.add(fd)
  return fd
}
fs.readSync = function (fd, buffer, offset, length, ...rest) {
  if (fds.has(fd)) note('read ' + length)
  return readSync.call(this, fd, buffer, offset, length, ...rest)
}
fs.closeSync = function (fd) {
  fds.delete(fd)
  return closeSync.call(this, fd)
}
for (const name of ['open', 'opendir']) {
  const original = fs.promises[name]
  fs.promises[name] = function (path, ...rest) {
    if (watched(path) && own()) note('open ' + name)
    return original.call(this, path, ...rest)
  }
}
`

  /** whoami with the trace: its result, and how its own code read the config file. */
  async function tracedWhoami(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult & {reads: string[]}> {
    const preload = join(sandbox.home, 'read-trace.cjs')
    const out = join(sandbox.home, 'reads.txt')
    writeFile(preload, READ_TRACE)
    writeFile(out, '')
    const result = await runProcess(process.execPath, ['--require', preload, KEYLESS_BIN, 'whoami', ...args], {
      env: {...sandbox.env, ...emulator.env(), TRACE_CONFIG_FILE: sandbox.configFile, TRACE_OUT: out, ...env},
    })
    outputs.push(result)
    return {...result, reads: readFileSync(out, 'utf8').split('\n').filter(Boolean)}
  }

  /** Reads through a small buffer, and nothing else: never the whole file in one piece. */
  const inSmallReads = (reads: string[]) =>
    reads.length > 0 && reads.every((read) => /^read \d+$/.test(read) && Number(read.slice(5)) <= 64 * 1024)

  it('whoami reads the file through a 64 KB buffer, never whole, unless it lists every profile', async () => {
    const profiles = Array.from(
      {length: 3000},
      (_, n) =>
        `[profile acct-${n}.Admin]\ncredential_process = keyless credential-process --session demo --account-id ` +
        `${100000000000 + n} --role-name Admin\nregion = eu-west-1\nkeyless_session = demo\n\n`,
    )
    const sandboxProfile = writeProcessProfile('sandbox.AdministratorAccess', await roleCredentials())
    writeFile(
      sandbox.configFile,
      '[sso-session demo]\nsso_start_url = https://keyless-demo.awsapps.com/start\nsso_region = us-east-1\n\n' +
        profiles.slice(0, 1500).join('') +
        sandboxProfile +
        '\n' +
        profiles.slice(1500).join(''),
    )

    const fromEnvironment = await tracedWhoami(['--json'], envKeys(USER_KEY))
    expect(fromEnvironment.code, fromEnvironment.stderr).toBe(0)
    expect(json(fromEnvironment)).toMatchObject({principalKind: 'iam-user', source: 'environment'})
    expect(inSmallReads(fromEnvironment.reads), fromEnvironment.reads.join(', ')).toBe(true)

    // The profile in use, 1,500 profiles down, is read from the same pass (and named in the source).
    const fromProfile = await tracedWhoami(['--json', '--profile', 'sandbox.AdministratorAccess'])
    expect(fromProfile.code, fromProfile.stderr).toBe(0)
    expect(json(fromProfile)).toMatchObject({
      principalKind: 'sso-role',
      source: 'credential-process',
      sourceDetail: `credential_process of profile [sandbox.AdministratorAccess] in ${sandbox.configFile}`,
      warnings: [],
    })
    expect(inSmallReads(fromProfile.reads), fromProfile.reads.join(', ')).toBe(true)

    // A profile that is not there: the error lists every one, so that takes the whole file.
    const missing = await tracedWhoami(['--profile', 'nope'])
    expect(missing.code).toBe(1)
    const names = /use one of: (.*)$/.exec(missing.stderr.trim())?.[1]?.split(', ')
    expect(names).toHaveLength(3001)
    expect(names).toContain('sandbox.AdministratorAccess')
    expect(missing.reads).toContain('whole')
  })
})

describe('--expect-account', () => {
  it('passes on a match (any of several), exits 4 on a mismatch with the JSON still printed', async () => {
    const env = envKeys(USER_KEY)
    expect((await whoami(['--expect-account', '222222222222'], env)).code).toBe(0)
    expect((await whoami(['--expect-account', '111111111111', '--expect-account', '222222222222'], env)).code).toBe(0)
    const wrong = await whoami(['--expect-account', '111111111111', '--json'], env)
    expect(wrong.code).toBe(4)
    expect(json(wrong).account).toBe('222222222222')
    expect(wrong.stderr.trim()).toBe(
      'keyless: these credentials are for account 222222222222, not 111111111111 (--expect-account); switch credentials (export AWS_PROFILE=<profile for that account>, or pass --profile)',
    )
  })
  it('rejects something that is not an account id as a usage error, before calling STS', async () => {
    const before = (await emulator.stats()).operations.GetCallerIdentity
    const result = await whoami(['--expect-account', 'sandbox'], envKeys(USER_KEY))
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toMatch(/^keyless: --expect-account "sandbox" is not a 12-digit AWS account id; /)
    expect((await emulator.stats()).operations.GetCallerIdentity).toBe(before)
  })
})

describe('failures: exit 1 and one line with the cause and the fix', () => {
  const oneLine = (result: RunResult) => {
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    return lines[0]!
  }

  it('a wrong secret key (SignatureDoesNotMatch)', async () => {
    const line = oneLine(
      await whoami([], {AWS_ACCESS_KEY_ID: USER_KEY.id, AWS_SECRET_ACCESS_KEY: 'not-the-secret-000000000000000000000000'}),
    )
    expect(line).toMatch(
      /^keyless: the secret access key paired with AKIA\*{12}0001 \(from environment variables .*\) is wrong: .*; export the matching AWS_SECRET_ACCESS_KEY/,
    )
    expect(line).not.toContain('not-the-secret')
  })

  it('an access key AWS does not know (InvalidClientTokenId)', async () => {
    const line = oneLine(await whoami([], {AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000001', AWS_SECRET_ACCESS_KEY: 'whatever-secret'}))
    expect(line).toMatch(/^keyless: AWS does not recognise access key AKIA\*{12}0001 .*; unset AWS_ACCESS_KEY_ID/)
  })

  it('no credentials at all', async () => {
    const line = oneLine(await whoami([]))
    expect(line).toMatch(
      /^keyless: no AWS credentials found \(no AWS_ACCESS_KEY_ID in the environment, no usable profile \[default\] in .*\); run: keyless login/,
    )
  })

  it('a profile that does not exist lists the ones that do', async () => {
    writeFile(sandbox.configFile, '[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n')
    const line = oneLine(await whoami(['--profile', 'nope']))
    expect(line).toBe(`keyless: profile [nope] is not in ${sandbox.configFile} or ${sandbox.credentialsFile}; use one of: a, b`)
  })

  it('a failing credential_process: its own one-line reason is relayed', async () => {
    const script = join(sandbox.home, 'fail.sh')
    writeFile(script, '#!/bin/sh\necho \'keyless: SSO session "demo" has expired; run: keyless login --session demo\' >&2\nexit 1\n', 0o700)
    writeFile(sandbox.configFile, `[profile broken]\ncredential_process = ${script}\n`)
    const line = oneLine(await whoami(['--profile', 'broken']))
    expect(line).toBe(
      'keyless: credential_process of profile [broken] failed: SSO session "demo" has expired; run: keyless login --session demo',
    )
  })

  it('an SSO profile without an AWS CLI login', async () => {
    writeFile(
      sandbox.configFile,
      '[sso-session demo]\nsso_start_url = https://keyless-demo.awsapps.com/start\nsso_region = us-east-1\n' +
        '[profile s]\nsso_session = demo\nsso_account_id = 222222222222\nsso_role_name = PowerUserAccess\n',
    )
    expect(oneLine(await whoami(['--profile', 's']))).toBe(
      'keyless: the SSO session of profile [s] has expired or is missing; run: aws sso login --profile s',
    )
  })

  it('STS unreachable', async () => {
    const line = oneLine(await whoami([], {...envKeys(USER_KEY), AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}))
    expect(line).toMatch(/^keyless: cannot reach STS at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\); check the network/)
  })

  // Last: moving the emulator's clock ages every credential it issued before.
  it('expired session credentials (ExpiredToken)', async () => {
    const credentials = await roleCredentials()
    await emulator.advanceClock(2 * 3600)
    const line = oneLine(
      await whoami([], {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken,
      }),
    )
    expect(line).toMatch(
      /^keyless: the temporary credentials ASIA\*+[A-Z0-9]{4} \(from environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN\) have expired; export fresh credentials/,
    )
  })
})

describe('the command line', () => {
  it('oclif and the fast path print the same, with the same exit codes', async () => {
    for (const [args, env] of [
      [['--json'], envKeys(USER_KEY)],
      [['--json', '--strict'], envKeys(ROOT_KEY)],
      [['--expect-account', '111111111111'], envKeys(USER_KEY)],
      [[], {}],
    ] as Array<[string[], NodeJS.ProcessEnv]>) {
      const fast = await whoami(args, env)
      const oclif = await whoamiThroughOclif(args, env)
      expect({code: oclif.code, stdout: oclif.stdout, stderr: oclif.stderr}).toEqual({
        code: fast.code,
        stdout: fast.stdout,
        stderr: fast.stderr,
      })
    }
  })

  it('an unknown flag is a usage error (exit 2) in one line; --help comes from oclif', async () => {
    const wrong = await whoami(['--stict'])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr.trim()).toBe("keyless: Unknown option '--stict'; run: keyless whoami --help")
    const help = await whoami(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('$ keyless whoami [--json] [--debug] [--profile NAME] [--strict]')
  })

  it('KEYLESS_CONTENT_TYPE=json means --json, as with oclif', async () => {
    const result = await whoami([], {...envKeys(USER_KEY), KEYLESS_CONTENT_TYPE: 'json'})
    expect(json(result).principalKind).toBe('iam-user')
  })
})
