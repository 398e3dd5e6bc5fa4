import type {IAMClient} from '@aws-sdk/client-iam'

import {EXIT, KeylessError, printable} from '../errors.js'
import {useRole} from '../role/runtime.js'
import {AWS_HTTP_OPTIONS, withCallLimits} from '../sso/clients.js'
import {networkCause} from '../sso/errors.js'
import {debugEnabled, sdkLogger} from '../ui/debug.js'
import type {ApplyOutcome, ApplyPlan} from './oidc.js'
import {GITHUB_OIDC_HOST, GITHUB_OIDC_URL, STS_AUDIENCE} from './trust-policy.js'
import {clientIam} from '../sdk-modules.js'

/** IAM is global: each partition's API lives in one region. */
const IAM_REGION: Record<string, string> = {aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1'}

type Iam = typeof import('@aws-sdk/client-iam')

/** The client for a keyless profile's role (its short-lived credentials, through keyless's cache). */
export async function iamClientFor(
  profile: string,
  partition: string,
  options: {env: NodeJS.ProcessEnv; debug: boolean},
): Promise<{iam: Iam; client: IAMClient}> {
  const {credentials} = await useRole({profile}, {command: 'ci', debug: options.debug, env: options.env})
  const iam = clientIam()
  const client = withCallLimits(
    new iam.IAMClient({
      region: IAM_REGION[partition] ?? 'us-east-1',
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
      requestHandler: AWS_HTTP_OPTIONS,
      ...(debugEnabled() ? {logger: sdkLogger} : {}),
    }),
  )
  return {iam, client}
}

/** One line for an IAM failure: the call, IAM's error code and message, and what to do. */
export function iamFailure(call: string, error: unknown, profile: string): KeylessError {
  const e = error as {name?: string; message?: string}
  const network = networkCause(error)
  if (network) return new KeylessError(`IAM ${call} failed: ${network}`, 'check the network, then run the command again')
  const denied = e.name === 'AccessDenied' || e.name === 'AccessDeniedException' || e.name === 'UnauthorizedOperation'
  return new KeylessError(
    `IAM refused ${call}: ${e.name ?? 'error'}${e.message ? ` (${printable(e.message)})` : ''}`,
    denied
      ? `use a profile whose role may ${call.startsWith('List') || call.startsWith('Get') ? 'read' : 'create'} IAM roles and OIDC providers (--profile ${printable(profile)} may not)`
      : 'run the command again with --debug',
    EXIT.failure,
  )
}

/**
 * `ci oidc --apply`: creates what the account lacks, idempotently: the GitHub OIDC provider, the role with its trust
 * policy and one-hour sessions, the managed policies (`--policy-arn`) and, with --copy-user-policies, the managed
 * and inline policies of the IAM user the key belongs to (GetAccessKeyLastUsed names it). Reads first; with
 * --dry-run, every write is listed and none made.
 */
export async function applyRole(plan: ApplyPlan, options: {env: NodeJS.ProcessEnv; debug: boolean}): Promise<ApplyOutcome> {
  const {iam, client} = await iamClientFor(plan.profile, plan.partition, options)
  const outcome: ApplyOutcome = {calls: []}
  const send = async <T>(call: string, command: unknown): Promise<T> => {
    // --dry-run shows every call, the reads too; a real run lists what it created or found.
    if (plan.dryRun) outcome.calls.push({call, done: 'read'})
    try {
      return (await client.send(command as never)) as T
    } catch (error) {
      throw iamFailure(call, error, plan.profile)
    }
  }
  const write = async (call: string, label: string, command: () => unknown) => {
    if (plan.dryRun) outcome.calls.push({call: `${call} ${label}`, done: 'would-create'})
    else {
      await send(call, command())
      outcome.calls.push({call: `${call} ${label}`, done: 'created'})
    }
  }
  try {
    // The provider.
    const providers = await send<{OpenIDConnectProviderList?: Array<{Arn?: string}>}>(
      'ListOpenIDConnectProviders',
      new iam.ListOpenIDConnectProvidersCommand({}),
    )
    const provider = providers.OpenIDConnectProviderList?.find((p) => p.Arn?.endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`))
    if (provider) outcome.calls.push({call: `CreateOpenIDConnectProvider ${GITHUB_OIDC_URL}`, done: 'exists'})
    else
      await write(
        'CreateOpenIDConnectProvider',
        GITHUB_OIDC_URL,
        () => new iam.CreateOpenIDConnectProviderCommand({Url: GITHUB_OIDC_URL, ClientIDList: [STS_AUDIENCE]}),
      )

    // The role.
    let roleExists = true
    if (plan.dryRun) outcome.calls.push({call: `GetRole ${plan.roleName}`, done: 'read'})
    try {
      await client.send(new iam.GetRoleCommand({RoleName: plan.roleName}))
    } catch (error) {
      if ((error as {name?: string}).name !== 'NoSuchEntity' && (error as {name?: string}).name !== 'NoSuchEntityException')
        throw iamFailure('GetRole', error, plan.profile)
      roleExists = false
    }
    if (roleExists) outcome.calls.push({call: `CreateRole ${plan.roleName}`, done: 'exists'})
    else
      await write(
        'CreateRole',
        plan.roleName,
        () =>
          new iam.CreateRoleCommand({
            RoleName: plan.roleName,
            AssumeRolePolicyDocument: JSON.stringify(plan.trustPolicy),
            MaxSessionDuration: plan.maxSessionDuration,
            Description: plan.description.slice(0, 1000),
          }),
      )

    // Policies: what the role has already is left as it is.
    const attached = new Set<string>()
    const inline = new Set<string>()
    if (roleExists) {
      const a = await send<{AttachedPolicies?: Array<{PolicyArn?: string}>}>(
        'ListAttachedRolePolicies',
        new iam.ListAttachedRolePoliciesCommand({RoleName: plan.roleName}),
      )
      for (const p of a.AttachedPolicies ?? []) if (p.PolicyArn) attached.add(p.PolicyArn)
      const i = await send<{PolicyNames?: string[]}>('ListRolePolicies', new iam.ListRolePoliciesCommand({RoleName: plan.roleName}))
      for (const n of i.PolicyNames ?? []) inline.add(n)
    }
    const wanted = [...plan.policyArns]
    const inlineWanted: Array<{name: string; document: string}> = []
    if (plan.accessKeyId) {
      const last = await send<{UserName?: string}>(
        'GetAccessKeyLastUsed',
        new iam.GetAccessKeyLastUsedCommand({AccessKeyId: plan.accessKeyId}),
      )
      outcome.userName = last.UserName
      if (!plan.dryRun) outcome.calls.push({call: `GetAccessKeyLastUsed ${plan.accessKeyId}`, done: 'read'})
    }
    if (plan.copyUserPolicies) {
      if (!outcome.userName) {
        throw new KeylessError(
          '--copy-user-policies needs the IAM user the key belongs to',
          "add --access-key-id with the workflows' key id (AKIA..., not the secret)",
          EXIT.usage,
        )
      }
      const user = outcome.userName
      const managed = await send<{AttachedPolicies?: Array<{PolicyArn?: string}>}>(
        'ListAttachedUserPolicies',
        new iam.ListAttachedUserPoliciesCommand({UserName: user}),
      )
      for (const p of managed.AttachedPolicies ?? []) if (p.PolicyArn && !wanted.includes(p.PolicyArn)) wanted.push(p.PolicyArn)
      const names = await send<{PolicyNames?: string[]}>('ListUserPolicies', new iam.ListUserPoliciesCommand({UserName: user}))
      for (const name of names.PolicyNames ?? []) {
        const got = await send<{PolicyDocument?: string}>('GetUserPolicy', new iam.GetUserPolicyCommand({UserName: user, PolicyName: name}))
        // IAM returns policy documents URL-encoded (RFC 3986).
        inlineWanted.push({name, document: decodeURIComponent(got.PolicyDocument ?? '{}')})
      }
    }
    for (const arn of wanted) {
      if (attached.has(arn)) outcome.calls.push({call: `AttachRolePolicy ${arn}`, done: 'exists'})
      else await write('AttachRolePolicy', arn, () => new iam.AttachRolePolicyCommand({RoleName: plan.roleName, PolicyArn: arn}))
    }
    for (const p of inlineWanted) {
      if (inline.has(p.name)) outcome.calls.push({call: `PutRolePolicy ${p.name}`, done: 'exists'})
      else
        await write(
          'PutRolePolicy',
          p.name,
          () => new iam.PutRolePolicyCommand({RoleName: plan.roleName, PolicyName: p.name, PolicyDocument: p.document}),
        )
    }
    return outcome
  } finally {
    client.destroy()
  }
}
