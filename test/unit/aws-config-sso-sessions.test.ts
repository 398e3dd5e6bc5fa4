import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {InvalidConfigValueError, SsoSessionNotFoundError} from '../../src/aws-config/errors.js'
import {parseConfig} from '../../src/aws-config/ini.js'
import {
  listSsoSessions,
  resolveSessionName,
  setSessionKeys,
  upsertSsoSession,
  validateRegion,
  validateSessionName,
  validateStartUrl,
} from '../../src/aws-config/sso-sessions.js'

const acme = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1'}

describe('listSsoSessions', () => {
  it('lists sessions in file order with default scopes', () => {
    const doc = parseConfig(
      '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n' +
        '[profile x]\n[sso-session beta]\nSSO_REGION = eu-west-1\nsso_registration_scopes = sso:account:access, codewhisperer:completions\n',
    )
    expect(listSsoSessions(doc)).toEqual([
      {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access']},
      {name: 'beta', startUrl: '', region: 'eu-west-1', scopes: ['sso:account:access', 'codewhisperer:completions']},
    ])
  })
})

const UPSERT: Array<[string, string, Parameters<typeof upsertSsoSession>[1], string]> = [
  [
    'new file',
    '',
    acme,
    '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n',
  ],
  [
    'appended after one blank line',
    '[default]\nregion = eu-west-1\n',
    acme,
    '[default]\nregion = eu-west-1\n\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n',
  ],
  [
    'no blank added when the file already ends with one',
    '[default]\nregion = eu-west-1\n\n',
    acme,
    '[default]\nregion = eu-west-1\n\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n',
  ],
  [
    'CRLF and no final newline are kept',
    '# mine\r\n[default]\r\nregion = eu-west-1',
    {...acme, scopes: ['sso:account:access', 'x:y']},
    '# mine\r\n[default]\r\nregion = eu-west-1\r\n\r\n[sso-session acme]\r\nsso_start_url = https://acme.awsapps.com/start\r\nsso_region = us-east-1\r\nsso_registration_scopes = sso:account:access,x:y',
  ],
  [
    'update in place keeps comments, other keys, order and spacing',
    '[sso-session acme]\n# portal\nsso_region=eu-west-1\nmy_key = 1\nsso_start_url   =   https://old.awsapps.com/start\n\n[default]\n',
    acme,
    '[sso-session acme]\n# portal\nsso_region=us-east-1\nmy_key = 1\nsso_start_url   =   https://acme.awsapps.com/start\n\n[default]\n',
  ],
  [
    'missing keys are inserted in order after the ones that precede them',
    '[sso-session acme]\nsso_registration_scopes = sso:account:access\n; end\n[default]\n',
    acme,
    '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n; end\n[default]\n',
  ],
  [
    'scopes given replace the old ones; others are not touched',
    '[sso-session other]\nsso_region = eu-west-1\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = a\n',
    {...acme, scopes: ['sso:account:access']},
    '[sso-session other]\nsso_region = eu-west-1\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n',
  ],
]

describe('upsertSsoSession', () => {
  it.each(UPSERT)('%s', (_, before, session, after) => {
    expect(upsertSsoSession(before, session)).toBe(after)
    // Idempotent: the same upsert on its own output changes nothing.
    expect(upsertSsoSession(after, session)).toBe(after)
  })

  it('returns the very same text when nothing changes (BOM, odd spacing and all)', () => {
    const text = '\ufeff[sso-session acme]\r\nsso_start_url=https://acme.awsapps.com/start   \r\nsso_region : us-east-1'
    expect(upsertSsoSession(text, acme)).toBe(text)
  })

  it('an indented line is a continuation of the key above (as in botocore), so that value is rewritten', () => {
    const text = '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\n  sso_region = us-east-1\n'
    expect(upsertSsoSession(text, acme)).toBe(
      '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n',
    )
  })

  it('refuses a session name that would not survive the round trip', () => {
    expect(() => upsertSsoSession('', {...acme, name: 'a b'})).toThrow(InvalidConfigValueError)
  })
})

describe('resolveSessionName', () => {
  const sessions = ['acme', 'beta']
  it('prefers the flag, then $KEYLESS_SESSION, then the only session', () => {
    expect(resolveSessionName({flag: 'beta', env: {KEYLESS_SESSION: 'acme'}, sessions})).toBe('beta')
    expect(resolveSessionName({env: {KEYLESS_SESSION: 'acme'}, sessions})).toBe('acme')
    expect(resolveSessionName({env: {}, sessions: [{name: 'solo'}]})).toBe('solo')
  })

  it('fails with the list of names when several and none chosen', () => {
    const e = catchError(() => resolveSessionName({env: {}, sessions, command: 'login', path: '~/.aws/config'}))
    expect(e).toBeInstanceOf(SsoSessionNotFoundError)
    expect(e.message).toBe('2 SSO sessions in ~/.aws/config and none chosen')
    expect(e.fix).toBe('run: keyless login --session NAME (or set KEYLESS_SESSION) with NAME one of: acme, beta')
    expect(e.exitCode).toBe(2) // a usage error
    expect(e.available).toEqual(sessions)
    // oclif's command id (profiles:sync) is shown with the topic separator, a space.
    const sync = catchError(() => resolveSessionName({env: {}, sessions, command: 'profiles:sync'}))
    expect(sync.fix).toBe('run: keyless profiles sync --session NAME (or set KEYLESS_SESSION) with NAME one of: acme, beta')
  })

  it('fails on an unknown name and says where it came from', () => {
    const e = catchError(() => resolveSessionName({env: {KEYLESS_SESSION: 'gamma'}, sessions, command: 'status'}))
    expect(e.message).toBe('no SSO session "gamma" (from $KEYLESS_SESSION) in the AWS config file')
    expect(e.fix).toBe('run: keyless status --session NAME with NAME one of: acme, beta')
    expect(e.exitCode).toBe(2)
  })

  it('with no session at all, says to configure one', () => {
    const e = catchError(() => resolveSessionName({env: {}, sessions: []}))
    expect(e.message).toBe('no [sso-session] in the AWS config file')
    expect(e.fix).toBe('run: keyless configure --session NAME --start-url https://... --region us-east-1')
    const named = catchError(() => resolveSessionName({flag: 'acme', env: {}, sessions: []}))
    expect(named.fix).toBe('run: keyless configure --session acme --start-url https://... --region us-east-1')
  })
})

function catchError(fn: () => unknown): SsoSessionNotFoundError {
  try {
    fn()
  } catch (error) {
    return error as SsoSessionNotFoundError
  }
  throw new Error('expected an error')
}

/** Every region the installed AWS SDK knows about (its partitions.json), so the rule is checked against reality. */
function knownRegions(): string[] {
  const require = createRequire(import.meta.url)
  const core = dirname(require.resolve('@aws-sdk/core/package.json'))
  const file = join(core, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js')
  const text = readFileSync(file, 'utf8')
  return [...new Set([...text.matchAll(/"([a-z]+(?:-[a-z]+)+-\d+)": \{/g)].map((m) => m[1] as string))]
}

describe('validators', () => {
  it('accepts every real region and rejects look-alikes', () => {
    const regions = knownRegions()
    expect(regions.length).toBeGreaterThan(30)
    expect(regions).toContain('us-east-1')
    for (const region of [...regions, 'us-gov-west-1', 'cn-northwest-1', 'us-isob-east-1', 'eusc-de-east-1', 'ap-southeast-7']) {
      expect(validateRegion(region)).toBe(region)
    }
    for (const bad of [
      'us-east',
      'useast1',
      'US-EAST-1',
      'us-east-01',
      'us-est-1',
      'xx-east-1',
      'us-east-1 ',
      'us_east_1',
      '',
      'aws-global',
    ]) {
      if (bad === 'us-east-1 ') expect(validateRegion(bad)).toBe('us-east-1')
      else expect(() => validateRegion(bad), bad).toThrow(InvalidConfigValueError)
    }
  })

  it('start URL: https only, a real URL with a host', () => {
    expect(validateStartUrl(' https://acme.awsapps.com/start ')).toBe('https://acme.awsapps.com/start')
    expect(validateStartUrl('https://d-1234567890.awsapps.com/start/#')).toBe('https://d-1234567890.awsapps.com/start/#')
    for (const bad of [
      'http://acme.awsapps.com/start',
      'acme.awsapps.com/start',
      'https://',
      'https://user:pw@a.b/start',
      'ftp://a.b',
      'https://localhost/x',
      'https://a b.com',
    ]) {
      expect(() => validateStartUrl(bad), bad).toThrow(InvalidConfigValueError)
    }
    const e = (() => {
      try {
        validateStartUrl('http://acme.awsapps.com/start')
      } catch (error) {
        return error as InvalidConfigValueError
      }
    })()
    expect(e?.message).toBe('the start URL must use https, not http')
    expect(e?.exitCode).toBe(2)
  })

  it('session names', () => {
    for (const ok of ['acme', 'acme-prod', 'a.b_c+d@e']) expect(validateSessionName(ok)).toBe(ok)
    for (const bad of ['', 'a b', 'a]', 'a#b', 'é', 'a;b']) expect(() => validateSessionName(bad)).toThrow(InvalidConfigValueError)
  })
})

describe('setSessionKeys (remembered keyless_* settings)', () => {
  const text =
    '# mine\r\n[sso-session acme]\r\nsso_start_url = https://acme.awsapps.com/start\r\nsso_region = us-east-1 ; eu?\r\n\r\n[profile x]\r\nregion = us-east-1'
  it('adds new keys after the last key, replaces given ones, leaves undefined ones and every other byte', () => {
    const once = setSessionKeys(text, 'acme', {keyless_template: '{session}.{role_name}', keyless_command: undefined})
    expect(once).toBe(text.replace('eu?\r\n', 'eu?\r\nkeyless_template = {session}.{role_name}\r\n'))
    expect(setSessionKeys(once, 'acme', {keyless_template: '{session}.{role_name}'})).toBe(once)
    const twice = setSessionKeys(once, 'acme', {keyless_template: '{account_id}.{role_name}', keyless_auto_login: 'true'})
    expect(twice).toBe(text.replace('eu?\r\n', 'eu?\r\nkeyless_template = {account_id}.{role_name}\r\nkeyless_auto_login = true\r\n'))
    expect(listSsoSessions(parseConfig(twice))[0]!.keyless).toEqual({
      keyless_template: '{account_id}.{role_name}',
      keyless_auto_login: 'true',
    })
  })
  it('refuses keys that are not keyless_*', () => {
    expect(() => setSessionKeys(text, 'acme', {sso_region: 'x'})).toThrow(/not a keyless_ key/)
  })
})

describe('keyless_login_flow', () => {
  it('is read from the section and written in place or appended, touching nothing else', async () => {
    const {listSsoSessions, upsertSsoSession} = await import('../../src/aws-config/sso-sessions.js')
    const {parseConfig} = await import('../../src/aws-config/ini.js')
    const before = '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n# mine\n'
    const added = upsertSsoSession(before, {
      name: 'acme',
      startUrl: 'https://acme.awsapps.com/start',
      region: 'us-east-1',
      loginFlow: 'device-code',
    })
    expect(added).toBe(
      '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nkeyless_login_flow = device-code\n# mine\n',
    )
    expect(listSsoSessions(parseConfig(added))[0]).toMatchObject({name: 'acme', loginFlow: 'device-code'})
    const changed = upsertSsoSession(added, {
      name: 'acme',
      startUrl: 'https://acme.awsapps.com/start',
      region: 'us-east-1',
      loginFlow: 'auth-code',
    })
    expect(changed).toBe(added.replace('device-code', 'auth-code'))
    expect(upsertSsoSession(changed, {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1'})).toBe(changed)
    expect(upsertSsoSession('', {name: 'new', startUrl: 'https://a.awsapps.com/start', region: 'us-east-1', loginFlow: 'auth-code'})).toBe(
      '[sso-session new]\nsso_start_url = https://a.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\nkeyless_login_flow = auth-code\n',
    )
  })
})
