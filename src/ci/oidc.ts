import {mkdir, writeFile} from 'node:fs/promises'
import {join, relative} from 'node:path'

import {writeFileAtomic} from '../aws-config/atomic-write.js'
import {EXIT, KeylessError, printable} from '../errors.js'
import {detectCiFile, type KeySource} from './detect.js'
import {readCiFile, repositoryWorkflows} from './files.js'
import {readCheckout} from './repository.js'
import {rewriteWorkflow} from './rewrite.js'
import {ROLE_MAX_SESSION_SECONDS, trustPolicy, trustPolicyJson, trustPolicyTerraform, type TrustSubject} from './trust-policy.js'
import {rateTrust, type TrustFinding} from './trust-rules.js'
import {deleteUserCommands} from './delete-user.js'

export interface CiOidcOptions {
  dir: string
  repo?: string
  roleArn?: string
  /** A keyless profile: its account (and, with --apply, its credentials). */
  profile?: string
  roleName?: string
  branch?: string
  environment?: string
  allowPattern?: string
  out?: string
  /** aws-region of a configure step keyless adds where the job's env names none. */
  region: string
  dryRun: boolean
  apply: boolean
  policyArns: string[]
  copyUserPolicies: boolean
  /** The workflow's key id (not a secret): names the IAM user for --copy-user-policies and the last commands. */
  accessKeyId?: string
}

export interface CiOidcIo {
  /** The account of a keyless profile (reads the AWS config file). */
  profileAccount: (profile: string) => Promise<string>
  /** --apply: creates what is missing; returns the IAM user the key belongs to, when it was looked up. */
  apply?: (plan: ApplyPlan) => Promise<ApplyOutcome>
  stdout: (text: string) => void
  stderr: (text: string) => void
}

export interface ApplyPlan {
  profile: string
  partition: string
  accountId: string
  roleName: string
  trustPolicy: Record<string, unknown>
  maxSessionDuration: number
  policyArns: string[]
  copyUserPolicies: boolean
  accessKeyId?: string
  dryRun: boolean
  description: string
}

export interface ApplyOutcome {
  /** Each IAM call, in order: `CreateRole github-actions-acme-site` (created) or what was already there. */
  calls: Array<{call: string; done: 'created' | 'exists' | 'would-create' | 'read'}>
  userName?: string
}

/** `keyless ci oidc --json`. */
export interface CiOidcResult {
  repository: string
  roleArn: string
  subject: string
  workflows: Array<{file: string; rewritten: string[]; skipped: Array<{job: string | null; why: string}>; changed: boolean}>
  trustPolicy: Record<string, unknown>
  trustPolicyChecks: TrustFinding[]
  /** What would keep the moved workflows from assuming the role. */
  warnings: string[]
  files: string[]
  apply?: ApplyOutcome
  next: string[]
}

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/

