import {describe, expect, it} from 'vitest'

import {ConfigSyntaxError, InvalidConfigValueError} from '../../src/aws-config/errors.js'
import {
  buildWantedProfiles,
  credentialProcessCommand,
  disambiguate,
  parseCredentialProcess,
  profileName,
  sanitizeProfileName,
  syncProfiles,
  type WantedProfile,
} from '../../src/aws-config/profiles.js'

const CMD = '"/opt/keyless/bin/keyless" credential-process --session acme'
const cp = (account: string, role: string, session = 'acme'): string =>
  `"/opt/keyless/bin/keyless" credential-process --session ${session} --account-id ${account} --role-name ${role}`

function want(name: string, account: string, role: string, region: string | undefined = 'us-east-1'): WantedProfile {
  return {name, accountId: account, roleName: role, keys: {credential_process: cp(account, role), region, keyless_session: 'acme'}}
}

const SANDBOX = want('sandbox.AdministratorAccess', '111111111111', 'AdministratorAccess')
const STAGING = want('staging.ReadOnlyAccess', '222222222222', 'ReadOnlyAccess')

/** The profile section exactly as PRODUCT.md section 6 shows it. */
const block = (p: WantedProfile, eol = '\n'): string =>
  [
    `[profile ${p.name}]`,
    `credential_process = ${p.keys.credential_process}`,
    ...(p.keys.region ? [`region = ${p.keys.region}`] : []),
    `keyless_session = ${p.keys.keyless_session}`,
  ].join(eol)

interface Case {
  name: string
  before: string
  profiles: WantedProfile[]
  prune?: boolean
  after: string
  result?: Partial<Record<'added' | 'updated' | 'removed' | 'unchanged' | 'skipped' | 'stale', string[]>>
}

const USER_TOP = `# My AWS config. Hands off!
; semicolon comment

[default]
region = eu-west-1
output = json
s3 =
  max_concurrent_requests = 20
  # nested comment
  addressing_style = path

[services local]
s3 =
  endpoint_url = http://localhost:4566

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`

