import {describe, expect, it} from 'vitest'

import {parseConfigFile, parseCredentialsFile, parseIni, type AwsFiles} from '../../src/identity/aws-files.js'
import {classifyArn} from '../../src/identity/classify.js'
import {awsCliUsesProcessBeforeConfigKey, profileInUse} from '../../src/identity/cli-order.js'
import {explainResolutionError, explainStsError, explainWebIdentityError, missingProfileError} from '../../src/identity/explain.js'
import {buildIdentity, type IdentityInput} from '../../src/identity/identity.js'
import {ProviderTrail} from '../../src/identity/provider-trail.js'
import {colourWanted, renderIdentity, renderWarning} from '../../src/identity/render.js'
import {describeSource, environmentSource} from '../../src/identity/source.js'
import {terraformIdentity} from '../../src/identity/terraform-identity.js'
import {checkAccountIds, verdict} from '../../src/identity/verdict.js'
import {warningsFor, type WarningInput} from '../../src/identity/warnings.js'
import {environmentWebIdentity} from '../../src/identity/web-identity.js'
import {KeylessError} from '../../src/errors.js'

function files(config: string, credentials = ''): AwsFiles {
  return {
    configPath: '/home/me/.aws/config',
    credentialsPath: '/home/me/.aws/credentials',
    ...parseConfigFile(config),
    credentialProfiles: parseCredentialsFile(credentials),
  }
}

const KEYLESS_PROFILE = `[profile sandbox.Admin]
credential_process = "/usr/bin/keyless" credential-process --session acme --account-id 111111111111 --role-name AdministratorAccess
region = eu-west-1
keyless_session = acme
`

describe('AWS files, read as the SDK reads them', () => {
  it('parses profiles, sso-sessions, comments, sub-sections and CRLF', () => {
    const parsed = parseConfigFile(
      '# top\r\n[default]\r\nregion = us-east-1 ; trailing\r\n[profile a]\r\ns3 =\r\n  max_concurrent_requests = 2\r\noutput = json\r\n' +
        '[sso-session acme]\r\nsso_start_url = https://x.awsapps.com/start\r\n[services x]\r\nfoo = bar\r\n[notaprofile]\r\nk = v\r\n',
    )
    expect(parsed.configProfiles).toEqual({
      default: {region: 'us-east-1'},
      a: {'s3.max_concurrent_requests': '2', output: 'json'},
    })
    expect(parsed.ssoSessions).toEqual({acme: {sso_start_url: 'https://x.awsapps.com/start'}})
  })
  it('keeps credentials-file sections by their bare names', () => {
    expect(parseCredentialsFile('[default]\naws_access_key_id = AKIA1\n[ci]\naws_access_key_id=AKIA2\n')).toEqual({
      default: {aws_access_key_id: 'AKIA1'},
      ci: {aws_access_key_id: 'AKIA2'},
    })
  })
  it('ignores keys before any section and __proto__ sections', () => {
    expect(parseIni('a = 1\n[__proto__]\nb = 2\n[x]\nc = 3')).toEqual([['x', {c: '3'}]])
  })
})

describe('describeSource', () => {
  const env = {}
  it('names environment variables, including the session token when set', () => {
    expect(environmentSource({AWS_SESSION_TOKEN: 't'})).toEqual({
      kind: 'environment',
      detail: 'environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN',
    })
    expect(describeSource({features: {CREDENTIALS_ENV_VARS: 'g'}, profile: 'default', files: files(''), env}).kind).toBe('environment')
  })
  it('tells the credentials file from the config file for static keys', () => {
    const f = files('[profile c]\naws_access_key_id = AKIAC\naws_secret_access_key = s\n', '[default]\naws_access_key_id = AKIAD\n')
    expect(describeSource({features: {CREDENTIALS_PROFILE: 'n'}, profile: 'default', files: f, env})).toEqual({
      kind: 'credentials-file',
      profile: 'default',
      detail: 'credentials file /home/me/.aws/credentials, profile [default]',
    })
    expect(describeSource({features: {CREDENTIALS_PROFILE: 'n'}, profile: 'c', files: f, env})).toEqual({
      kind: 'config-file',
      profile: 'c',
      detail: 'config file /home/me/.aws/config, profile [c]',
    })
  })
  it('names credential_process, SSO and assumed-role profiles', () => {
    const f = files(
      KEYLESS_PROFILE + '[profile sso]\nsso_session = acme\n[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = sso\n',
    )
    expect(
      describeSource({features: {CREDENTIALS_PROFILE_PROCESS: 'v', CREDENTIALS_PROCESS: 'w'}, profile: 'sandbox.Admin', files: f, env}),
    ).toEqual({
      kind: 'credential-process',
      profile: 'sandbox.Admin',
      detail: 'credential_process of profile [sandbox.Admin] in /home/me/.aws/config',
    })
    expect(describeSource({features: {CREDENTIALS_PROFILE_SSO: 'r', CREDENTIALS_SSO: 's'}, profile: 'sso', files: f, env}).detail).toBe(
      'SSO profile [sso] (sso-session acme)',
    )
    const assumed = describeSource({
      features: {CREDENTIALS_PROFILE_SSO: 'r', CREDENTIALS_PROFILE_SOURCE_PROFILE: 'o'},
      profile: 'r',
      files: f,
      env,
    })
    expect(assumed).toEqual({kind: 'assume-role', profile: 'r', detail: 'profile [r] assumes arn:aws:iam::1:role/x (source_profile sso)'})
  })
  it('falls back to the SDK order when no feature ids were recorded', () => {
    expect(describeSource({features: undefined, profile: 'sandbox.Admin', files: files(KEYLESS_PROFILE), env}).kind).toBe(
      'credential-process',
    )
    expect(describeSource({features: undefined, profile: 'x', files: files(''), env}).kind).toBe('unknown')
  })
})

