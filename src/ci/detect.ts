import {isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap} from 'yaml'

import {lineOf, mapAt, pairOf, parseYaml, seqAt, stringAt, type ParsedYaml} from './yaml-text.js'

/** The action GitHub Actions jobs get AWS credentials from. */
export const CONFIGURE_ACTION = 'aws-actions/configure-aws-credentials'

/** Inputs of configure-aws-credentials and environment variables that carry a long-term key pair. */
const KEY_ID_INPUT = 'aws-access-key-id'
const KEY_INPUTS = new Set(['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'])
const KEY_ID_VARIABLE = 'AWS_ACCESS_KEY_ID'
const KEY_VARIABLES = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])

/** `${{ secrets.NAME }}` / `${{ vars.NAME }}` anywhere in a value. */
const EXPRESSION_SOURCE = /\$\{\{\s*(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/
const LITERAL_KEY_ID = /^(?:AKIA|ASIA)[A-Z0-9]{16}$/

/** Where a job's long-term key comes from: a repository secret or variable (by name), or the literal key. */
export interface KeySource {
  kind: 'secret' | 'variable' | 'literal'
  /** The secret or variable name; for a literal, the input or variable it sits in. */
  name: string
}

/** One place a CI file feeds a long-term key to a job (the `ci-static-key` finding of audit). */
export interface CiKeyUse {
  platform: 'github' | 'gitlab'
  /** The job id; null for the workflow-level `env:` (or GitLab's top-level `variables:`), which every job gets. */
  job: string | null
  /** 1-based line of the key id. */
  line: number
  /** `aws-access-key-id` (an input), `AWS_ACCESS_KEY_ID` (a variable). */
  variable: string
  /** `with` (configure-aws-credentials input), `env` (job, step or workflow env), `variables`/`script` (GitLab). */
  via: 'with' | 'env' | 'variables' | 'script'
  /** Where the key id and the secret come from (secret names for `gh secret delete`). */
  sources: KeySource[]
}

export interface CiFileReport {
  uses: CiKeyUse[]
  /** The file could not be parsed (one line); nothing else was looked at. */
  error?: string
}

function sourceOf(value: string, name: string): KeySource | undefined {
  const m = EXPRESSION_SOURCE.exec(value)
  if (m) return {kind: m[1] === 'secrets' ? 'secret' : 'variable', name: m[2]!}
  if (LITERAL_KEY_ID.test(value.trim())) return {kind: 'literal', name}
  return undefined
}

/**
 * The key pair an `env:` or `with:` mapping holds: the key id's line and the sources of the id and secret; none when
 * the key id is not fed from a secret, a variable or a literal (e.g. `${{ steps.sts.outputs.key }}`: temporary).
 */
function keyPairIn(
  parsed: ParsedYaml,
  map: YAMLMap<Node, Node | null> | undefined,
  idName: string,
  names: Set<string>,
): {line: number; sources: KeySource[]} | undefined {
  const idPair = pairOf(map, idName)
  const id = idPair && scalarText(idPair)
  const idSource = id === undefined ? undefined : sourceOf(id, idName)
  if (!idPair || !idSource) return undefined
  const sources: KeySource[] = [idSource]
  for (const pair of (map?.items ?? []) as Array<Pair<Node, Node | null>>) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    if (key === idName || !names.has(key)) continue
    const source = sourceOf(scalarText(pair) ?? '', key)
    if (source) sources.push(source)
  }
  return {line: lineOf(parsed, (idPair.key as Node).range![0]), sources}
}

function scalarText(pair: Pair<Node, Node | null>): string | undefined {
  return isScalar(pair.value) && pair.value.value !== null ? String(pair.value.value) : undefined
}

/** True for `aws-actions/configure-aws-credentials@...` (any version or fork path below it). */
export function isConfigureStep(step: unknown): boolean {
  return (stringAt(step, 'uses') ?? '').split('@')[0]!.toLowerCase() === CONFIGURE_ACTION
}

/** The long-term keys a GitHub Actions workflow feeds to its jobs. */
export function detectGithubWorkflow(parsed: ParsedYaml): CiKeyUse[] {
  const root = parsed.doc.contents
  const uses: CiKeyUse[] = []
  const env = (map: YAMLMap<Node, Node | null> | undefined, job: string | null) => {
    const pair = keyPairIn(parsed, map, KEY_ID_VARIABLE, KEY_VARIABLES)
    if (pair) uses.push({platform: 'github', job, line: pair.line, variable: KEY_ID_VARIABLE, via: 'env', sources: pair.sources})
  }
  env(mapAt(root, 'env'), null)
  const jobs = mapAt(root, 'jobs')
  for (const jobPair of (jobs?.items ?? []) as Array<Pair<Node, Node | null>>) {
    const job = isScalar(jobPair.key) ? String(jobPair.key.value) : ''
    const body = jobPair.value
    if (!isMap(body)) continue
    env(mapAt(body, 'env'), job)
    // A reusable workflow called with the keys as secrets.
    const secrets = keyPairIn(parsed, mapAt(body, 'secrets'), KEY_ID_VARIABLE, KEY_VARIABLES)
    if (secrets) uses.push({platform: 'github', job, line: secrets.line, variable: KEY_ID_VARIABLE, via: 'env', sources: secrets.sources})
    for (const step of seqAt(body, 'steps')?.items ?? []) {
      env(mapAt(step, 'env'), job)
      if (!isConfigureStep(step)) continue
      const pair = keyPairIn(parsed, mapAt(step, 'with'), KEY_ID_INPUT, KEY_INPUTS)
      if (pair) uses.push({platform: 'github', job, line: pair.line, variable: KEY_ID_INPUT, via: 'with', sources: pair.sources})
    }
  }
  return uses
}

/** Top-level keys of .gitlab-ci.yml that are not jobs. */
const GITLAB_RESERVED = new Set([
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
  'spec',
])
/** `export AWS_ACCESS_KEY_ID=$X`, `AWS_ACCESS_KEY_ID="${X}" aws ...`, `aws configure set aws_access_key_id $X`. */
const GITLAB_SCRIPT = /(?:\bAWS_ACCESS_KEY_ID\s*=|\baws\s+configure\s+set\s+aws_access_key_id\s+)["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)/
const GITLAB_VARIABLE = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/

/** The long-term keys a .gitlab-ci.yml exports to `aws`: job or top-level `variables:`, and script lines. */
export function detectGitlabCi(parsed: ParsedYaml): CiKeyUse[] {
  const root = parsed.doc.contents
  const uses: CiKeyUse[] = []
  const variables = (map: unknown, job: string | null) => {
    const pair = pairOf(map, KEY_ID_VARIABLE)
    if (!pair) return
    // `AWS_ACCESS_KEY_ID: $DEPLOY_KEY` or `{value: $DEPLOY_KEY}`.
    const raw = isMap(pair.value) ? stringAt(pair.value, 'value') : scalarText(pair)
    if (raw === undefined) return
    const m = GITLAB_VARIABLE.exec(raw.trim())
    const source: KeySource | undefined = m
      ? {kind: 'variable', name: m[1]!}
      : LITERAL_KEY_ID.test(raw.trim())
        ? {kind: 'literal', name: KEY_ID_VARIABLE}
        : undefined
    if (source) {
      const line = lineOf(parsed, (pair.key as Node).range![0])
      uses.push({platform: 'gitlab', job, line, variable: KEY_ID_VARIABLE, via: 'variables', sources: [source]})
    }
  }
  const scripts = (body: unknown, job: string | null) => {
    for (const key of ['before_script', 'script', 'after_script']) {
      const value = pairOf(body, key)?.value
      const items = isSeq(value) ? value.items : value ? [value] : []
      for (const item of items) {
        if (!isScalar(item) || typeof item.value !== 'string') continue
        for (const [n, text] of item.value.split('\n').entries()) {
          const m = GITLAB_SCRIPT.exec(text)
          if (!m) continue
          const line =
            lineOf(parsed, (item as Node).range![0]) + n + (item.type === 'BLOCK_LITERAL' || item.type === 'BLOCK_FOLDED' ? 1 : 0)
          uses.push({platform: 'gitlab', job, line, variable: KEY_ID_VARIABLE, via: 'script', sources: [{kind: 'variable', name: m[1]!}]})
        }
      }
    }
  }
  variables(mapAt(root, 'variables'), null)
  scripts(mapAt(root, 'default'), null)
  scripts(root, null)
  for (const pair of (isMap(root) ? root.items : []) as Array<Pair<Node, Node | null>>) {
    const name = isScalar(pair.key) ? String(pair.key.value) : ''
    if (GITLAB_RESERVED.has(name) || !isMap(pair.value)) continue
    variables(mapAt(pair.value, 'variables'), name)
    scripts(pair.value, name)
  }
  return uses
}

/** What a CI file holds; `platform` by its name (`.gitlab-ci.yml` or a GitHub workflow). */
export function detectCiFile(text: string, platform: 'github' | 'gitlab'): CiFileReport {
  const parsed = parseYaml(text)
  if ('error' in parsed) return {uses: [], error: parsed.error}
  return {uses: platform === 'github' ? detectGithubWorkflow(parsed) : detectGitlabCi(parsed)}
}