const CASES: Case[] = [
  {
    name: 'empty file',
    before: '',
    profiles: [SANDBOX],
    after: `${block(SANDBOX)}\n`,
    result: {added: ['sandbox.AdministratorAccess']},
  },
  {
    name: 'comments, blank lines, nested s3, [default], [services], [sso-session] survive; one blank line before new sections',
    before: USER_TOP,
    profiles: [SANDBOX, STAGING],
    after: `${USER_TOP}\n${block(SANDBOX)}\n\n${block(STAGING)}\n`,
    result: {added: ['sandbox.AdministratorAccess', 'staging.ReadOnlyAccess']},
  },
  {
    name: 'CRLF file gets CRLF lines',
    before: '[default]\r\nregion = eu-west-1\r\n',
    profiles: [SANDBOX],
    after: `[default]\r\nregion = eu-west-1\r\n\r\n${block(SANDBOX, '\r\n')}\r\n`,
  },
  {
    name: 'no final newline stays without one',
    before: '[default]\nregion = eu-west-1',
    profiles: [SANDBOX],
    after: `[default]\nregion = eu-west-1\n\n${block(SANDBOX)}`,
  },
  {
    name: 'BOM and UTF-8 user content survive',
    before: '\ufeff# ça marche — ☕\n[profile équipe]\nregion = eu-west-3\n',
    profiles: [SANDBOX],
    after: `\ufeff# ça marche — ☕\n[profile équipe]\nregion = eu-west-3\n\n${block(SANDBOX)}\n`,
  },
  {
    name: 'user keys, comments and a changed region inside a keyless profile survive; credential_process is updated',
    before:
      '[profile sandbox.AdministratorAccess]\n# my note\ncredential_process = "/old/keyless" credential-process --session acme --account-id 111111111111 --role-name AdministratorAccess\n' +
      'output = json\nregion = eu-west-1\nkeyless_session = acme\ncli_pager =\n',
    profiles: [SANDBOX],
    after:
      `[profile sandbox.AdministratorAccess]\n# my note\ncredential_process = ${SANDBOX.keys.credential_process}\n` +
      'output = json\nregion = eu-west-1\nkeyless_session = acme\ncli_pager =\n',
    result: {updated: ['sandbox.AdministratorAccess'], added: [], unchanged: []},
  },
  {
    name: 'a region the user deleted is put back, after credential_process',
    before: `[profile sandbox.AdministratorAccess]\ncredential_process = ${SANDBOX.keys.credential_process}\noutput = json\nkeyless_session = acme\n`,
    profiles: [SANDBOX],
    after: `[profile sandbox.AdministratorAccess]\ncredential_process = ${SANDBOX.keys.credential_process}\nregion = us-east-1\noutput = json\nkeyless_session = acme\n`,
    result: {updated: ['sandbox.AdministratorAccess']},
  },
  {
    name: "a user's own profile with a wanted name is skipped and untouched",
    before: '[profile sandbox.AdministratorAccess]\nrole_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = default\n',
    profiles: [SANDBOX, STAGING],
    after: `[profile sandbox.AdministratorAccess]\nrole_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = default\n\n${block(STAGING)}\n`,
    result: {skipped: ['sandbox.AdministratorAccess'], added: ['staging.ReadOnlyAccess']},
  },
  {
    name: "another session's keyless profile with a wanted name is skipped",
    before: `[profile sandbox.AdministratorAccess]\ncredential_process = ${cp('111111111111', 'AdministratorAccess', 'other')}\nkeyless_session = other\n`,
    profiles: [SANDBOX],
    after: `[profile sandbox.AdministratorAccess]\ncredential_process = ${cp('111111111111', 'AdministratorAccess', 'other')}\nkeyless_session = other\n`,
    result: {skipped: ['sandbox.AdministratorAccess'], added: []},
  },
  {
    name: 'without prune a gone role is reported stale and kept',
    before: `# top\n\n${block(SANDBOX)}\n\n${block(STAGING)}\n`,
    profiles: [SANDBOX],
    after: `# top\n\n${block(SANDBOX)}\n\n${block(STAGING)}\n`,
    result: {stale: ['staging.ReadOnlyAccess'], unchanged: ['sandbox.AdministratorAccess'], removed: []},
  },
  {
    name: "prune removes only this session's stale profiles (and the blank line after), never others'",
    before:
      `${block(STAGING)}\n\n# about prod\n[profile prod]\nregion = us-west-2\n\n` +
      `[profile other.ReadOnlyAccess]\ncredential_process = ${cp('222222222222', 'ReadOnlyAccess', 'other')}\nkeyless_session = other\n\n` +
      `${block(SANDBOX)}\n`,
    profiles: [SANDBOX],
    prune: true,
    after:
      `# about prod\n[profile prod]\nregion = us-west-2\n\n` +
      `[profile other.ReadOnlyAccess]\ncredential_process = ${cp('222222222222', 'ReadOnlyAccess', 'other')}\nkeyless_session = other\n\n` +
      `${block(SANDBOX)}\n`,
    result: {removed: ['staging.ReadOnlyAccess'], unchanged: ['sandbox.AdministratorAccess'], stale: []},
  },
  {
    name: 'prune of the last sections leaves no trailing blank lines',
    before: `[default]\nregion = x\n\n${block(SANDBOX)}\n\n${block(STAGING)}\n`,
    profiles: [],
    prune: true,
    after: '[default]\nregion = x\n',
    result: {removed: ['sandbox.AdministratorAccess', 'staging.ReadOnlyAccess']},
  },
  {
    name: 'prune at the end of a file without a final newline keeps it without one',
    before: `[default]\nregion = x\n\n${block(STAGING)}`,
    profiles: [],
    prune: true,
    after: '[default]\nregion = x',
  },
  {
    name: 'a changed template renames the profile in place, keeping user keys',
    before: `[default]\n\n[profile old-name]\ncredential_process = ${SANDBOX.keys.credential_process}\noutput = json\nkeyless_session = acme\n\n# end\n`,
    profiles: [SANDBOX],
    after: `[default]\n\n[profile sandbox.AdministratorAccess]\ncredential_process = ${SANDBOX.keys.credential_process}\nregion = us-east-1\noutput = json\nkeyless_session = acme\n\n# end\n`,
    result: {updated: ['sandbox.AdministratorAccess'], added: []},
  },
  {
    name: 'a keyless profile whose credential_process keyless cannot read is left alone',
    before: '[profile mine]\ncredential_process = /usr/bin/something-else\nkeyless_session = acme\n',
    profiles: [],
    prune: true,
    after: '[profile mine]\ncredential_process = /usr/bin/something-else\nkeyless_session = acme\n',
    result: {removed: [], stale: []},
  },
  {
    name: '[default] is the profile "default": a wanted "default" is skipped',
    before: '[default]\nregion = x\n',
    profiles: [want('default', '111111111111', 'Admin')],
    after: '[default]\nregion = x\n',
    result: {skipped: ['default']},
  },
]

