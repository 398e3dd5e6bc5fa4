import {isMap, isScalar, type Node, type Pair, type YAMLMap, type YAMLSeq} from 'yaml'

import {CONFIGURE_ACTION, detectGithubWorkflow, isConfigureStep, type CiKeyUse, type KeySource} from './detect.js'
import {columnOf, eolOf, lineEnd, lineStart, mapAt, pairOf, pairSpan, parseYaml, seqAt, stringAt, type ParsedYaml} from './yaml-text.js'

/** configure-aws-credentials major version written into a new step when the workflow uses none yet. */
export const CONFIGURE_ACTION_VERSION = 'v4'
const KEY_INPUTS = new Set(['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'])
const KEY_VARIABLES = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
const REGION_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION']
/**
 * What a job without any `permissions:` gets once it has one: GITHUB_TOKEN's read access to the repository, which
 * `actions/checkout` needs (a block naming only `id-token` would silently take it away).
 */
const DEFAULT_READ_PERMISSIONS = [['contents', 'read']] as const

export interface RewriteOptions {
  roleArn: string
  /** aws-region of a configure step keyless adds, when the job's env names no AWS_REGION. */
  region: string
}

export interface RewriteResult {
  /** The new text (the old one when nothing could be rewritten). */
  text: string
  /** Jobs moved to OIDC. */
  rewritten: string[]
  /** Jobs left alone, and why. */
  skipped: Array<{job: string | null; why: string}>
  /** The secrets and variables the rewritten jobs no longer read. */
  released: KeySource[]
  /** Rewritten jobs that run in a GitHub environment: their token's `sub` names it, not the branch. */
  environments?: Array<{job: string; environment: string}>
}

interface Edit {
  start: number
  end: number
  text: string
}

class Unsafe extends Error {}

/**
 * Moves every job of a GitHub Actions workflow that gets a long-term AWS key to OIDC, as a splice of the original
 * text: key inputs and key variables go, the configure-aws-credentials step gets `role-to-assume` (a job that used
 * the keys through `env:` gets such a step), and the job gets `permissions: id-token: write`. A job that cannot be
 * rewritten safely (flow-style YAML, a reusable workflow call, `permissions: read-all`) is left as it was and named.
 */
export function rewriteWorkflow(text: string, options: RewriteOptions): RewriteResult {
  const parsed = parseYaml(text)
  if ('error' in parsed) throw new Unsafe(parsed.error)
  const uses = detectGithubWorkflow(parsed)
  const root = parsed.doc.contents
  const jobs = mapAt(root, 'jobs')
  const eol = eolOf(text)
  const workflowLevel = uses.filter((u) => u.job === null)
  const jobIds = ((jobs?.items ?? []) as Array<Pair<Node, Node | null>>).map((p) => String((p.key as {value: unknown}).value))
  // Workflow-level env keys reach every job with steps.
  const affected = new Set<string>(
    workflowLevel.length > 0 ? jobIds.filter((id) => !pairOf(mapAt(jobs, id), 'uses')) : uses.map((u) => u.job!).filter(Boolean),
  )
  for (const u of uses) if (u.job) affected.add(u.job)
  const result: RewriteResult = {text, rewritten: [], skipped: [], released: []}
  const edits: Edit[] = []
  const version = configureVersion(jobs)
  for (const id of jobIds) {
    if (!affected.has(id)) continue
    try {
      const jobEdits = rewriteJob(parsed, pairOf(jobs, id)!, {...options, eol, version, workflowEnv: mapAt(root, 'env')})
      edits.push(...jobEdits)
      result.rewritten.push(id)
    } catch (error) {
      if (!(error instanceof Unsafe)) throw error
      result.skipped.push({job: id, why: error.message})
    }
  }
  if (workflowLevel.length > 0) {
    if (result.skipped.length > 0) {
      // Removing the workflow's keys would take them from the jobs left alone: leave the whole file.
      return {
        text,
        rewritten: [],
        skipped: [{job: null, why: "the workflow's env: feeds the keys to jobs that cannot be rewritten"}, ...result.skipped],
        released: [],
      }
    }
    edits.push(...removeKeyVariables(parsed, mapAt(root, 'env'), pairOf(root, 'env')!))
  }
  if (edits.length === 0) return result
  result.text = applyEdits(text, edits)
  const after = parseYaml(result.text)
  const left = 'error' in after ? [] : detectGithubWorkflow(after).filter((u) => u.job === null || result.rewritten.includes(u.job))
  if ('error' in after || left.length > 0) {
    // Never hand back a file keyless broke: everything stays as it was.
    return {
      text,
      rewritten: [],
      skipped: jobIds.filter((j) => affected.has(j)).map((job) => ({job, why: 'the rewrite did not come out clean'})),
      released: [],
    }
  }
  result.released = releasedSources(uses.filter((u) => u.job === null || result.rewritten.includes(u.job)))
  const environments = result.rewritten.flatMap((job) => {
    const body = mapAt(jobs, job)
    const environment = stringAt(body, 'environment') ?? stringAt(mapAt(body, 'environment'), 'name')
    return environment ? [{job, environment}] : []
  })
  if (environments.length > 0) result.environments = environments
  return result
}