/** IAM role names: 64 characters of `[\w+=,.@-]`. */
export function defaultRoleName(repo: string): string {
  return `github-actions-${repo.replace('/', '-')}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64)
}

/**
 * `keyless ci oidc`: every workflow of the checkout that feeds a long-term key to a job is moved to OIDC (lossless
 * splices, see rewrite.ts), the trust policy is written as JSON and Terraform, with --apply the provider and the
 * role are created, and the commands left to the user close the run. Bad input changes nothing.
 */
export async function runCiOidc(options: CiOidcOptions, io: CiOidcIo): Promise<CiOidcResult> {
  if (options.branch && options.environment) {
    throw new KeylessError('--branch and --environment pin the role two ways', 'pass one of them', EXIT.usage)
  }
  if (options.apply && !options.profile) {
    throw new KeylessError(
      "--apply creates the role with a keyless profile's credentials",
      'add --profile NAME (a role that may create IAM roles)',
      EXIT.usage,
    )
  }
  const checkout = await readCheckout(options.dir, options.repo)
  const {repo, root} = checkout
  const role = await resolveRole(options, repo, io)
  if (options.apply && options.roleArn && (await io.profileAccount(options.profile!)) !== role.accountId) {
    throw new KeylessError(
      `--role-arn names account ${role.accountId}, but --profile ${printable(options.profile!)} is in another account`,
      "pass a profile of the role's account, or --role-name instead of --role-arn",
      EXIT.usage,
    )
  }
  if (options.allowPattern !== undefined && !options.allowPattern.startsWith(`repo:${repo}:`)) {
    throw new KeylessError(
      `--allow-pattern ${printable(options.allowPattern)} does not start with repo:${repo}:`,
      `write the pattern for this repository, e.g. --allow-pattern 'repo:${repo}:ref:refs/heads/release/*'`,
      EXIT.usage,
    )
  }
  const branch = options.branch ?? checkout.defaultBranch
  if (!options.environment && !options.allowPattern && !branch) {
    throw new KeylessError('the default branch of the checkout is unknown', 'name it: --branch main (or --environment NAME)', EXIT.usage)
  }
  const subject: TrustSubject = {repo, branch, environment: options.environment, pattern: options.allowPattern}

  // Every workflow is read and parsed before anything is written: one that cannot be parsed stops the run.
  const paths = await repositoryWorkflows(root)
  const texts = new Map<string, string>()
  for (const path of paths) {
    const text = await readCiFile(path)
    if (text === undefined)
      throw new KeylessError(`${relative(root, path)} cannot be read`, 'check the file, then run keyless ci oidc again')
    const report = detectCiFile(text, 'github')
    if (report.error) {
      throw new KeylessError(
        `${relative(root, path)} cannot be parsed losslessly (${report.error}); nothing was changed`,
        'fix the file (GitHub would reject it too), then run keyless ci oidc again',
      )
    }
    texts.set(path, text)
  }
  const withKeys = [...texts].filter(([, text]) => detectCiFile(text, 'github').uses.length > 0)
  if (withKeys.length === 0) {
    throw new KeylessError(
      `no workflow in ${printable(relative(process.cwd(), join(root, '.github', 'workflows')) || '.github/workflows')} uses long-term AWS keys`,
      'nothing to move: keyless ci check --profile NAME rates the OIDC roles you already have',
    )
  }
  const results: CiOidcResult['workflows'] = []
  const after = new Map(texts)
  const released: KeySource[] = []
  const warnings: string[] = []
  for (const [path, text] of withKeys) {
    const rewrite = rewriteWorkflow(text, {roleArn: role.arn, region: options.region})
    after.set(path, rewrite.text)
    released.push(...rewrite.released)
    results.push({file: relative(root, path), rewritten: rewrite.rewritten, skipped: rewrite.skipped, changed: rewrite.text !== text})
    // A job in an environment gets a token whose sub names the environment: a branch-pinned role would refuse it.
    for (const e of rewrite.environments ?? []) {
      if (!options.allowPattern && options.environment !== e.environment)
        warnings.push(
          `${relative(root, path)} job ${e.job} runs in environment ${e.environment}: its token's sub is repo:${repo}:environment:${e.environment}, which this role does not accept; run again with --environment ${e.environment}`,
        )
    }
  }
  const input = {partition: role.partition, accountId: role.accountId, subject}
  const policy = trustPolicy(input)
  const checks = rateTrust({document: policy, maxSessionDuration: ROLE_MAX_SESSION_SECONDS})

  // Nothing is written before --apply succeeds: a profile without IAM permission changes nothing.
  let applied: ApplyOutcome | undefined
  if (options.apply) {
    applied = await io.apply!({
      profile: options.profile!,
      partition: role.partition,
      accountId: role.accountId,
      roleName: role.name,
      trustPolicy: policy,
      maxSessionDuration: ROLE_MAX_SESSION_SECONDS,
      policyArns: options.policyArns,
      copyUserPolicies: options.copyUserPolicies,
      accessKeyId: options.accessKeyId,
      dryRun: options.dryRun,
      description: `GitHub Actions of ${repo} (${subject.environment ? 'environment ' + subject.environment : (subject.pattern ?? 'branch ' + subject.branch)}), written by keyless ci oidc`,
    })
  }

  for (const [path, text] of withKeys) {
    const next = after.get(path)!
    if (next === text) continue
    if (options.dryRun) {
      const {createTwoFilesPatch} = await import('diff')
      const name = relative(root, path)
      io.stdout(createTwoFilesPatch(name, name, text, next, 'current', 'with OIDC'))
    } else await writeFileAtomic(path, next, {backup: false})
  }
  const json = trustPolicyJson(input)
  const tf = trustPolicyTerraform({...input, roleName: role.name, policyArns: options.policyArns})
  const files: string[] = []
  if (options.out && !options.dryRun) {
    await mkdir(options.out, {recursive: true})
    const jsonPath = join(options.out, 'trust-policy.json')
    const tfPath = join(options.out, 'github-actions-oidc.tf')
    await writeFile(jsonPath, json)
    await writeFile(tfPath, tf)
    files.push(jsonPath, tfPath)
  }
  const next = nextSteps({
    repo,
    released: stillUnused(released, after),
    results,
    userName: applied?.userName,
    accessKeyId: options.accessKeyId,
  })
  const result: CiOidcResult = {
    repository: repo,
    roleArn: role.arn,
    subject: policySubject(policy),
    workflows: results,
    trustPolicy: policy,
    trustPolicyChecks: checks,
    warnings,
    files,
    ...(applied ? {apply: applied} : {}),
    next,
  }
  io.stdout(render(result, {json, tf, printPolicy: !options.out, dryRun: options.dryRun}))
  for (const w of warnings) io.stderr(`keyless: warning: ${printable(w)}\n`)
  for (const c of checks.filter((c) => c.severity === 'critical' || c.severity === 'high'))
    io.stderr(`keyless: warning: the trust policy ${c.message} (--allow-pattern); ${c.fix}\n`)
  return result
}

