import {parseArgs} from 'node:util'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {parseCredentialProcessArgs, readPlainCredentialProcessArgs} from '../../src/credential-process/args.js'
import {errorLine} from '../../src/credential-process/main.js'
import {RoleNotAssignedError} from '../../src/credentials/errors.js'
import {isServable, processCredentialsJson} from '../../src/credentials/process-credentials.js'
import {KeylessError} from '../../src/errors.js'
import {KeychainUnavailableError} from '../../src/keychain/errors.js'
import {SessionExpiredError} from '../../src/sso/errors.js'

const NOW = Date.parse('2030-01-01T12:00:00Z')
const creds = (minutesLeft: number) => ({
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'secret-key-value',
  sessionToken: 'session-token-value',
  expiresAt: new Date(NOW + minutesLeft * 60_000).toISOString(),
})

describe('process credentials', () => {
  it('serves cached credentials only while more than 15 minutes remain', () => {
    expect(isServable(creds(60), NOW)).toBe(true)
    expect(isServable(creds(15.1), NOW)).toBe(true)
    expect(isServable(creds(15), NOW)).toBe(false)
    expect(isServable(creds(5), NOW)).toBe(false)
    expect(isServable(creds(-5), NOW)).toBe(false)
    expect(isServable(undefined, NOW)).toBe(false)
    expect(isServable({...creds(60), expiresAt: 'not a date'}, NOW)).toBe(false)
    expect(isServable({...creds(60), sessionToken: ''}, NOW)).toBe(false)
  })

  it('prints exactly the Version 1 document, keys in the documented order', () => {
    expect(processCredentialsJson(creds(60))).toBe(
      '{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret-key-value","SessionToken":"session-token-value","Expiration":"2030-01-01T13:00:00.000Z"}',
    )
  })
})

describe('credential-process arguments', () => {
  const ok = ['--session', 'acme', '--account-id', '111111111111', '--role-name', 'AdministratorAccess']

  it('reads the flags', () => {
    expect(parseCredentialProcessArgs(ok)).toEqual({
      session: 'acme',
      accountId: '111111111111',
      roleName: 'AdministratorAccess',
      autoLogin: false,
      debug: false,
    })
    expect(parseCredentialProcessArgs([...ok, '--auto-login', '--debug'])).toMatchObject({autoLogin: true, debug: true})
    expect(parseCredentialProcessArgs(['--account-id=222222222222', '--role-name=Read.Only+x@y'])).toMatchObject({
      session: undefined,
      accountId: '222222222222',
      roleName: 'Read.Only+x@y',
    })
  })

  it('reads the command line as node:util parseArgs does (the hot path skips loading it for plain flags)', () => {
    const token = fc.constantFrom(
      '--session',
      '--account-id',
      '--role-name',
      '--auto-login',
      '--debug',
      '--session=acme',
      '--debug=1',
      '--x',
      '-s',
      'acme',
      '111111111111',
      'AdministratorAccess',
      '-1',
      '',
    )
    fc.assert(
      fc.property(fc.array(token, {maxLength: 8}), (argv) => {
        const run = (f: () => unknown) => {
          try {
            return {value: f()}
          } catch (error) {
            return {error: (error as Error).message}
          }
        }
        const ours = run(() => parseCredentialProcessArgs(argv))
        // The cache hit's reader (cache-hit.ts) reads the same, or leaves the command line to the full command.
        const plain = readPlainCredentialProcessArgs(argv)
        if (plain !== undefined) expect(ours).toEqual({value: plain})
        const node = run(() => {
          const {values} = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
              session: {type: 'string'},
              'account-id': {type: 'string'},
              'role-name': {type: 'string'},
              'auto-login': {type: 'boolean'},
              debug: {type: 'boolean'},
            },
          })
          return values
        })
        // Whatever node:util refuses is refused; whatever it reads, keyless reads the same values from.
        if ('error' in node) expect(ours).toHaveProperty('error')
        else if ('value' in ours) {
          const v = ours.value as {session?: string; accountId: string; roleName: string; autoLogin: boolean; debug: boolean}
          const n = node.value as Record<string, string | boolean | undefined>
          expect([v.session, v.accountId, v.roleName, v.autoLogin, v.debug]).toEqual([
            n.session,
            n['account-id'],
            n['role-name'],
            n['auto-login'] === true,
            n.debug === true,
          ])
        }
      }),
      {numRuns: 2000},
    )
  })

  const usageCases: Array<[string[], RegExp]> = [
    [['--session', 'acme', '--role-name', 'R'], /--account-id/],
    [['--session', 'acme', '--account-id', '111111111111'], /--role-name/],
    [['--account-id', '12345', '--role-name', 'R'], /--account-id must be a 12-digit/],
    [['--account-id', '11111111111a', '--role-name', 'R'], /--account-id/],
    [['--account-id', '111111111111', '--role-name', 'a/b'], /--role-name/],
    [['--account-id', '111111111111', '--role-name', 'R', '--acount'], /--acount/],
    [['--account-id', '111111111111', '--role-name', 'R', 'extra'], /extra/],
    [['--account-id', '111111111111', '--role-name'], /--role-name/],
    [['--session', '', '--account-id', '111111111111', '--role-name', 'R'], /--session/],
  ]
  it.each(usageCases)('rejects %j as a usage error (exit 2) naming the flag', (argv, flag) => {
    let caught: unknown
    try {
      parseCredentialProcessArgs(argv)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(KeylessError)
    const error = caught as KeylessError
    expect(error.exitCode).toBe(2)
    expect(error.toLine()).toMatch(flag)
    expect(error.toLine()).toMatch(/^keyless: .*; usage: keyless credential-process /)
    expect(error.toLine()).not.toContain('\n')
  })
})

describe('error lines', () => {
  it('gives the exact expired-session line of PRODUCT.md section 5', () => {
    expect(errorLine(new SessionExpiredError('acme'))).toBe('keyless: SSO session "acme" has expired; run: keyless login --session acme')
  })
  it('names account and role and suggests profiles sync --prune for a role that is gone', () => {
    const line = errorLine(new RoleNotAssignedError('acme', '111111111111', 'Gone'))
    expect(line).toContain('111111111111')
    expect(line).toContain('Gone')
    expect(line).toContain('keyless profiles sync --session acme --prune')
  })
  it('keeps the keychain error fix and reduces anything else to one line', () => {
    expect(errorLine(new KeychainUnavailableError('no Secret Service', 'start a keyring'))).toBe(
      'keyless: no Secret Service; start a keyring',
    )
    expect(errorLine(new Error('boom\n    at x (y.js:1:1)'))).toBe('keyless: boom; run again with --debug for details')
  })
})