function warningInput(overrides: Partial<WarningInput>): WarningInput {
  return {
    principal: classifyArn('arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/demo.user'),
    keyKind: 'temporary',
    maskedKey: 'ASIA************0001',
    source: {kind: 'credential-process', profile: 'sandbox.Admin', detail: 'credential_process of profile [sandbox.Admin]'},
    profile: 'sandbox.Admin',
    profileFromFlag: false,
    files: files(KEYLESS_PROFILE),
    env: {AWS_PROFILE: 'sandbox.Admin'},
    ...overrides,
  }
}
const codes = (input: WarningInput) => warningsFor(input).map((warning) => warning.code)

describe('awsCliUsesProcessBeforeConfigKey: botocore runs credential_process before a config-file key', () => {
  const KEY = 'aws_access_key_id = AKIAEXAMPLEKEY000001\naws_secret_access_key = s\n'
  const uses = (config: string, credentials = '') => awsCliUsesProcessBeforeConfigKey('p', files(config, credentials))
  it('a whole key beside credential_process in the config file: the AWS CLI runs the process', () => {
    expect(uses(`[profile p]\n${KEY}credential_process = cat c.json\n`)).toBe(true)
  })
  it('where the SDK chain and the AWS CLI agree anyway, no', () => {
    // No process, no key, half a key (the JS SDK also runs the process), the key in the credentials file (read first).
    expect(uses(`[profile p]\n${KEY}`)).toBe(false)
    expect(uses(`[profile p]\ncredential_process = cat c.json\n`)).toBe(false)
    expect(uses(`[profile p]\naws_access_key_id = AKIAEXAMPLEKEY000001\ncredential_process = cat c.json\n`)).toBe(false)
    expect(uses(`[profile p]\ncredential_process = cat c.json\n`, `[p]\n${KEY}`)).toBe(false)
    // A role, a web identity or SSO comes before both in the AWS CLI.
    expect(
      uses(`[profile p]\n${KEY}credential_process = cat c.json\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = q\n`),
    ).toBe(false)
    expect(uses(`[profile p]\n${KEY}credential_process = cat c.json\nsso_account_id = 111111111111\nsso_role_name = R\n`)).toBe(false)
  })
})

