/**
 * STS AssumeRoleWithWebIdentity on the emulator, as the SDK v3 client (keyless's, and the one inside every SDK's
 * web-identity provider) and the AWS CLI v2 (botocore's sts model) read it: unsigned, checked against the account's
 * IAM OIDC provider and the role's trust policy (created through IAM, as `keyless ci oidc --apply` creates them), and
 * AWS's errors for a forged, expired, wrong-audience or untrusted token.
 */
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runProcess} from '../helpers/cli.js'
import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'
import {webIdentityRole, webIdentityToken} from '../helpers/web-identity.js'

const EKS_ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EMULATOR0000000000000000000000001'
const EKS_HOST = EKS_ISSUER.slice('https://'.length)
const ROLE_ARN = 'arn:aws:iam::111111111111:role/payments-api'
const SUBJECT = 'system:serviceaccount:payments:api'

let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator()
  await webIdentityRole(emulator, EKS_ISSUER, 'payments-api', 'system:serviceaccount:payments:*')
})
afterAll(async () => {
  await emulator.close()
})

const token = (claims: {issuer: string; subject: string; audience?: string; expiresInSeconds?: number}) =>
  webIdentityToken(emulator, claims)

/** The SDK's STS client with no credentials at all: AssumeRoleWithWebIdentity is not signed. */
function assume(webIdentityToken: string, extra: {RoleArn?: string; DurationSeconds?: number} = {}) {
  const sts = new STSClient({region: 'us-east-1', endpoint: emulator.url, credentials: () => Promise.reject(new Error('no credentials'))})
  return sts
    .send(new AssumeRoleWithWebIdentityCommand({RoleArn: ROLE_ARN, RoleSessionName: 'pod-1', WebIdentityToken: webIdentityToken, ...extra}))
    .finally(() => sts.destroy())
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => ({name: 'none', message: '', status: 0}),
    (error: {name: string; message: string; $metadata?: {httpStatusCode?: number}}) => ({
      name: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
    }),
  )

describe('AssumeRoleWithWebIdentity through the SDK v3 client', () => {
  it('a token of the trusted service account: temporary credentials of the role, which STS then knows', async () => {
    const out = await assume(await token({issuer: EKS_ISSUER, subject: SUBJECT}))
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/payments-api/pod-1')
    expect(out.SubjectFromWebIdentityToken).toBe(SUBJECT)
    expect(out.Audience).toBe('sts.amazonaws.com')
    expect(out.Provider).toBe(`arn:aws:iam::111111111111:oidc-provider/${EKS_HOST}`)
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/)
    const lifetime = out.Credentials!.Expiration!.getTime() - Date.now()
    expect(lifetime).toBeGreaterThan(3500_000)
    expect(lifetime).toBeLessThanOrEqual(3600_000)

    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      },
    })
    const caller = await sts.send(new GetCallerIdentityCommand({}))
    sts.destroy()
    expect(caller).toMatchObject({Account: '111111111111', Arn: 'arn:aws:sts::111111111111:assumed-role/payments-api/pod-1'})
    expect(caller.UserId).toMatch(/^AROA[0-9A-Z]+:pod-1$/)
  })

  // The wire codes are STS's (InvalidIdentityToken, ExpiredTokenException...); the SDK names its exception classes
  // after its model's shapes (InvalidIdentityTokenException), found by the awsQueryError code.
  it("refuses what AWS refuses, with AWS's codes, statuses and words", async () => {
    const good = {issuer: EKS_ISSUER, subject: SUBJECT}
    const forged = (await token(good)).replace(/\.[^.]+$/, '.c2lnbmVkLWVsc2V3aGVyZQ')
    expect(await failure(assume(forged))).toEqual({
      name: 'InvalidIdentityTokenException',
      status: 400,
      message:
        'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
    })
    expect(await failure(assume('not-a-jwt'))).toMatchObject({
      name: 'InvalidIdentityTokenException',
      status: 400,
      message: expect.stringMatching(/not a valid JWT/),
    })
    expect(await failure(assume(await token({...good, issuer: 'https://token.actions.githubusercontent.com'})))).toEqual({
      name: 'InvalidIdentityTokenException',
      status: 400,
      message: 'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
    })
    expect(await failure(assume(await token({...good, audience: 'other-app'})))).toEqual({
      name: 'InvalidIdentityTokenException',
      status: 400,
      message: 'Incorrect token audience',
    })
    expect(await failure(assume(await token({...good, expiresInSeconds: -60})))).toMatchObject({
      name: 'ExpiredTokenException',
      status: 400,
      message: expect.stringMatching(/^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/),
    })
    // The trust policy's StringLike on sub: another namespace's service account is refused, as is another role.
    const denied = {name: 'AccessDenied', status: 403, message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity'}
    expect(await failure(assume(await token({...good, subject: 'system:serviceaccount:billing:api'})))).toEqual(denied)
    expect(await failure(assume(await token(good), {RoleArn: 'arn:aws:iam::111111111111:role/other'}))).toEqual(denied)
    // The role's MaxSessionDuration (IAM's default, one hour) bounds the session.
    expect(await failure(assume(await token(good), {DurationSeconds: 7200}))).toEqual({
      name: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    })
    const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as {operations: Record<string, number>}
    expect(stats.operations.AssumeRoleWithWebIdentity).toBe(9) // every call above, refused ones too
  })
})

describe.skipIf(!existsSync('/usr/bin/aws'))('AssumeRoleWithWebIdentity through the AWS CLI v2', () => {
  it("botocore's model reads the answer and the error", async () => {
    const home = mkdtempSync(join(tmpdir(), 'keyless-web-identity-cli-'))
    const cli = async (webIdentityToken: string) =>
      runProcess(
        '/usr/bin/aws',
        [
          ...['sts', 'assume-role-with-web-identity', '--role-arn', ROLE_ARN, '--role-session-name', 'pod-2'],
          ...['--web-identity-token', webIdentityToken, '--endpoint-url', emulator.url, '--region', 'us-east-1', '--output', 'json'],
        ],
        {
          env: {
            PATH: process.env.PATH,
            HOME: home,
            AWS_CONFIG_FILE: join(home, 'config'),
            AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
            AWS_EC2_METADATA_DISABLED: 'true',
          },
          timeoutMs: 60_000,
        },
      )
    const ok = await cli(await token({issuer: EKS_ISSUER, subject: SUBJECT}))
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({
      AssumedRoleUser: {Arn: 'arn:aws:sts::111111111111:assumed-role/payments-api/pod-2'},
      SubjectFromWebIdentityToken: SUBJECT,
      Credentials: {AccessKeyId: expect.stringMatching(/^ASIA/)},
    })
    const refused = await cli(await token({issuer: EKS_ISSUER, subject: 'system:serviceaccount:billing:api'}))
    expect(refused.code).toBe(254)
    expect(refused.stderr).toContain(
      'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    )
  })
})
