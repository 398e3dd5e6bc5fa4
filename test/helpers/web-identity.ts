/**
 * An OIDC workload on the emulator (an EKS cluster's service accounts, GitHub Actions): its IAM side, made through
 * IAM's own API as a cluster's owner or `keyless ci oidc --apply` makes it, and its tokens.
 */
import {CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient} from '@aws-sdk/client-iam'

import type {EmulatorHandle} from './emulator.js'

/** The account roots of the emulator's fixture (its static identities), which may write IAM. */
const ROOTS = {
  '111111111111': {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey: 'emulator-root-secret-0000000000000000000'},
  '333333333333': {accessKeyId: 'AKIAEMULATORROOT0003', secretAccessKey: 'emulator-root-secret-3333333333333333333'},
}

/**
 * In `account` (111111111111 unless named): the IAM OIDC provider of `issuer` (audience sts.amazonaws.com), and the
 * role `roleName` that trusts its tokens whose `sub` is `sub` (StringEquals) or matches it (StringLike, with `*`).
 * Returns the role's ARN.
 */
export async function webIdentityRole(
  emulator: EmulatorHandle,
  issuer: string,
  roleName: string,
  sub: string,
  account: keyof typeof ROOTS = '111111111111',
): Promise<string> {
  const host = issuer.replace(/^https:\/\//, '')
  const iam = new IAMClient({region: 'us-east-1', endpoint: emulator.url, credentials: ROOTS[account]})
  try {
    await iam.send(new CreateOpenIDConnectProviderCommand({Url: issuer, ClientIDList: ['sts.amazonaws.com']}))
    const subject = {[`${host}:sub`]: sub}
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: {Federated: `arn:aws:iam::${account}:oidc-provider/${host}`},
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: {
                StringEquals: {[`${host}:aud`]: 'sts.amazonaws.com', ...(sub.includes('*') ? {} : subject)},
                ...(sub.includes('*') ? {StringLike: subject} : {}),
              },
            },
          ],
        }),
      }),
    )
    return role.Role!.Arn!
  } finally {
    iam.destroy()
  }
}

/** A token the emulator signed as the identity provider `issuer` (POST /_emulator/web-identity-token). */
export async function webIdentityToken(
  emulator: EmulatorHandle,
  claims: {issuer: string; subject: string; audience?: string; expiresInSeconds?: number},
): Promise<string> {
  const response = await fetch(`${emulator.url}/_emulator/web-identity-token`, {method: 'POST', body: JSON.stringify(claims)})
  if (response.status !== 200) throw new Error(`web-identity-token: ${response.status} ${await response.text()}`)
  return ((await response.json()) as {token: string}).token
}
