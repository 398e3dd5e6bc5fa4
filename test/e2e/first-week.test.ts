/** Rough edges a new user meets in the first week: each one line that says what is wrong and what to do. */
import {appendFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {ssoSessionSection} from '../helpers/files.js'
import {seedSession, useSignedInEmulator} from '../helpers/seed-session.js'

const signedIn = useSignedInEmulator()
const keyless = (args: string[], env: NodeJS.ProcessEnv = {}) => runKeyless(args, {env: {...signedIn.env, ...env}})

describe('login with a start URL Identity Center does not know', () => {
  it("shows the server's description in the one line and suggests checking sso_start_url", async () => {
    appendFileSync(signedIn.sandbox.configFile, '\n' + ssoSessionSection('typo', 'https://keyless-dem0.awsapps.com/start'))
    const result = await keyless(['login', '--session', 'typo', '--no-browser'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'keyless: AWS Identity Center refused the sign-in (InvalidRequestException: Invalid start URL: no Identity Center instance with this start URL); ' +
        'check sso_start_url of [sso-session typo] (https://keyless-dem0.awsapps.com/start): run: keyless configure --session typo --start-url https://...\n',
    )
  })
})

describe('credential-process with its stdout closed (keyless credential-process ... | true)', () => {
  it('exits 1 with one line, no stack trace', async () => {
    const {spawn} = await import('node:child_process')
    const {KEYLESS_BIN} = await import('../helpers/cli.js')
    const child = spawn(
      process.execPath,
      [KEYLESS_BIN, 'credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'AdministratorAccess'],
      {
        env: signedIn.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child.stdout.destroy() // the reader is gone before keyless writes
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).toBe('keyless: the credentials could not be written: the output was closed (EPIPE)\n')
    expect(code).toBe(1)
  })
})

describe('the command line as in other oclif CLIs', () => {
  it('a mistyped command suggests the closest one (exit 2, one line)', async () => {
    const typo = await keyless(['accoutns'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toBe('keyless: unknown command "accoutns"; did you mean: keyless accounts? (all commands: keyless --help)\n')
    const nested = await keyless(['profiles', 'synk'])
    expect(nested.stderr).toBe(
      'keyless: unknown command "profiles synk"; did you mean: keyless profiles sync? (all commands: keyless --help)\n',
    )
    const nothingClose = await keyless(['frobnicate'])
    expect(nothingClose.stderr).toBe('keyless: unknown command "frobnicate"; run: keyless --help\n')
  })

  it('keyless -v and keyless version print what --version prints', async () => {
    const version = await keyless(['--version'])
    expect(version.stdout).toMatch(/^keyless\/\d+\.\d+\.\d+ /)
    for (const args of [['-v'], ['version']]) {
      const result = await keyless(args)
      expect(result.code, args.join(' ')).toBe(0)
      expect(result.stdout).toBe(version.stdout)
    }
  })
})

describe('status and orphaned sessions', () => {
  it('shows keychain entries whose [sso-session] is gone from the config file, with the logout that removes them', async () => {
    await seedSession(signedIn.emulator, signedIn.sandbox, {session: 'ghost', skipConfig: true})
    const json = JSON.parse((await keyless(['status', '--json'])).stdout) as {sessions: Array<Record<string, unknown>>}
    expect(json.sessions.find((s) => s.name === 'ghost')).toMatchObject({name: 'ghost', orphaned: true, hasRefreshToken: true})
    expect(json.sessions.find((s) => s.name === 'acme')).toMatchObject({orphaned: false})
    const human = await keyless(['status'])
    expect(human.stdout).toContain(
      'ghost  orphaned: not in the AWS config file, but its tokens are still in the keychain; run: keyless logout --session ghost\n',
    )
    const logout = await keyless(['logout', '--session', 'ghost'])
    expect(logout.code, logout.stderr).toBe(0)
    const after = JSON.parse((await keyless(['status', '--json'])).stdout) as {sessions: Array<{name: string}>}
    expect(after.sessions.map((s) => s.name)).not.toContain('ghost')
  })
})

describe('whoami on role-chaining profiles', () => {
  const chain = async (extra: string) => {
    const {writeFile} = await import('../helpers/files.js')
    const {join} = await import('node:path')
    const dir = join(signedIn.sandbox.home, 'chain')
    const script = join(dir, 'cp.sh')
    writeFile(
      script,
      `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"ASIAEXAMPLEEXAMPLE01","SecretAccessKey":"x","SessionToken":"y"}'\n`,
      0o700,
    )
    const config = join(dir, 'config')
    writeFile(config, `[profile base]\ncredential_process = ${script}\n\n${extra}`)
    return {AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials')}
  }

  it('no stray AWS SDK warning about the default STS region: only keyless lines on stderr', async () => {
    const env = await chain('[profile chained]\nrole_arn = arn:aws:iam::111111111111:role/Deploy\nsource_profile = base\n')
    // No region anywhere (the SDK then warns that its STS client for AssumeRole picked us-east-1 by itself).
    const {AWS_REGION: _, ...noRegion}: Record<string, string | undefined> = {...signedIn.env, ...env}
    const result = await runKeyless(['whoami', '--profile', 'chained'], {env: noRegion})
    expect(result.stderr).not.toContain('@aws-sdk')
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  it('a source_profile that does not exist is named, with the profiles that do', async () => {
    const env = await chain('[profile broken]\nrole_arn = arn:aws:iam::111111111111:role/Deploy\nsource_profile = nosuch\n')
    const result = await keyless(['whoami', '--profile', 'broken'], env)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `keyless: profile [broken] takes its credentials from source_profile = nosuch, which is not in ${env.AWS_CONFIG_FILE} or ${env.AWS_SHARED_CREDENTIALS_FILE}; ` +
        'set source_profile to one of: base, broken (or add [profile nosuch])\n',
    )
  })
})

describe('a session that never signed in, or signed out', () => {
  it('is "not signed in", not "expired"', async () => {
    appendFileSync(signedIn.sandbox.configFile, '\n' + ssoSessionSection('fresh', 'https://keyless-demo.awsapps.com/start'))
    const result = await keyless(['accounts', '--session', 'fresh'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('keyless: SSO session "fresh" is not signed in; run: keyless login --session fresh\n')
  })

  // Last: signs the shared session out.
  it("logout deletes the session's cached account listing; accounts then says it is not signed in", async () => {
    const {existsSync} = await import('node:fs')
    const {join} = await import('node:path')
    expect((await keyless(['accounts', '--session', 'acme'])).code).toBe(0)
    const cache = join(signedIn.sandbox.cacheDir, 'accounts-acme.json')
    expect(existsSync(cache)).toBe(true)
    expect((await keyless(['logout', '--session', 'acme'])).code).toBe(0)
    expect(existsSync(cache)).toBe(false)
    const after = await keyless(['accounts', '--session', 'acme'])
    expect(after.code).toBe(1)
    expect(after.stdout).toBe('')
    expect(after.stderr).toBe('keyless: SSO session "acme" is not signed in; run: keyless login --session acme\n')
    const cp = await keyless([
      'credential-process',
      '--session',
      'acme',
      '--account-id',
      '111111111111',
      '--role-name',
      'AdministratorAccess',
    ])
    expect(cp.stderr).toBe('keyless: SSO session "acme" is not signed in; run: keyless login --session acme\n')
  })
})