describe('warningsFor', () => {
  it('has nothing to say about an SSO role from a clean keyless profile', () => {
    expect(warningsFor(warningInput({}))).toEqual([])
  })
  it('warns loudest about the root, then its long-term key (naming the variable)', () => {
    const warnings = warningsFor(
      warningInput({
        principal: classifyArn('arn:aws:iam::111111111111:root'),
        keyKind: 'long-term',
        maskedKey: 'AKIA************0001',
        source: environmentSource({}),
        env: {},
      }),
    )
    expect(warnings.map((w) => w.code)).toEqual(['root', 'long-term-key'])
    expect(warnings[0]!.message).toMatch(/^you are the account root of 111111111111/)
    expect(warnings[1]!.message).toContain(
      'AKIA************0001 is a long-term access key that never expires (from environment variable AWS_ACCESS_KEY_ID)',
    )
    expect(warnings[1]!.message).toMatch(/; keyless audit finds every other long-term key on this machine$/)
  })
  it('names the file of a long-term key from a profile', () => {
    const source = {
      kind: 'credentials-file' as const,
      profile: 'default',
      detail: 'credentials file /home/me/.aws/credentials, profile [default]',
    }
    const [warning] = warningsFor(
      warningInput({principal: classifyArn('arn:aws:iam::222222222222:user/terraform-deployer'), keyKind: 'long-term', source}),
    )
    expect(warning!.message).toContain('(from credentials file /home/me/.aws/credentials, profile [default])')
  })
  it('warns when environment keys override AWS_PROFILE, but not when --profile picked the profile', () => {
    expect(codes(warningInput({source: environmentSource({}), env: {AWS_PROFILE: 'sandbox.Admin'}}))).toEqual(['env-overrides-profile'])
    expect(codes(warningInput({source: environmentSource({}), env: {}}))).toEqual([])
    expect(codes(warningInput({profileFromFlag: true}))).toEqual([])
  })
  it('AWS_DEFAULT_PROFILE: where the AWS CLI, Terraform, boto3 and the JavaScript SDK part ways, and keys that override it', () => {
    const only = warningsFor(warningInput({profile: 'prod', env: {AWS_DEFAULT_PROFILE: 'prod'}}))
    expect(only.map((w) => w.code)).toEqual(['default-profile-variable'])
    expect(only[0]!.message).toBe(
      'profile [prod] comes from AWS_DEFAULT_PROFILE, which the AWS CLI, Terraform and boto3 read but the AWS SDK for JavaScript (the CDK, ...) ignores: it uses [default]; run: export AWS_PROFILE=prod; unset AWS_DEFAULT_PROFILE',
    )
    const both = warningsFor(warningInput({profile: 'dev', env: {AWS_PROFILE: 'dev', AWS_DEFAULT_PROFILE: 'prod'}}))
    expect(both.map((w) => w.message)).toEqual([
      'AWS_PROFILE=dev and AWS_DEFAULT_PROFILE=prod differ: the AWS CLI and Terraform use [dev], boto3 and the tools built on it [prod]; run: unset AWS_DEFAULT_PROFILE',
    ])
    // The two naming the same profile, or --profile naming it: every tool agrees.
    expect(codes(warningInput({profile: 'dev', env: {AWS_PROFILE: 'dev', AWS_DEFAULT_PROFILE: 'dev'}}))).toEqual([])
    expect(codes(warningInput({profile: 'dev', profileFromFlag: true, env: {AWS_DEFAULT_PROFILE: 'prod'}}))).toEqual([])
    // Keys in the environment win over it as over AWS_PROFILE.
    const keys = warningsFor(warningInput({source: environmentSource({}), env: {AWS_DEFAULT_PROFILE: 'prod'}}))
    expect(keys.map((w) => w.code)).toEqual(['env-overrides-profile'])
    expect(keys[0]!.message).toMatch(/^AWS_ACCESS_KEY_ID in the environment overrides AWS_DEFAULT_PROFILE=prod: /)
  })
  it('the profile in use: --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, default', () => {
    expect(profileInUse('flag', {AWS_PROFILE: 'a', AWS_DEFAULT_PROFILE: 'b'})).toEqual({name: 'flag', origin: '--profile'})
    expect(profileInUse(undefined, {AWS_PROFILE: 'a', AWS_DEFAULT_PROFILE: 'b'})).toEqual({name: 'a', origin: 'AWS_PROFILE'})
    expect(profileInUse(undefined, {AWS_PROFILE: '', AWS_DEFAULT_PROFILE: 'b'})).toEqual({name: 'b', origin: 'AWS_DEFAULT_PROFILE'})
    expect(profileInUse(undefined, {})).toEqual({name: 'default', origin: 'default'})
  })
  it('warns when the credentials file shadows the config profile of the same name', () => {
    const shadowed = files(KEYLESS_PROFILE, '[sandbox.Admin]\naws_access_key_id = AKIAOLD\naws_secret_access_key = s\n')
    const source = {kind: 'credentials-file' as const, profile: 'sandbox.Admin', detail: 'credentials file'}
    const warnings = warningsFor(warningInput({files: shadowed, source, keyKind: 'long-term', maskedKey: 'AKIA***'}))
    expect(warnings.map((w) => w.code)).toEqual(['long-term-key', 'credentials-file-shadows-profile'])
    expect(warnings[1]!.message).toContain('profile [sandbox.Admin] in the credentials file /home/me/.aws/credentials shadows')
    // A config profile that only sets a region is not shadowed by keys of the same name.
    const regionOnly = files('[default]\nregion = us-east-1\n', '[default]\naws_access_key_id = AKIAD\n')
    expect(codes(warningInput({files: regionOnly, profile: 'default', source: {...source, profile: 'default'}}))).toEqual([])
  })
  it('warns on Windows when HOME and USERPROFILE name different folders (platform injected)', () => {
    const env = {HOME: 'C:\\Users\\me\\gitbash', USERPROFILE: 'C:\\Users\\me'}
    expect(codes(warningInput({env, platform: 'win32'}))).toEqual(['home-differs'])
    expect(codes(warningInput({env, platform: 'linux'}))).toEqual([])
    expect(codes(warningInput({env: {HOME: 'C:\\Users\\me', USERPROFILE: 'C:\\Users\\me'}, platform: 'win32'}))).toEqual([])
  })
  it('warns when sso_* keys shadow credential_process', () => {
    const mixed = files(KEYLESS_PROFILE + 'sso_session = acme\nsso_account_id = 111111111111\n')
    const [warning] = warningsFor(warningInput({files: mixed}))
    expect(warning!.code).toBe('sso-keys-shadow-credential-process')
    expect(warning!.message).toContain('remove the sso_* keys from [profile sandbox.Admin] in /home/me/.aws/config')
  })
})

