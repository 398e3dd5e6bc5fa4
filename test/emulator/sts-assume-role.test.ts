import {AssumeRoleCommand, GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'

// AssumeRole on the emulator through the real SDK client: the caller checked like GetCallerIdentity, AWS's
// validation errors, AccessDenied for a role that does not trust the caller, the role-chaining cap.
let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.close())

const sts = (credentials: {accessKeyId: string; secretAccessKey: string; sessionToken?: string}) =>
  new STSClient({region: 'us-east-1', endpoint: emulator.url, credentials, maxAttempts: 1})

/** SSO role credentials as GetRoleCredentials issues them (in-process state: no sign-in needed here). */
async function ssoRole(accountId: string, roleName: string) {
  const c = emulator.state!.issueRoleCredentials(accountId, roleName)
  return {accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken}
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: {name: string; message: string; $metadata?: {httpStatusCode?: number}}) => ({
      name: e.name,
      message: e.message,
      status: e.$metadata?.httpStatusCode,
    }),
  )

describe('STS AssumeRole', () => {
  it('issues credentials whose identity is the assumed role session', async () => {
    const out = await sts(await ssoRole('111111111111', 'AdministratorAccess')).send(
      new AssumeRoleCommand({RoleArn: 'arn:aws:iam::333333333333:role/Deployer', RoleSessionName: 'ci-run', DurationSeconds: 900}),
    )
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::333333333333:assumed-role/Deployer/ci-run')
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/)
    const expiresIn = out.Credentials!.Expiration!.getTime() - Date.now()
    expect(expiresIn).toBeGreaterThan(800_000)
    expect(expiresIn).toBeLessThanOrEqual(900_000)
    const c = out.Credentials!
    const id = await sts({accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken!}).send(
      new GetCallerIdentityCommand({}),
    )
    expect(id.Arn).toBe('arn:aws:sts::333333333333:assumed-role/Deployer/ci-run')
    expect(await emulator.issued()).toEqual(expect.arrayContaining([c.SecretAccessKey, c.SessionToken]))
  })

  it.each([
    [{RoleSessionName: 's1'}, 'ValidationError', /Value null at 'roleArn' failed to satisfy constraint: Member must not be null/],
    [
      {RoleArn: 'arn:aws:iam::333333333333:role/Deployer', RoleSessionName: 'x'},
      'ValidationError',
      /'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2/,
    ],
    [
      {RoleArn: 'arn:aws:iam::333333333333:role/Deployer', RoleSessionName: 'has space'},
      'ValidationError',
      /Member must satisfy regular expression pattern/,
    ],
    [
      {RoleArn: 'arn:aws:iam::333333333333:role/Deployer', RoleSessionName: 'ok', DurationSeconds: 600},
      'ValidationError',
      /greater than or equal to 900/,
    ],
    [
      {RoleArn: 'arn:aws:iam::333333333333:role/Deployer', RoleSessionName: 'ok', DurationSeconds: 7200},
      'ValidationError',
      /exceeds the 1 hour session limit for roles assumed by role chaining/,
    ],
    [
      {RoleArn: 'arn:aws:iam::333333333333:role/Nope', RoleSessionName: 'ok'},
      'AccessDenied',
      /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role\/Nope/,
    ],
    [{RoleArn: 'arn:aws:iam::111111111111:role/Auditor', RoleSessionName: 'ok'}, 'AccessDenied', /not authorized/],
  ])('%o: %s', async (input, name, message) => {
    const error = await errorOf(sts(await ssoRole('111111111111', 'AdministratorAccess')).send(new AssumeRoleCommand(input as never)))
    expect(error?.name).toBe(name)
    expect(error?.message).toMatch(message)
    expect(error?.status).toBe(name === 'AccessDenied' ? 403 : 400)
  })

  it('ReadOnlyAccess is not trusted by Deployer; the Auditor wants its external id; a wrong secret is refused first', async () => {
    const readOnly = await ssoRole('111111111111', 'ReadOnlyAccess')
    expect(
      (
        await errorOf(
          sts(readOnly).send(new AssumeRoleCommand({RoleArn: 'arn:aws:iam::111111111111:role/Deployer', RoleSessionName: 'ro'})),
        )
      )?.name,
    ).toBe('AccessDenied')
    const auditor = await sts(readOnly).send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/Auditor',
        RoleSessionName: 'audit',
        ExternalId: 'keyless-external-id',
      }),
    )
    expect(auditor.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/Auditor/audit')
    const wrong = await errorOf(
      sts({...readOnly, secretAccessKey: 'wrong'}).send(
        new AssumeRoleCommand({RoleArn: 'arn:aws:iam::111111111111:role/Auditor', RoleSessionName: 'a2'}),
      ),
    )
    expect(wrong?.name).toBe('SignatureDoesNotMatch')
  })
})
