/**
 * IAM on the emulator, checked by the AWS CLI v2 (botocore's own iam model parses every answer and error) and by the
 * SDK v3 client keyless uses: query protocol, XML, URL-encoded policy documents, NoSuchEntity 404,
 * EntityAlreadyExists 409, MalformedPolicyDocument 400, AccessDenied 403, SigV4.
 */
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {GetRoleCommand, IAMClient, ListRolesCommand} from '@aws-sdk/client-iam'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runProcess} from '../helpers/cli.js'
import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'

const AWS = '/usr/bin/aws'
// The Debian AWS CLI 2.9's model still requires a thumbprint (IAM itself has not since 2023).
const THUMBPRINT = ['--thumbprint-list', '6938fd4d98bab03faadb97b34396831e3780aea1']
const ROOT = {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey: 'emulator-root-secret-0000000000000000000'}
const USER = {accessKeyId: 'AKIAEMULATORUSER0001', secretAccessKey: 'emulator-user-secret-0000000000000000000'}
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: {Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com'},
      Action: 'sts:AssumeRoleWithWebIdentity',
    },
  ],
})

let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})

async function aws(args: string[], key = ROOT): Promise<{code: number | null; stdout: string; stderr: string}> {
  const home = mkdtempSync(join(tmpdir(), 'keyless-iam-cli-'))
  return runProcess(AWS, ['iam', ...args, '--endpoint-url', emulator.url, '--output', 'json', '--region', 'us-east-1'], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    timeoutMs: 60_000,
  })
}

