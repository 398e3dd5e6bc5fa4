/**
 * Issue 21 items 3 and 10: `audit --fix` offers only what it can apply, and ends with one closing line that agrees
 * with its exit code and its stderr line.
 */
import {chmodSync, readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {KEYLESS_BIN, runKeyless} from '../helpers/cli.js'
import {writeFile} from '../helpers/files.js'
import {runInTerminal} from '../helpers/pty.js'
import {makeSandbox} from '../helpers/sandbox.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

const ROOT = {id: 'AKIAEMULATORROOT0001', secret: 'emulator-root-secret-0000000000000000000'}
const USER = {id: 'AKIAEMULATORUSER0001', secret: 'emulator-user-secret-0000000000000000000'}
const keyPair = (profile: string, key: {id: string; secret: string}) =>
  `[${profile}]\naws_access_key_id = ${key.id}\naws_secret_access_key = ${key.secret}\n`
const lastLine = (text: string) => text.trimEnd().split(/\r?\n/).at(-1)

describe('audit --fix in a terminal: only conversions it can apply', () => {
  const signedIn = useSignedInEmulator()

  it('no "Turn [dev] into a keyless profile" when [profile dev] already has sso_session; the outcome and summary agree', async () => {
    const {sandbox, env} = signedIn
    // [dev]: an AWS CLI SSO profile with a leftover key of the same account in the credentials file.
    // [admin]: a key with no config section: it can become a keyless profile (proves roles were offered at all).
    writeFile(sandbox.credentialsFile, keyPair('dev', ROOT) + keyPair('admin', ROOT))
    const sso = '\n[profile dev]\nsso_session = acme\nsso_account_id = 111111111111\nsso_role_name = ReadOnlyAccess\n'
    writeFile(sandbox.configFile, readFileSync(sandbox.configFile, 'utf8') + sso)
    const configBefore = readFileSync(sandbox.configFile, 'utf8')

    // Each question answered with its first choice: remove the key.
    const {code, screen: raw} = await runInTerminal([process.execPath, KEYLESS_BIN, 'audit', '--fix'], {
      env,
      answers: [
        [/Keep it/, '\r'],
        [/Keep it/, '\r'],
      ],
    })
    // What a person reads: without the terminal's colours and cursor controls.
    const screen = raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')
    expect(screen).toContain('Turn [admin] into a keyless profile for sandbox/AdministratorAccess')
    expect(screen).not.toContain('Turn [dev]')
    expect(screen).toContain(`Removed AKIA************0001 from [dev] in ~/.aws/credentials.`)
    expect(screen).toContain(`Removed AKIA************0001 from [admin] in ~/.aws/credentials.`)
    expect(screen).not.toMatch(/could not be applied|Remove what --fix can/)
    // keyless's backup of the removed keys is one info finding of what is left (issue 23).
    expect(lastLine(screen)).toBe('2 findings: 0 critical, 0 high, 0 medium, 2 info. Nothing left to fix.')
    expect(code).toBe(0)
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe('')
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(configBefore)
  })
})

describe('audit --fix --yes: one closing line, the same advice on stdout and stderr', () => {
  it('a key --fix cannot remove (in the environment): "fix what is left by hand", exit 3', async () => {
    const home = makeSandbox()
    try {
      writeFile(home.credentialsFile, keyPair('default', USER))
      const result = await runKeyless(['audit', '--fix', '--yes', '--offline'], {
        env: {...home.env, AWS_ACCESS_KEY_ID: ROOT.id, AWS_SECRET_ACCESS_KEY: ROOT.secret},
      })
      expect(result.stdout).not.toContain('Remove what --fix can')
      expect(result.stdout).toContain('Removed AKIA************0001 from [default] in ~/.aws/credentials.')
      expect(lastLine(result.stdout)).toBe(
        '2 findings: 0 critical, 1 high, 0 medium, 1 info. Fix what is left by hand: each finding says how.',
      )
      expect(result.stderr).toBe(
        'keyless: audit --fix left 0 critical and 1 high finding; fix what is left by hand: each finding says how\n',
      )
      expect(result.code).toBe(3)
    } finally {
      home.cleanup()
    }
  })

  it('a fix that fails (a read-only credentials file): said on both, never "nothing to fix"', async () => {
    const home = makeSandbox()
    try {
      const credentials = keyPair('default', USER)
      writeFile(home.credentialsFile, credentials)
      chmodSync(home.credentialsFile, 0o444)
      const result = await runKeyless(['audit', '--fix', '--yes', '--offline'], {env: home.env})
      expect(result.stdout).toContain('keyless: ~/.aws/credentials is read-only (mode 0444)')
      expect(result.stdout).not.toMatch(/Nothing (left )?to fix|Remove what --fix can/)
      expect(lastLine(result.stdout)).toBe(
        '1 finding: 0 critical, 1 high, 0 medium, 0 info. 1 fix could not be applied (see above). Fix what is left by hand: each finding says how.',
      )
      expect(result.stderr).toBe(
        'keyless: audit --fix left 0 critical and 1 high finding (and 1 fix could not be applied); fix what is left by hand: each finding says how\n',
      )
      expect(result.code).toBe(3)
      expect(readFileSync(home.credentialsFile, 'utf8')).toBe(credentials)
    } finally {
      home.cleanup()
    }
  })

  it('nothing --fix can do: "Nothing changed." and the same advice', async () => {
    const home = makeSandbox()
    try {
      const result = await runKeyless(['audit', '--fix', '--yes', '--offline'], {
        env: {...home.env, AWS_ACCESS_KEY_ID: ROOT.id, AWS_SECRET_ACCESS_KEY: ROOT.secret},
      })
      expect(lastLine(result.stdout)).toBe('Nothing changed. Fix what is left by hand: each finding says how.')
      expect(result.stderr).toBe(
        'keyless: audit --fix left 0 critical and 1 high finding; fix what is left by hand: each finding says how\n',
      )
      expect(result.code).toBe(3)
    } finally {
      home.cleanup()
    }
  })
})