function releasedSources(uses: CiKeyUse[]): KeySource[] {
  const seen = new Map<string, KeySource>()
  for (const u of uses) for (const s of u.sources) if (s.kind !== 'literal') seen.set(`${s.kind}:${s.name}`, s)
  return [...seen.values()]
}

/** The version of configure-aws-credentials the workflow already uses, else CONFIGURE_ACTION_VERSION. */
function configureVersion(jobs: YAMLMap<Node, Node | null> | undefined): string {
  for (const job of (jobs?.items ?? []) as Array<Pair<Node, Node | null>>) {
    for (const step of seqAt(job.value, 'steps')?.items ?? []) {
      const uses = stringAt(step, 'uses')
      if (isConfigureStep(step) && uses?.includes('@')) return uses.slice(uses.indexOf('@') + 1)
    }
  }
  return CONFIGURE_ACTION_VERSION
}

interface JobContext extends RewriteOptions {
  eol: string
  version: string
  workflowEnv: YAMLMap<Node, Node | null> | undefined
}

function rewriteJob(parsed: ParsedYaml, jobPair: Pair<Node, Node | null>, ctx: JobContext): Edit[] {
  const {text, eol} = {text: parsed.text, eol: ctx.eol}
  if (!isMap(jobPair.value)) throw new Unsafe('is not a mapping')
  const job = jobPair.value as YAMLMap<Node, Node | null>
  if (job.flow) throw new Unsafe('written in flow style')
  if (pairOf(job, 'uses')) throw new Unsafe('calls a reusable workflow with the keys as secrets: move that workflow, then pass no keys')
  const steps = seqAt(job, 'steps')
  if (!steps || steps.flow || steps.items.length === 0) throw new Unsafe('has no block list of steps')
  const edits: Edit[] = []
  const unit = indentUnit(text, jobPair)
  // Key inputs of configure steps go; role-to-assume comes in their place.
  const configureSteps = steps.items.filter(isConfigureStep)
  for (const step of configureSteps) edits.push(...rewriteConfigureStep(parsed, step as YAMLMap<Node, Node | null>, ctx))
  // Key variables of the job's and each step's env go.
  const jobEnvPair = pairOf(job, 'env')
  const jobHadKeys = hasKeyVariables(mapAt(job, 'env'))
  if (jobHadKeys) edits.push(...removeKeyVariables(parsed, mapAt(job, 'env'), jobEnvPair!))
  let firstStepWithEnvKeys: Node | undefined
  for (const step of steps.items) {
    const env = mapAt(step, 'env')
    if (!hasKeyVariables(env)) continue
    firstStepWithEnvKeys ??= step
    edits.push(...removeKeyVariables(parsed, env, pairOf(step, 'env')!))
  }
  if (configureSteps.length === 0) {
    // The keys reached the job through env: a configure step gives it the role instead, before the first step that
    // used them (after a leading checkout, which needs no AWS credentials).
    const usedFromStart = jobHadKeys || hasKeyVariables(ctx.workflowEnv)
    let at = usedFromStart ? steps.items.findIndex((s) => !/^actions\/checkout@/.test(stringAt(s, 'uses') ?? '')) : -1
    if (!usedFromStart) at = steps.items.indexOf(firstStepWithEnvKeys!)
    if (at === -1) at = steps.items.length
    const region =
      regionExpression(mapAt(job, 'env')) ??
      regionExpression(ctx.workflowEnv) ??
      (usedFromStart ? undefined : regionLiteral(mapAt(firstStepWithEnvKeys, 'env'))) ??
      ctx.region
    edits.push(insertStep(text, steps, at, unit, eol, ctx.version, ctx.roleArn, region))
  }
  edits.push(permissionsEdit(parsed, job, unit, eol))
  return edits
}