describe('syncProfiles', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const first = syncProfiles(c.before, {session: 'acme', profiles: c.profiles, prune: c.prune ?? false})
    expect(first.text).toBe(c.after)
    for (const [k, v] of Object.entries(c.result ?? {})) expect(first[k as keyof typeof first], k).toEqual(v)
    // Idempotent: a second identical sync returns the same bytes and changes nothing.
    const second = syncProfiles(first.text, {session: 'acme', profiles: c.profiles, prune: c.prune ?? false})
    expect(second.text).toBe(first.text)
    expect([...second.added, ...second.updated, ...second.removed]).toEqual([])
  })

  it('returns the identical string object content when nothing changes, byte for byte', () => {
    const text = `\ufeff# x\r\n${block(SANDBOX, '\r\n')}`
    const r = syncProfiles(text, {session: 'acme', profiles: [SANDBOX], prune: true})
    expect(r.text).toBe(text)
    expect(r.unchanged).toEqual([SANDBOX.name])
  })

  it('warns about every skipped profile, naming its line', () => {
    const r = syncProfiles('[default]\n\n[profile sandbox.AdministratorAccess]\nregion = x\n', {
      session: 'acme',
      profiles: [SANDBOX],
      prune: false,
    })
    expect(r.warnings).toEqual(['profile "sandbox.AdministratorAccess" (line 3) is your own, not keyless\'s: left alone, not written'])
  })

  it('keeps a copy of a keyless profile the user made for a wanted role, and does not prune it', () => {
    const copy = `[profile my-admin]\ncredential_process = "/old" credential-process --session acme --account-id 111111111111 --role-name AdministratorAccess\nkeyless_session = acme\n`
    const r = syncProfiles(`${block(SANDBOX)}\n\n${copy}`, {session: 'acme', profiles: [SANDBOX], prune: true})
    expect(r.text).toBe(
      `${block(SANDBOX)}\n\n[profile my-admin]\ncredential_process = ${SANDBOX.keys.credential_process}\nkeyless_session = acme\n`,
    )
    expect(r.updated).toEqual(['my-admin'])
    expect(r.removed).toEqual([])
  })

  it('refuses files it cannot parse safely', () => {
    expect(() => syncProfiles('[profile a]\n[profile a]\n', {session: 'acme', profiles: [], prune: false, path: '~/.aws/config'})).toThrow(
      ConfigSyntaxError,
    )
  })

  it('never writes sso_* keys', () => {
    const r = syncProfiles('', {session: 'acme', profiles: [SANDBOX, STAGING], prune: false})
    expect(r.text).not.toMatch(/sso_/)
  })
})

describe('profile names', () => {
  const vars = {session: 'acme', account_id: '111111111111', account_name: 'My Sandbox', role_name: 'AdministratorAccess'}
  it('default template and placeholders', () => {
    expect(profileName(undefined, vars)).toBe('My-Sandbox.AdministratorAccess')
    expect(profileName('{session}-{account_id}-{role_name}', vars)).toBe('acme-111111111111-AdministratorAccess')
    expect(profileName('{account_name} / {role_name}', vars)).toBe('My-Sandbox-AdministratorAccess')
  })

  it('sanitises to A-Z a-z 0-9 . _ - +, dropping accents; unusable account names fall back to the id', () => {
    expect(sanitizeProfileName('Produção Ünö (EU)')).toBe('Producao-Uno-EU')
    expect(sanitizeProfileName('a#b;c]d[e"f')).toBe('a-b-c-d-e-f')
    expect(profileName(undefined, {...vars, account_name: '日本'})).toBe('111111111111.AdministratorAccess')
  })

  it('rejects unknown placeholders and empty names', () => {
    expect(() => profileName('{account}', vars)).toThrow(InvalidConfigValueError)
    expect(() => profileName('###', vars)).toThrow(/empty profile name/)
  })

  it('disambiguates collisions with the account id, then a counter', () => {
    const out = disambiguate([
      {name: 'sandbox.Admin', accountId: '111111111111'},
      {name: 'sandbox.Admin', accountId: '222222222222'},
      {name: 'x.A-B', accountId: '333333333333'},
      {name: 'x.A-B', accountId: '333333333333'},
      {name: 'unique', accountId: '444444444444'},
    ])
    expect(out.map((o) => o.name)).toEqual([
      'sandbox.Admin.111111111111',
      'sandbox.Admin.222222222222',
      'x.A-B.333333333333',
      'x.A-B.333333333333.2',
      'unique',
    ])
  })
})