describe.skipIf(!existsSync(AWS))('IAM through the AWS CLI', () => {
  it('creates a provider and a role, reads them back, and answers IAM errors as botocore models them', async () => {
    const provider = await aws([
      'create-open-id-connect-provider',
      '--url',
      'https://token.actions.githubusercontent.com',
      '--client-id-list',
      'sts.amazonaws.com',
      ...THUMBPRINT,
    ])
    expect(provider.stderr).toBe('')
    expect(JSON.parse(provider.stdout)).toEqual({
      OpenIDConnectProviderArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    })
    const again = await aws([
      'create-open-id-connect-provider',
      '--url',
      'https://token.actions.githubusercontent.com',
      '--client-id-list',
      'sts.amazonaws.com',
      ...THUMBPRINT,
    ])
    expect(again.code).toBe(254)
    expect(again.stderr).toContain(
      'An error occurred (EntityAlreadyExists) when calling the CreateOpenIDConnectProvider operation: Provider with url https://token.actions.githubusercontent.com already exists.',
    )
    const providers = await aws(['list-open-id-connect-providers'])
    expect(JSON.parse(providers.stdout)).toEqual({
      OpenIDConnectProviderList: [{Arn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com'}],
    })
    const got = await aws([
      'get-open-id-connect-provider',
      '--open-id-connect-provider-arn',
      'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    ])
    expect(JSON.parse(got.stdout)).toMatchObject({Url: 'token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com']})

    const missing = await aws(['get-role', '--role-name', 'deploy'])
    expect(missing.code).toBe(254)
    expect(missing.stderr).toContain(
      'An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name deploy cannot be found.',
    )
    const created = await aws([
      'create-role',
      '--role-name',
      'deploy',
      '--assume-role-policy-document',
      TRUST,
      '--max-session-duration',
      '3600',
    ])
    expect(created.stderr).toBe('')
    // botocore decodes the URL-encoded document into JSON itself.
    expect(JSON.parse(created.stdout).Role).toMatchObject({
      RoleName: 'deploy',
      Arn: 'arn:aws:iam::111111111111:role/deploy',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: JSON.parse(TRUST),
    })
    const duplicate = await aws(['create-role', '--role-name', 'deploy', '--assume-role-policy-document', TRUST])
    expect(duplicate.stderr).toContain(
      'An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name deploy already exists.',
    )
    const malformed = await aws(['create-role', '--role-name', 'other', '--assume-role-policy-document', '{not json'])
    expect(malformed.stderr).toContain('An error occurred (MalformedPolicyDocument) when calling the CreateRole operation')

    expect(
      (await aws(['attach-role-policy', '--role-name', 'deploy', '--policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess'])).code,
    ).toBe(0)
    expect(JSON.parse((await aws(['list-attached-role-policies', '--role-name', 'deploy'])).stdout)).toEqual({
      AttachedPolicies: [{PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess'}],
    })
    expect((await aws(['put-role-policy', '--role-name', 'deploy', '--policy-name', 'extra', '--policy-document', TRUST])).code).toBe(0)
    expect(JSON.parse((await aws(['list-role-policies', '--role-name', 'deploy'])).stdout)).toEqual({PolicyNames: ['extra']})
    const roles = JSON.parse((await aws(['list-roles'])).stdout)
    expect(roles.Roles.map((r: {RoleName: string}) => r.RoleName)).toEqual(['deploy'])
  })

  it("an IAM user's key: GetAccessKeyLastUsed names the user, whose policies can be read", async () => {
    const last = await aws(['get-access-key-last-used', '--access-key-id', USER.accessKeyId], USER)
    expect(JSON.parse(last.stdout).UserName).toBe('terraform-deployer')
    expect(
      JSON.parse((await aws(['list-attached-user-policies', '--user-name', 'terraform-deployer'], USER)).stdout).AttachedPolicies,
    ).toEqual([{PolicyName: 'AmazonS3FullAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess'}])
    expect(JSON.parse((await aws(['list-user-policies', '--user-name', 'terraform-deployer'], USER)).stdout)).toEqual({
      PolicyNames: ['deploy-site'],
    })
    const inline = JSON.parse(
      (await aws(['get-user-policy', '--user-name', 'terraform-deployer', '--policy-name', 'deploy-site'], USER)).stdout,
    )
    expect(inline.PolicyDocument.Statement[0].Action).toBe('cloudfront:CreateInvalidation')
  })

  it('a wrong secret is SignatureDoesNotMatch; an unknown key InvalidClientTokenId', async () => {
    const wrong = await aws(['list-roles'], {...ROOT, secretAccessKey: 'wrong-secret-000000000000000000000000000'})
    expect(wrong.stderr).toContain('(SignatureDoesNotMatch) when calling the ListRoles operation')
    const unknown = await aws(['list-roles'], {accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: ROOT.secretAccessKey})
    expect(unknown.stderr).toContain('(InvalidClientTokenId) when calling the ListRoles operation')
  })
})

describe('IAM through the SDK v3 client', () => {
  it('pages ListRoles with Marker and IsTruncated; GetRole of a missing role is NoSuchEntity', async () => {
    const iam = new IAMClient({region: 'us-east-1', endpoint: emulator.url, credentials: USER, maxAttempts: 1})
    const {CreateRoleCommand} = await import('@aws-sdk/client-iam')
    for (const n of [1, 2, 3]) await iam.send(new CreateRoleCommand({RoleName: `r${n}`, AssumeRolePolicyDocument: TRUST}))
    const first = await iam.send(new ListRolesCommand({MaxItems: 2}))
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['r1', 'r2'])
    expect(first.IsTruncated).toBe(true)
    const second = await iam.send(new ListRolesCommand({MaxItems: 2, Marker: first.Marker}))
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['r3'])
    expect(second.IsTruncated).toBe(false)
    const error = await iam
      .send(new GetRoleCommand({RoleName: 'nope'}))
      .catch((e: {name: string; $metadata: {httpStatusCode: number}}) => e)
    expect(error).toMatchObject({name: 'NoSuchEntityException', $metadata: {httpStatusCode: 404}})
    // POST /_emulator/reset forgets IAM too.
    await emulator.reset()
    expect((await iam.send(new ListRolesCommand({}))).Roles).toEqual([])
    iam.destroy()
  })
})