function identityInput(overrides: Partial<IdentityInput>): IdentityInput {
  return {
    caller: {Account: '111111111111', Arn: 'arn:aws:iam::111111111111:root', UserId: '111111111111'},
    accessKeyId: 'AKIAEMULATORROOT0001',
    hasSessionToken: false,
    source: environmentSource({}),
    profile: 'default',
    profileFromFlag: false,
    files: files(''),
    env: {},
    ...overrides,
  }
}

describe('buildIdentity', () => {
  it('gives the JSON contract for a root key from the environment (no expiresAt for long-term keys)', () => {
    expect(buildIdentity(identityInput({}))).toEqual({
      account: '111111111111',
      arn: 'arn:aws:iam::111111111111:root',
      userId: '111111111111',
      principalKind: 'root',
      keyKind: 'long-term',
      accessKeyId: 'AKIA************0001',
      source: 'environment',
      sourceDetail: 'environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
      profile: null,
      warnings: [expect.objectContaining({code: 'root'}), expect.objectContaining({code: 'long-term-key'})],
    })
  })
  it('gives expiresAt for temporary credentials (null when unknown)', () => {
    const sso = identityInput({
      caller: {
        Account: '111111111111',
        Arn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/demo.user',
        UserId: 'AROA:demo.user',
      },
      accessKeyId: 'ASIAEXAMPLE000000001',
      hasSessionToken: true,
      expiration: new Date('2030-01-01T00:00:00Z'),
    })
    const identity = buildIdentity(sso)
    expect(identity).toMatchObject({
      principalKind: 'sso-role',
      keyKind: 'temporary',
      expiresAt: '2030-01-01T00:00:00.000Z',
      principalName: 'Admin',
      sessionName: 'demo.user',
    })
    expect(buildIdentity({...sso, expiration: undefined}).expiresAt).toBeNull()
  })
})