describe('credential_process command line', () => {
  it('quotes the command and round-trips account and role', () => {
    const line = credentialProcessCommand({
      command: '/opt/key less/keyless',
      session: 'acme',
      accountId: '111111111111',
      roleName: 'Admin',
      autoLogin: true,
    })
    expect(line).toBe('"/opt/key less/keyless" credential-process --session acme --account-id=111111111111 --role-name=Admin --auto-login')
    expect(parseCredentialProcess(line)).toEqual({accountId: '111111111111', roleName: 'Admin'})
    expect(parseCredentialProcess(CMD)).toBeUndefined()
  })

  it('refuses values that a shell or the SDK parsers would misread', () => {
    const base = {command: 'keyless', session: 'acme', accountId: '111111111111', roleName: 'Admin'}
    expect(() => credentialProcessCommand({...base, command: '/a"b'})).toThrow(InvalidConfigValueError)
    expect(() => credentialProcessCommand({...base, command: '/a #b'})).toThrow(InvalidConfigValueError)
    expect(() => credentialProcessCommand({...base, roleName: 'x;rm -rf ~'})).toThrow(InvalidConfigValueError)
    expect(() => credentialProcessCommand({...base, accountId: '1234'})).toThrow(InvalidConfigValueError)
  })

  it('refuses --command characters the AWS CLI and the shell-running SDKs disagree on, naming them (issue 17, item 8)', () => {
    const base = {command: 'keyless', session: 'acme', accountId: '111111111111', roleName: 'Admin'}
    for (const [command, named] of [
      ['/opt/$HOME/keyless', '"$"'],
      ['/opt/`id`/keyless', '"`"'],
      ['/opt/a\\ b/keyless', '"\\"'],
      ['/opt/$(id)`x`/keyless', '"$", "`"'],
    ] as const) {
      expect(() => credentialProcessCommand({...base, command}, 'linux')).toThrow(
        `contains ${named}, which the AWS CLI and the AWS SDKs read differently`,
      )
    }
    expect(() => credentialProcessCommand({...base, command: 'C:\\Users\\%USERNAME%\\keyless.cmd'}, 'win32')).toThrow('contains "%"')
    expect(credentialProcessCommand({...base, command: 'C:\\Program Files\\keyless\\keyless.cmd'}, 'win32')).toMatch(/^"C:\\Program Files/)
    expect(credentialProcessCommand({...base, command: '/opt/key less/keyless-1.0+x'}, 'linux')).toMatch(/^"\/opt\/key less/)
  })

  it('a role name starting with - is written as --role-name=VALUE and parsed back by credential-process (item 9)', async () => {
    const {parseCredentialProcessArgs} = await import('../../src/credential-process/args.js')
    const {shlexSplit} = await import('../../src/aws-config/ini.js')
    const line = credentialProcessCommand({command: 'keyless', session: 'acme', accountId: '111111111111', roleName: '-Admin'})
    expect(line).toBe('"keyless" credential-process --session acme --account-id=111111111111 --role-name=-Admin')
    expect(parseCredentialProcess(line)).toEqual({accountId: '111111111111', roleName: '-Admin'})
    // As the AWS CLI splits it, then as keyless reads its argv.
    const argv = shlexSplit(line)!.slice(2)
    expect(parseCredentialProcessArgs(argv)).toMatchObject({accountId: '111111111111', roleName: '-Admin'})
    // The old form is what failed: "argument is ambiguous".
    expect(() => parseCredentialProcessArgs(['--session', 'acme', '--account-id', '111111111111', '--role-name', '-Admin'])).toThrow(
      /ambiguous/,
    )
  })

  it('buildWantedProfiles: sorted, named, disambiguated, keys in PRODUCT order', () => {
    const wanted = buildWantedProfiles({
      session: 'acme',
      command: 'keyless',
      region: 'us-east-1',
      assignments: [
        {accountId: '222222222222', accountName: 'staging', roleName: 'ReadOnlyAccess'},
        {accountId: '111111111111', accountName: 'sandbox', roleName: 'ReadOnlyAccess'},
        {accountId: '333333333333', accountName: 'sandbox', roleName: 'ReadOnlyAccess'},
      ],
    })
    expect(wanted.map((w) => w.name)).toEqual([
      'sandbox.ReadOnlyAccess.111111111111',
      'sandbox.ReadOnlyAccess.333333333333',
      'staging.ReadOnlyAccess',
    ])
    expect(Object.keys(wanted[0]!.keys)).toEqual(['credential_process', 'region', 'keyless_session'])
    expect(syncProfiles('', {session: 'acme', profiles: wanted, prune: false}).text).toMatchInlineSnapshot(`
      "[profile sandbox.ReadOnlyAccess.111111111111]
      credential_process = "keyless" credential-process --session acme --account-id=111111111111 --role-name=ReadOnlyAccess
      region = us-east-1
      keyless_session = acme

      [profile sandbox.ReadOnlyAccess.333333333333]
      credential_process = "keyless" credential-process --session acme --account-id=333333333333 --role-name=ReadOnlyAccess
      region = us-east-1
      keyless_session = acme

      [profile staging.ReadOnlyAccess]
      credential_process = "keyless" credential-process --session acme --account-id=222222222222 --role-name=ReadOnlyAccess
      region = us-east-1
      keyless_session = acme
      "
    `)
  })
})

// The written profiles, inside a busy CRLF file without a final newline, as the real SDKs read them: the JS SDK
// (its own INI parser, which cuts ` #` comments) and botocore (configparser), each running credential_process.
describe('written profiles work with the AWS SDKs', () => {
  it('the JS SDK and botocore both run the credential_process keyless wrote', async () => {
    const {chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const {join} = await import('node:path')
    const {execFileSync} = await import('node:child_process')
    const dir = mkdtempSync(join(tmpdir(), 'keyless-sdk-'))
    try {
      mkdirSync(join(dir, 'key less'))
      const stub = join(dir, 'key less', 'keyless')
      writeFileSync(
        stub,
        '#!/bin/sh\necho \'{"Version":1,"AccessKeyId":"ASIASTUB\'"${4#--account-id=}"\'","SecretAccessKey":"s","SessionToken":"t","Expiration":"2099-01-01T00:00:00Z"}\'\n',
      )
      chmodSync(stub, 0o755)
      const before =
        '# mine\r\n[default]\r\nregion = eu-west-1 # comment\r\ns3 =\r\n  max_concurrent_requests = 20\r\n\r\n; x\r\n[profile dev]\r\noutput = json'
      const wanted = buildWantedProfiles({
        session: 'acme',
        command: stub,
        region: 'us-east-1',
        assignments: [{accountId: '111111111111', accountName: 'sandbox', roleName: 'AdministratorAccess'}],
      })
      const file = join(dir, 'config')
      writeFileSync(file, syncProfiles(before, {session: 'acme', profiles: wanted, prune: false}).text)
      const env: NodeJS.ProcessEnv = {...process.env, AWS_CONFIG_FILE: file, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), HOME: dir}
      for (const k of Object.keys(env)) if (/^AWS_(ACCESS|SECRET|SESSION|PROFILE|DEFAULT_PROFILE)/.test(k)) delete env[k]

      const {fromProcess} = await import('@aws-sdk/credential-providers')
      const saved = process.env.AWS_CONFIG_FILE
      process.env.AWS_CONFIG_FILE = file
      try {
        const creds = await fromProcess({profile: 'sandbox.AdministratorAccess', ignoreCache: true})()
        expect(creds.accessKeyId).toBe('ASIASTUB111111111111')
      } finally {
        if (saved === undefined) delete process.env.AWS_CONFIG_FILE
        else process.env.AWS_CONFIG_FILE = saved
      }

      const py = `
import botocore.session
s = botocore.session.Session(profile='sandbox.AdministratorAccess')
print(s.get_credentials().access_key, s.get_config_variable('region'))
`
      expect(execFileSync('python3', ['-c', py], {env}).toString().trim()).toBe('ASIASTUB111111111111 us-east-1')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