function hasKeyVariables(env: YAMLMap<Node, Node | null> | undefined): boolean {
  return Boolean(pairOf(env, 'AWS_ACCESS_KEY_ID') || pairOf(env, 'AWS_SECRET_ACCESS_KEY'))
}

/** `${{ env.AWS_REGION }}` when the env sets a region, so the configure step follows it. */
function regionExpression(env: YAMLMap<Node, Node | null> | undefined): string | undefined {
  const name = REGION_VARIABLES.find((n) => pairOf(env, n))
  return name ? `\${{ env.${name} }}` : undefined
}

/** The region a step's own env sets, as written (another step's env is out of its reach). */
function regionLiteral(env: YAMLMap<Node, Node | null> | undefined): string | undefined {
  const name = REGION_VARIABLES.find((n) => pairOf(env, n))
  return name ? stringAt(env, name) : undefined
}

/** The indentation step of the file: a job's keys' column minus its id's column. */
function indentUnit(text: string, jobPair: Pair<Node, Node | null>): number {
  const job = jobPair.value as YAMLMap<Node, Node | null>
  return Math.max(1, columnOf(text, (job.items[0]!.key as Node).range![0]) - columnOf(text, (jobPair.key as Node).range![0]))
}

function rewriteConfigureStep(parsed: ParsedYaml, step: YAMLMap<Node, Node | null>, ctx: JobContext): Edit[] {
  const {text} = parsed
  if (step.flow) throw new Unsafe(`its ${CONFIGURE_ACTION} step is written in flow style`)
  const withPair = pairOf(step, 'with')
  const inputs = mapAt(step, 'with')
  if (!withPair || !inputs || inputs.flow) throw new Unsafe(`its ${CONFIGURE_ACTION} step has no block with: mapping`)
  const edits: Edit[] = []
  const keyPairs = (inputs.items as Array<Pair<Node, Node | null>>).filter((p) => isScalar(p.key) && KEY_INPUTS.has(String(p.key.value)))
  const hasRole = Boolean(pairOf(inputs, 'role-to-assume'))
  const indent = ' '.repeat(columnOf(text, (inputs.items[0]!.key as Node).range![0]))
  const roleLine = `${indent}role-to-assume: ${ctx.roleArn}${ctx.eol}`
  for (const [n, pair] of keyPairs.entries()) {
    const span = pairSpan(text, pair)
    edits.push({...span, text: n === 0 && !hasRole ? roleLine : ''})
  }
  if (keyPairs.length === 0 && !hasRole) {
    const last = inputs.items[inputs.items.length - 1]!
    const end = pairSpan(text, last).end
    edits.push({start: end, end, text: roleLine})
  }
  return edits
}

/** Deletes the key variables of an env mapping; the whole `env:` when nothing else is left in it. */
function removeKeyVariables(parsed: ParsedYaml, env: YAMLMap<Node, Node | null> | undefined, envPair: Pair<Node, Node | null>): Edit[] {
  const {text} = parsed
  if (!env || env.flow) throw new Unsafe('its env: is written in flow style')
  const pairs = env.items as Array<Pair<Node, Node | null>>
  const keys = pairs.filter((p) => isScalar(p.key) && KEY_VARIABLES.has(String(p.key.value)))
  const edits: Edit[] = keys.map((p) => ({...pairSpan(text, p), text: ''}))
  if (keys.length === pairs.length) {
    const keyStart = (envPair.key as Node).range![0]
    edits.push({start: lineStart(text, keyStart), end: lineEnd(text, keyStart), text: ''})
  }
  return edits
}