describe('verdict', () => {
  const root = buildIdentity(identityInput({}))
  const sso = buildIdentity(
    identityInput({
      caller: {Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_P_0123456789abcdef/demo.user'},
      accessKeyId: 'ASIAX0000000000000001',
      hasSessionToken: true,
    }),
  )
  const user = buildIdentity(
    identityInput({
      caller: {Account: '222222222222', Arn: 'arn:aws:iam::222222222222:user/terraform-deployer'},
      accessKeyId: 'AKIAEMULATORUSER0001',
    }),
  )
  it('passes anything without --strict or --expect-account', () => {
    expect(verdict(root, {strict: false, expectAccounts: []})).toBeUndefined()
  })
  it('exits 3 under --strict for root and for a long-term key, never for SSO roles', () => {
    expect(verdict(root, {strict: true, expectAccounts: []})?.exitCode).toBe(3)
    expect(verdict(user, {strict: true, expectAccounts: []})?.toLine()).toMatch(
      /^keyless: refusing: AKIA\*{12}0001 is a long-term access key from .*; use short-lived/,
    )
    expect(verdict(sso, {strict: true, expectAccounts: []})).toBeUndefined()
  })
  it('exits 3 under --strict for an SSO role whose profile also holds a long-term key (Terraform takes the key)', () => {
    const both = (credentials: string) =>
      buildIdentity(
        identityInput({
          caller: {Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_P_0123456789abcdef/demo.user'},
          accessKeyId: 'ASIAX0000000000000001',
          hasSessionToken: true,
          source: {kind: 'sso', profile: 'default', detail: 'SSO of profile [default]'},
          files: files('[default]\nsso_session = acme\nsso_account_id = 222222222222\nsso_role_name = P\n', credentials),
        }),
      )
    const withKey = both('[default]\naws_access_key_id = AKIAEMULATORUSER0001\naws_secret_access_key = s\n')
    expect(withKey.warnings.map((w) => w.code)).toEqual(['terraform-uses-long-term-key'])
    expect(withKey.warnings[0]!.message).toBe(
      'profile [default] has sso_* keys and the long-term key AKIA************0001 (in /home/me/.aws/credentials): the AWS CLI and boto3 ' +
        'use its SSO role, but Terraform and the AWS SDKs for Go and JavaScript (the CDK, ...) use the key; ' +
        'remove it from [default] in /home/me/.aws/credentials (keyless audit --fix), then deactivate it in IAM',
    )
    expect(verdict(withKey, {strict: false, expectAccounts: []})).toBeUndefined()
    expect(verdict(withKey, {strict: true, expectAccounts: []})?.exitCode).toBe(3)
    // A temporary key beside SSO expires by itself; no key at all is the clean case.
    expect(both('[default]\naws_access_key_id = ASIAOLD0000000000001\n').warnings).toEqual([])
    expect(verdict(both(''), {strict: true, expectAccounts: []})).toBeUndefined()
  })
  it('exits 4 when the account is not one of --expect-account, before --strict', () => {
    expect(verdict(sso, {strict: true, expectAccounts: ['111111111111', '222222222222']})).toBeUndefined()
    const wrong = verdict(root, {strict: true, expectAccounts: ['222222222222']})
    expect(wrong?.exitCode).toBe(4)
    expect(wrong?.message).toBe('these credentials are for account 111111111111, not 222222222222 (--expect-account)')
  })
  it('exits 4 when Terraform would take other credentials in another account (or one it cannot confirm)', async () => {
    const deployFiles = files('[profile deploy]\nrole_arn = arn:aws:iam::111111111111:role/Deployer\nsource_profile = admin\n')
    const webIdentityEnv = {AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', AWS_ROLE_ARN: 'arn:aws:iam::333333333333:role/payments-api'}
    const assumed = buildIdentity(
      identityInput({
        caller: {Account: '111111111111', Arn: 'arn:aws:sts::111111111111:assumed-role/Deployer/deploy'},
        accessKeyId: 'ASIAX0000000000000001',
        hasSessionToken: true,
        source: {kind: 'assume-role', profile: 'deploy', detail: 'role_arn of profile [deploy]'},
        profile: 'deploy',
        files: deployFiles,
        env: webIdentityEnv,
      }),
    )
    expect(assumed.warnings.map((w) => w.code)).toEqual(['terraform-uses-web-identity'])
    // No call: the role ARN names its account.
    const context = {profile: 'deploy', files: deployFiles, env: webIdentityEnv}
    assumed.terraform = await terraformIdentity(assumed.warnings, context)
    expect(assumed.terraform).toEqual({
      source: 'web-identity',
      account: '333333333333',
      roleArn: 'arn:aws:iam::333333333333:role/payments-api',
    })
    expect(verdict(assumed, {strict: true, expectAccounts: []})).toBeUndefined()
    expect(verdict(assumed, {strict: false, expectAccounts: ['111111111111', '333333333333']})).toBeUndefined()
    const wrong = verdict(assumed, {strict: false, expectAccounts: ['111111111111']})
    expect(wrong?.exitCode).toBe(4)
    expect(wrong?.toLine()).toBe(
      "keyless: Terraform and the AWS SDK for Go would use the web identity's role AWS_ROLE_ARN=arn:aws:iam::333333333333:role/payments-api, " +
        'in account 333333333333, not 111111111111 (--expect-account); run: unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN, or set the profile in the Terraform provider block',
    )
    const garbled = await terraformIdentity(assumed.warnings, {...context, env: {...webIdentityEnv, AWS_ROLE_ARN: 'payments-api'}})
    expect(garbled).toMatchObject({account: null, unconfirmed: 'AWS_ROLE_ARN is not a role ARN'})
    expect(verdict({...assumed, terraform: garbled}, {strict: false, expectAccounts: ['111111111111']})?.exitCode).toBe(4)

    // The profile's long-term key: STS is asked whose it is, only when a caller gives identifyKey (--expect-account).
    const keyFiles = files(
      '[default]\nsso_session = acme\nsso_account_id = 111111111111\nsso_role_name = P\n',
      '[default]\naws_access_key_id = AKIAEMULATORUSER0001\naws_secret_access_key = user-secret\n',
    )
    const sso = buildIdentity(
      identityInput({
        caller: {Account: '111111111111', Arn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_P_0123456789abcdef/demo.user'},
        accessKeyId: 'ASIAX0000000000000001',
        hasSessionToken: true,
        source: {kind: 'sso', profile: 'default', detail: 'SSO of profile [default]'},
        files: keyFiles,
      }),
    )
    const asked: string[] = []
    const keyContext = {profile: 'default', files: keyFiles, env: {}}
    expect(await terraformIdentity(sso.warnings, keyContext)).toEqual({
      source: 'long-term-key',
      account: null,
      accessKeyId: 'AKIA************0001',
    })
    const identified = await terraformIdentity(sso.warnings, {
      ...keyContext,
      identifyKey: async (key) => {
        asked.push(`${key.accessKeyId}:${key.secretAccessKey}`)
        return {account: '222222222222'}
      },
    })
    expect(asked).toEqual(['AKIAEMULATORUSER0001:user-secret'])
    expect(verdict({...sso, terraform: identified}, {strict: false, expectAccounts: ['111111111111']})?.toLine()).toBe(
      'keyless: Terraform and the AWS SDK for Go would use the long-term key AKIA************0001 of profile [default], in account 222222222222, ' +
        'not 111111111111 (--expect-account); remove the key from [default] (keyless audit --fix), then deactivate it in IAM',
    )
    const rejected = await terraformIdentity(sso.warnings, {
      ...keyContext,
      identifyKey: async () => {
        throw Object.assign(new Error('The security token included in the request is invalid.'), {name: 'InvalidClientTokenId'})
      },
    })
    expect(verdict({...sso, terraform: rejected}, {strict: false, expectAccounts: ['111111111111']})?.toLine()).toBe(
      'keyless: cannot confirm the account Terraform would use: it takes the long-term key AKIA************0001 of profile [default], ' +
        'and STS did not identify it (InvalidClientTokenId) (--expect-account); remove the key from [default] (keyless audit --fix), then deactivate it in IAM',
    )
    // Where Terraform takes what the AWS CLI takes, there is nothing more to check.
    expect(await terraformIdentity(buildIdentity(identityInput({})).warnings, keyContext)).toBeUndefined()
  })
  it('rejects an --expect-account that is not an account id as a usage error', () => {
    expect(checkAccountIds(['111111111111'])).toEqual(['111111111111'])
    expect(() => checkAccountIds(['1111'])).toThrow(expect.objectContaining({exitCode: 2}))
  })
})

describe('explaining failures in one line', () => {
  const source = environmentSource({})
  const call = {maskedKey: 'AKIA************0001', source, endpoint: 'http://127.0.0.1:1'}
  it.each([
    [
      {name: 'ExpiredToken', message: 'The security token included in the request is expired'},
      /^keyless: the temporary credentials AKIA\*+0001 \(from environment variables .*\) have expired; export fresh credentials/,
    ],
    [{name: 'InvalidClientTokenId', message: 'x'}, /^keyless: AWS does not recognise access key AKIA\*+0001 .*; unset AWS_ACCESS_KEY_ID/],
    [
      {name: 'SignatureDoesNotMatch', message: 'x'},
      /^keyless: the secret access key paired with AKIA\*+0001 .* is wrong.*; export the matching AWS_SECRET_ACCESS_KEY/,
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}),
      /^keyless: cannot reach STS at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\); check the network/,
    ],
    [
      {name: 'Weird', message: 'first\nsecond', $metadata: {httpStatusCode: 500}},
      /^keyless: STS GetCallerIdentity failed: Weird \(HTTP 500\): first; check/,
    ],
  ])('%o', (error, line) => {
    const explained = explainStsError(error, call)
    expect(explained.toLine()).toMatch(line)
    expect(explained.toLine()).not.toContain('\n')
    expect(explained.exitCode).toBe(1)
  })
  const f = files(KEYLESS_PROFILE)
  const context = {profile: 'sandbox.Admin', profileExplicit: true, files: f}
  it('relays the last stderr line of a failed credential_process', () => {
    const error = new Error(
      'Command failed: keyless credential-process --session acme\nkeyless: SSO session "acme" has expired; run: keyless login --session acme\n',
    )
    expect(explainResolutionError(error, context).toLine()).toBe(
      'keyless: credential_process of profile [sandbox.Admin] failed: SSO session "acme" has expired; run: keyless login --session acme',
    )
  })
  it('sends an expired or missing AWS CLI SSO login to aws sso login', () => {
    const error = new Error(
      "The SSO session token associated with profile=s was not found or is invalid. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
    )
    expect(explainResolutionError(error, {...context, profile: 's'}).toLine()).toBe(
      'keyless: the SSO session of profile [s] has expired or is missing; run: aws sso login --profile s',
    )
  })
  it('says no credentials were found, and names a missing profile with the ones that exist', () => {
    const none = explainResolutionError(new Error('Could not load credentials from any providers'), {
      ...context,
      profile: 'default',
      profileExplicit: false,
    })
    expect(none.toLine()).toMatch(
      /^keyless: no AWS credentials found \(no AWS_ACCESS_KEY_ID in the environment, no usable profile \[default\]/,
    )
    expect(missingProfileError({...context, profile: 'nope'})?.toLine()).toBe(
      'keyless: profile [nope] is not in /home/me/.aws/config or /home/me/.aws/credentials; use one of: sandbox.Admin',
    )
    expect(missingProfileError(context)).toBeUndefined()
    expect(missingProfileError({...context, profile: 'nope', profileExplicit: false})).toBeUndefined()
  })
})

describe('ProviderTrail', () => {
  it('keeps the first failure of the profile links of the SDK chain', () => {
    const trail = new ProviderTrail()
    trail.debug('@smithy/property-provider -> AWS_PROFILE is set, skipping fromEnv provider.')
    trail.debug('@aws-sdk/credential-provider-node - defaultProvider::fromIni')
    trail.debug('@smithy/property-provider -> Command failed: x\nboom')
    trail.debug('@aws-sdk/credential-provider-node - defaultProvider::fromProcess')
    trail.debug('@smithy/property-provider -> second')
    expect(trail.profileFailure()).toBe('Command failed: x\nboom')
    const quiet = new ProviderTrail()
    quiet.debug('@aws-sdk/credential-provider-node - defaultProvider::fromIni')
    quiet.debug('@smithy/property-provider -> Profile default could not be found or parsed in shared credentials file.')
    expect(quiet.profileFailure()).toBeUndefined()
  })
})

describe('render', () => {
  it('prints one fact per line, with time left for temporary credentials', () => {
    const identity = buildIdentity(
      identityInput({
        caller: {
          Account: '111111111111',
          Arn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/demo.user',
          UserId: 'AROA:demo.user',
        },
        accessKeyId: 'ASIAEXAMPLE000000001',
        hasSessionToken: true,
        expiration: new Date('2025-01-01T13:00:00Z'),
        source: {kind: 'credential-process', profile: 'sandbox.Admin', detail: 'credential_process of profile [sandbox.Admin] in /c'},
      }),
    )
    expect(renderIdentity(identity, new Date('2025-01-01T12:15:00Z'))).toBe(
      [
        'account     111111111111',
        'arn         arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/demo.user',
        'user id     AROA:demo.user',
        'principal   sso-role (permission set Admin as demo.user)',
        'access key  ASIA************0001 (temporary)',
        'source      credential_process of profile [sandbox.Admin] in /c',
        'expires     45m left (2025-01-01T13:00:00.000Z)',
        '',
      ].join('\n'),
    )
  })
  it('colours warnings only when asked, the root one loudest', () => {
    expect(renderWarning({code: 'long-term-key', message: 'm'}, false)).toBe('keyless: warning: m')
    expect(renderWarning({code: 'root', message: 'm'}, false)).toBe('keyless: DANGER: m')
    expect(renderWarning({code: 'root', message: 'm'}, true)).toBe('\u001B[1;7;31mkeyless: DANGER: m\u001B[0m')
    expect(renderWarning({code: 'long-term-key', message: 'm'}, true)).toBe('\u001B[31mkeyless: warning: m\u001B[0m')
    expect(colourWanted({}, true, true)).toBe(true)
    expect(colourWanted({NO_COLOR: '1'}, true, true)).toBe(false)
    expect(colourWanted({}, false, true)).toBe(false)
    expect(colourWanted({}, true, false)).toBe(false)
  })
})

describe('parseWhoamiArgs (the fast path without oclif)', () => {
  it('reads the flags of `keyless whoami`', async () => {
    const {parseWhoamiArgs} = await import('../../src/identity/main.js')
    expect(parseWhoamiArgs([], {})).toEqual({profile: undefined, strict: false, expectAccounts: [], json: false, debug: false})
    expect(
      parseWhoamiArgs(
        ['--profile=p', '--strict', '--expect-account', '111111111111', '--expect-account=222222222222', '--json', '--debug'],
        {},
      ),
    ).toEqual({profile: 'p', strict: true, expectAccounts: ['111111111111', '222222222222'], json: true, debug: true})
    expect(parseWhoamiArgs([], {KEYLESS_CONTENT_TYPE: 'JSON'}).json).toBe(true)
  })
  it('turns anything else into a one-line usage error with exit 2', async () => {
    const {parseWhoamiArgs} = await import('../../src/identity/main.js')
    for (const argv of [['--nope'], ['extra'], ['--profile'], ['--profile', '']]) {
      expect(() => parseWhoamiArgs(argv, {})).toThrow(expect.objectContaining({exitCode: 2}))
    }
  })
})

describe('environmentWebIdentity: the web identity of the environment, in the AWS CLI order', () => {
  const env = {AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', AWS_ROLE_ARN: 'arn:aws:iam::111111111111:role/app'}
  const config = files(
    '[profile deploy]\nrole_arn = arn:aws:iam::111111111111:role/Deployer\nsource_profile = admin\n' +
      '[profile pod]\nrole_arn = arn:aws:iam::111111111111:role/pod\nweb_identity_token_file = /other\nrole_session_name = from-profile\n' +
      '[profile sso]\nsso_session = acme\nsso_account_id = 111111111111\nsso_role_name = Admin\n',
  )
  it('before the profile: SSO or keys, [default], any profile without a role_arn of its own', () => {
    expect(environmentWebIdentity('sso', false, config, env)).toEqual({tokenFile: '/var/run/token', roleArn: env.AWS_ROLE_ARN})
    expect(environmentWebIdentity('default', false, config, {...env, AWS_ROLE_SESSION_NAME: 'pod-1'})).toEqual({
      tokenFile: '/var/run/token',
      roleArn: env.AWS_ROLE_ARN,
      sessionName: 'pod-1',
    })
  })
  it('not at all: without a token file, with --profile, or for a profile that assumes a role of its own', () => {
    expect(environmentWebIdentity('sso', false, config, {AWS_ROLE_ARN: env.AWS_ROLE_ARN})).toBeUndefined()
    expect(environmentWebIdentity('sso', true, config, env)).toBeUndefined()
    expect(environmentWebIdentity('deploy', false, config, env)).toBeUndefined()
  })
  it("each setting the environment's, else the web identity profile's (botocore); no role at all fails in one line", () => {
    expect(environmentWebIdentity('pod', false, config, {AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token'})).toEqual({
      tokenFile: '/var/run/token',
      roleArn: 'arn:aws:iam::111111111111:role/pod',
      sessionName: 'from-profile',
    })
    let thrown: unknown
    try {
      environmentWebIdentity('sso', false, config, {AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token'})
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(KeylessError)
    expect(thrown).toMatchObject({
      message: 'AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: the AWS CLI and Terraform fail here',
      fix: 'set AWS_ROLE_ARN to the role to assume, or unset AWS_WEB_IDENTITY_TOKEN_FILE',
    })
  })
  it("STS's refusals, each with its fix; the token is never part of the message", () => {
    const identity = {tokenFile: '/var/run/token', roleArn: env.AWS_ROLE_ARN}
    const refused = (name: string, message: string) =>
      explainWebIdentityError(Object.assign(new Error(message), {name, $metadata: {httpStatusCode: 400}}), identity)
    expect(refused('ExpiredTokenException', 'Token expired: current date/time 2 must be before 1').message).toBe(
      `STS refused the web identity token in /var/run/token for ${env.AWS_ROLE_ARN}: the token has expired`,
    )
    expect(refused('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity').fix).toMatch(/trust policy/)
    expect(refused('InvalidIdentityTokenException', 'Incorrect token audience').message).toMatch(/: Incorrect token audience$/)
    const unreachable = explainWebIdentityError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}),
      identity,
    )
    expect(unreachable.message).toBe(`cannot reach STS to assume ${env.AWS_ROLE_ARN} with the web identity token (ECONNREFUSED)`)
  })
})

describe('terraform-uses-web-identity', () => {
  const assumed = {kind: 'assume-role' as const, profile: 'deploy', detail: 'profile [deploy] assumes a role'}
  it('an assumed-role profile beside a web identity in the environment: the AWS CLI takes the profile, Terraform the token', () => {
    const env = {AWS_PROFILE: 'deploy', AWS_WEB_IDENTITY_TOKEN_FILE: '/t', AWS_ROLE_ARN: 'arn:aws:iam::1:role/app'}
    const warnings = warningsFor(warningInput({source: assumed, profile: 'deploy', env}))
    expect(warnings.map((w) => w.code)).toEqual(['terraform-uses-web-identity'])
    expect(warnings[0]!.message).toContain('(AWS_ROLE_ARN=arn:aws:iam::1:role/app) first')
  })
  it('not with --profile (a profile set in Terraform is taken first there too), nor without a token', () => {
    const env = {AWS_WEB_IDENTITY_TOKEN_FILE: '/t'}
    expect(warningsFor(warningInput({source: assumed, profile: 'deploy', profileFromFlag: true, env}))).toEqual([])
    expect(warningsFor(warningInput({source: assumed, profile: 'deploy', env: {}}))).toEqual([])
  })
})