function policySubject(policy: Record<string, unknown>): string {
  const condition = (policy.Statement as Array<{Condition: Record<string, Record<string, string>>}>)[0]!.Condition
  return Object.values(condition)
    .flatMap((c) => Object.entries(c))
    .find(([k]) => k.endsWith(':sub'))![1]
}

async function resolveRole(
  options: CiOidcOptions,
  repo: string,
  io: CiOidcIo,
): Promise<{arn: string; partition: string; accountId: string; name: string}> {
  if (options.roleArn) {
    const m = ROLE_ARN.exec(options.roleArn)
    if (!m)
      throw new KeylessError(
        `--role-arn ${printable(options.roleArn)} is not an IAM role ARN`,
        'pass arn:aws:iam::ACCOUNT:role/NAME',
        EXIT.usage,
      )
    return {arn: options.roleArn, partition: m[1]!, accountId: m[2]!, name: m[3]!}
  }
  if (!options.profile) {
    throw new KeylessError(
      'which role should the workflows assume?',
      'pass --role-arn ARN, or --profile NAME (its account) with --role-name NAME',
      EXIT.usage,
    )
  }
  const name = options.roleName ?? defaultRoleName(repo)
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) {
    throw new KeylessError(`--role-name ${printable(name)} is not an IAM role name`, 'use up to 64 letters, digits and +=,.@_-', EXIT.usage)
  }
  const accountId = await io.profileAccount(options.profile)
  return {arn: `arn:aws:iam::${accountId}:role/${name}`, partition: 'aws', accountId, name}
}

/** The secrets and variables no workflow of the repository reads any more (after the rewrite). */
function stillUnused(released: KeySource[], texts: Map<string, string>): KeySource[] {
  const all = [...texts.values()].join('\n')
  const seen = new Set<string>()
  return released.filter((s) => {
    const id = `${s.kind}:${s.name}`
    if (seen.has(id)) return false
    seen.add(id)
    const ctx = s.kind === 'secret' ? 'secrets' : 'vars'
    return !new RegExp(`\\b${ctx}\\.${s.name}\\b`).test(all)
  })
}

function nextSteps(input: {
  repo: string
  released: KeySource[]
  results: CiOidcResult['workflows']
  userName?: string
  accessKeyId?: string
}): string[] {
  const lines: string[] = []
  for (const s of input.released) lines.push(`gh ${s.kind === 'secret' ? 'secret' : 'variable'} delete ${s.name} --repo ${input.repo}`)
  const user = input.userName ?? '<USER>'
  const key = input.accessKeyId ?? '<ACCESS_KEY_ID>'
  lines.push(`aws iam update-access-key --user-name ${user} --access-key-id ${key} --status Inactive`)
  lines.push(`aws iam delete-access-key --user-name ${user} --access-key-id ${key}`)
  lines.push(...deleteUserCommands(user))
  return lines
}

function render(result: CiOidcResult, options: {json: string; tf: string; printPolicy: boolean; dryRun: boolean}): string {
  const out: string[] = []
  for (const w of result.workflows) {
    if (w.rewritten.length > 0)
      out.push(`${options.dryRun ? 'would move' : 'moved'} to OIDC: ${w.file} (${w.rewritten.map((j) => `job ${j}`).join(', ')})`)
    for (const s of w.skipped) out.push(`left alone: ${w.file} ${s.job === null ? 'workflow' : `job ${s.job}`}: ${s.why}`)
  }
  out.push(`role: ${result.roleArn} (sub ${result.subject}, sessions up to ${ROLE_MAX_SESSION_SECONDS / 3600} hour)`)
  if (result.apply) for (const c of result.apply.calls) out.push(`  ${c.call}: ${c.done}`)
  if (result.files.length > 0) out.push(`trust policy: ${result.files.join(', ')}`)
  else if (options.printPolicy)
    out.push('', '# trust-policy.json', options.json.trimEnd(), '', '# github-actions-oidc.tf', options.tf.trimEnd())
  const secrets = result.next.filter((l) => l.startsWith('gh '))
  const keys = result.next.filter((l) => !l.startsWith('gh '))
  out.push('', 'What is left to do:')
  out.push(
    `  1. ${result.apply || options.dryRun ? 'Commit' : 'Create the role (keyless ci oidc --apply --profile NAME, or apply the Terraform), then commit'} and push the workflows, and check that the run is green.`,
  )
  if (secrets.length > 0) out.push('  2. Delete the secrets the workflows no longer use:', ...secrets.map((l) => `     ${l}`))
  out.push(
    `  ${secrets.length > 0 ? 3 : 2}. After a green run, deactivate the key, then delete it and its user (keyless never does this itself):`,
    ...keys.map((l) => `     ${l}`),
  )
  return out.join('\n') + '\n'
}