/** A new configure step before steps[at] (before the comments directly above it), indented like its neighbours. */
function insertStep(
  text: string,
  steps: YAMLSeq<Node>,
  at: number,
  unit: number,
  eol: string,
  version: string,
  roleArn: string,
  region: string,
): Edit {
  const first = steps.items[0] as Node
  const content = columnOf(text, first.range![0])
  const dashAt = text.lastIndexOf('-', first.range![0])
  const dash = columnOf(text, dashAt)
  const pad = ' '.repeat(content)
  const step = [
    `${' '.repeat(dash)}-${' '.repeat(content - dash - 1)}name: Configure AWS credentials`,
    `${pad}uses: ${CONFIGURE_ACTION}@${version}`,
    `${pad}with:`,
    `${pad}${' '.repeat(unit)}role-to-assume: ${roleArn}`,
    `${pad}${' '.repeat(unit)}aws-region: ${region}`,
  ]
  const insertAt =
    at < steps.items.length
      ? aboveComments(text, lineStart(text, text.lastIndexOf('-', (steps.items[at] as Node).range![0])))
      : pairEndOfSeq(text, steps)
  return {start: insertAt, end: insertAt, text: step.join(eol) + eol}
}

function pairEndOfSeq(text: string, steps: YAMLSeq<Node>): number {
  const last = steps.items[steps.items.length - 1] as Node
  return lineEnd(text, Math.max(last.range![1] - 1, last.range![0]))
}

/** The start of the run of comment lines directly above `offset` (a line start), so an insertion does not split a
 * comment from what it describes. */
function aboveComments(text: string, offset: number): number {
  let at = offset
  while (at > 0) {
    const prev = lineStart(text, at - 1)
    if (!/^\s*#/.test(text.slice(prev, at))) break
    at = prev
  }
  return at
}

/** `id-token: write` for the job: merged into its permissions, else a new block (see DEFAULT_READ_PERMISSIONS). */
function permissionsEdit(parsed: ParsedYaml, job: YAMLMap<Node, Node | null>, unit: number, eol: string): Edit {
  const {text} = parsed
  const own = pairOf(job, 'permissions')
  if (own) {
    const value = own.value
    if (isScalar(value)) {
      if (value.value === 'write-all') return {start: 0, end: 0, text: ''}
      throw new Unsafe(`its permissions: ${String(value.value)} cannot take id-token: write without listing every scope`)
    }
    if (!isMap(value) || value.flow || value.items.length === 0) throw new Unsafe('its permissions: is not a block mapping')
    const idToken = pairOf(value, 'id-token')
    if (idToken) {
      const v = idToken.value as Node
      return String((v as {value?: unknown}).value) === 'write'
        ? {start: 0, end: 0, text: ''}
        : {start: v.range![0], end: v.range![1], text: 'write'}
    }
    const last = value.items[value.items.length - 1] as Pair<Node, Node | null>
    const indent = ' '.repeat(columnOf(text, (value.items[0]!.key as Node).range![0]))
    const end = pairSpan(text, last).end
    return {start: end, end, text: `${indent}id-token: write${eol}`}
  }
  // The job's own block replaces the workflow's for this job: it keeps what the workflow gave it.
  const workflow = pairOf(parsed.doc.contents, 'permissions')?.value
  let entries: Array<readonly [string, string]>
  if (!workflow) entries = [...DEFAULT_READ_PERMISSIONS]
  else if (isScalar(workflow) && workflow.value === 'write-all') return {start: 0, end: 0, text: ''}
  else if (isMap(workflow))
    entries = (workflow.items as Array<Pair<Node, Node | null>>).map(
      (p) => [String((p.key as {value: unknown}).value), String((p.value as {value?: unknown})?.value)] as const,
    )
  else throw new Unsafe('the workflow sets permissions: read-all, which a job-level block cannot extend without listing every scope')
  entries = entries.filter(([k]) => k !== 'id-token')
  const stepsPair = pairOf(job, 'steps')!
  const keyCol = columnOf(text, (stepsPair.key as Node).range![0])
  const pad = ' '.repeat(keyCol)
  const lines = [
    `${pad}permissions:`,
    ...entries.map(([k, v]) => `${pad}${' '.repeat(unit)}${k}: ${v}`),
    `${pad}${' '.repeat(unit)}id-token: write`,
  ]
  const at = aboveComments(text, lineStart(text, (stepsPair.key as Node).range![0]))
  return {start: at, end: at, text: lines.join(eol) + eol}
}

function applyEdits(text: string, edits: Edit[]): string {
  const sorted = edits.filter((e) => e.start !== e.end || e.text !== '').sort((a, b) => b.start - a.start || b.end - a.end)
  let out = text
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return out
}

export {Unsafe as UnsafeRewriteError}
