import {describe, expect, it} from 'vitest'

import {serverShadow, serverShadowError, servesSameRole, type ShadowFiles} from '../../src/exec/server-shadow.js'

// What would answer an AWS tool before exec --server's endpoint (issue 21 item 1), file texts in, verdict out.

const env = {HOME: '/home/u'}
const files = (over: Partial<ShadowFiles> = {}): ShadowFiles => ({env, config: '', credentials: '', read: () => undefined, ...over})
const where = (over: Partial<ShadowFiles>) => {
  const s = serverShadow(files(over))
  return s && `${s.where} (${s.holds})`
}

describe('serverShadow', () => {
  it('nothing, or a [default] of settings only, or credentials only in named profiles: no shadow', () => {
    expect(serverShadow(files())).toBeUndefined()
    expect(where({config: '[default]\nregion = eu-west-1\noutput = json\ns3 =\n  max_concurrent_requests = 20\n'})).toBeUndefined()
    expect(where({credentials: '[dev]\naws_access_key_id = AKIA1\naws_secret_access_key = x\n'})).toBeUndefined()
    expect(where({config: '[profile dev]\nsso_session = acme\nsso_account_id = 1\nsso_role_name = R\n'})).toBeUndefined()
  })

  it('names the first source in botocore order, with what it holds', () => {
    expect(where({credentials: '[default]\naws_access_key_id = AKIA1\naws_secret_access_key = x\n'})).toBe(
      '[default] in ~/.aws/credentials (static keys)',
    )
    expect(where({config: '[default]\ncredential_process = /bin/creds\n'})).toBe('[default] in ~/.aws/config (credential_process)')
    expect(where({config: '[profile default]\nsso_session = acme\n'})).toBe('[default] in ~/.aws/config (sso_session)')
    expect(where({config: '[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n'})).toBe(
      '[default] in ~/.aws/config (role_arn, source_profile)',
    )
    // SSO in the config file comes before the credentials file's keys (botocore's SSOProvider runs first).
    expect(
      where({
        config: '[default]\nsso_session = acme\nsso_account_id = 1\nsso_role_name = R\n',
        credentials: '[default]\naws_access_key_id = AKIA1\naws_secret_access_key = x\n',
      }),
    ).toBe('[default] in ~/.aws/config (sso_session, sso_account_id, sso_role_name)')
    // The credentials file's keys come before the config file's credential_process.
    expect(where({config: '[default]\ncredential_process = /bin/creds\n', credentials: '[default]\nAWS_ACCESS_KEY_ID = AKIA1\n'})).toBe(
      '[default] in ~/.aws/credentials (static keys)',
    )
    expect(where({env: {...env, AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds'}, credentials: '[default]\naws_session_token = t\n'})).toBe(
      '[default] in /etc/aws/creds (static keys)',
    )
  })

  it("botocore's own late sources: AWS_CREDENTIAL_FILE and the boto config ([Credentials] only)", () => {
    const read = (texts: Record<string, string>) => (path: string) => texts[path]
    expect(
      where({env: {...env, AWS_CREDENTIAL_FILE: '~/ec2.cred'}, read: read({'/home/u/ec2.cred': 'AWSAccessKeyId=AKIA1\nAWSSecretKey=x\n'})}),
    ).toBe('AWS_CREDENTIAL_FILE (~/ec2.cred) (static keys)')
    expect(where({read: read({'/home/u/.boto': '[Credentials]\naws_access_key_id = AKIA1\naws_secret_access_key = x\n'})})).toBe(
      '[Credentials] in ~/.boto (static keys)',
    )
    expect(where({read: read({'/home/u/.boto': '[Credentials]\ngs_access_key_id = GOOG1\n'})})).toBeUndefined()
    expect(
      where({env: {...env, BOTO_CONFIG: '/srv/boto.cfg'}, read: read({'/home/u/.boto': '[Credentials]\naws_access_key_id = A\n'})}),
    ).toBe(undefined)
    const s = serverShadow(files({read: read({'/home/u/.boto': '[Credentials]\naws_access_key_id = A\n'})}))!
    expect(s.readers).toBe('the AWS CLI and boto3')
  })

  it("[default] that is keyless's own profile: the same role is served, another is refused", () => {
    const config = `[default]\ncredential_process = "/usr/bin/keyless" credential-process --session acme --account-id 333333333333 --role-name ReadOnlyAccess\nregion = us-east-1\nkeyless_session = acme\n`
    const s = serverShadow(files({config}))!
    expect(s.keylessRole).toEqual({session: 'acme', accountId: '333333333333', roleName: 'ReadOnlyAccess'})
    expect(servesSameRole(s, {session: 'acme', accountId: '333333333333', roleName: 'ReadOnlyAccess'})).toBe(true)
    expect(servesSameRole(s, {session: 'acme', accountId: '111111111111', roleName: 'ReadOnlyAccess'})).toBe(false)
    expect(serverShadowError(s, 'sandbox.ReadOnlyAccess').toLine()).toBe(
      "keyless: exec --server would run the command with [default] in ~/.aws/config (keyless's profile of 333333333333/ReadOnlyAccess), not sandbox.ReadOnlyAccess: the AWS CLI and every AWS SDK read it before the endpoint; run the same exec without --server (keys in the environment win over any profile), or move those keys out of [default] in ~/.aws/config",
    )
  })

  it('the refusal for a static key points at audit --fix', () => {
    const s = serverShadow(files({credentials: '[default]\naws_access_key_id = AKIA1\naws_secret_access_key = x\n'}))!
    expect(serverShadowError(s, 'production.ReadOnlyAccess').toLine()).toBe(
      'keyless: exec --server would run the command with [default] in ~/.aws/credentials (static keys), not production.ReadOnlyAccess: the AWS CLI and every AWS SDK read it before the endpoint; run the same exec without --server (keys in the environment win over any profile), or remove the key: keyless audit --fix',
    )
  })
})
