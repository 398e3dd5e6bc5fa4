import type {Severity} from '../audit/types.js'
import {GITHUB_OIDC_HOST, ROLE_MAX_SESSION_SECONDS} from './trust-policy.js'

/** Stable rule names of `keyless ci check --json` (README "Move CI to OIDC"). */
export type TrustRule =
  'no-sub' | 'wildcard-repository' | 'wildcard-ref' | 'no-aud' | 'like-without-pattern' | 'long-session' | 'many-repositories'

export interface TrustFinding {
  severity: Severity
  rule: TrustRule
  /** The OIDC issuer host the statement trusts (`token.actions.githubusercontent.com`, `gitlab.com`...). */
  provider: string
  message: string
  fix: string
}

export interface RoleTrust {
  /** The trust policy, parsed. */
  document: unknown
  /** Seconds; IAM's default is 3600. */
  maxSessionDuration?: number
}

const WEB_IDENTITY = 'sts:assumerolewithwebidentity'
const LIKE = /StringLike/i
const WILDCARD = /[*?]/

type Json = Record<string, unknown>

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value]
}

/** `arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com` -> the host; a bare host stays as it is. */
export function oidcProviderHost(federated: string): string | undefined {
  const m = /:oidc-provider\/(.+)$/.exec(federated)
  if (m) return m[1]
  return /^[a-z0-9.-]+\.[a-z]{2,}(\/.*)?$/i.test(federated) && !federated.endsWith('amazonaws.com') ? federated : undefined
}

/** The repository a `sub` names (GitHub `repo:OWNER/NAME:...`, GitLab `project_path:GROUP/PROJECT:...`). */
function repositoryOf(sub: string): string | undefined {
  return /^(?:repo|project_path):([^:]*)/.exec(sub)?.[1]
}

/** The OIDC statements of a trust policy: allowed web-identity assumption by a federated OIDC provider. */
export function oidcStatements(document: unknown): Array<{host: string; statement: Json}> {
  const out: Array<{host: string; statement: Json}> = []
  for (const s of list((document as Json | undefined)?.Statement)) {
    const statement = s as Json
    if (statement.Effect !== 'Allow') continue
    const actions = list(statement.Action).map((a) => String(a).toLowerCase())
    if (!actions.some((a) => a === WEB_IDENTITY || a === 'sts:*' || a === '*')) continue
    for (const federated of list((statement.Principal as Json | undefined)?.Federated)) {
      const host = oidcProviderHost(String(federated))
      if (host) out.push({host, statement})
    }
  }
  return out
}

/** Each value a condition key is tested against, with its operator. */
function conditionValues(statement: Json, key: string): Array<{operator: string; value: string}> {
  const out: Array<{operator: string; value: string}> = []
  for (const [operator, tests] of Object.entries((statement.Condition as Json | undefined) ?? {})) {
    for (const [k, v] of Object.entries((tests as Json) ?? {})) {
      if (k.toLowerCase() === key.toLowerCase()) for (const value of list(v)) out.push({operator, value: String(value)})
    }
  }
  return out
}

/**
 * Rates a role's OIDC trust (`keyless ci check`, PRODUCT.md section 16): no `sub` condition or a wildcard repository
 * (critical: any repository of GitHub, or of the organisation, can assume it), any branch (high), no `aud` (high),
 * `StringLike` without a pattern (medium), sessions over an hour (medium), several repositories (info). GitLab and
 * other issuers are rated by the same rules.
 */
export function rateTrust(role: RoleTrust): TrustFinding[] {
  const findings: TrustFinding[] = []
  const repos = new Set<string>()
  const statements = oidcStatements(role.document)
  for (const {host, statement} of statements) {
    const github = host === GITHUB_OIDC_HOST
    const who = github ? 'any repository on GitHub' : `any project or workload ${host} issues tokens for`
    const subs = conditionValues(statement, `${host}:sub`)
    const auds = conditionValues(statement, `${host}:aud`)
    const exact = github ? 'repo:OWNER/NAME:ref:refs/heads/BRANCH' : 'project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH'
    if (subs.length === 0) {
      findings.push({
        severity: 'critical',
        rule: 'no-sub',
        provider: host,
        message: `no ${host}:sub condition: ${who} can assume it`,
        fix: `add a StringEquals condition on ${host}:sub: ${exact}`,
      })
    }
    for (const {operator, value} of subs) {
      const like = LIKE.test(operator)
      const repo = repositoryOf(value)
      if (repo !== undefined) repos.add(repo)
      // The repository part, or for another subject format its first field: a wildcard there matches anyone.
      const wildSubject = WILDCARD.test(repo ?? value.split(':')[0]!)
      if (like && wildSubject) {
        findings.push({
          severity: 'critical',
          rule: 'wildcard-repository',
          provider: host,
          message: `sub ${value} matches any repository${repo && !repo.startsWith('*') ? ' of ' + repo.split('/')[0] : ''}`,
          fix: `name one repository and branch exactly: ${exact}`,
        })
      } else if (like && WILDCARD.test(value)) {
        findings.push({
          severity: 'high',
          rule: 'wildcard-ref',
          provider: host,
          message: `sub ${value} matches any branch, tag or pull request of ${repo ?? 'the subject'}`,
          fix: `pin the branch or environment with StringEquals: ${exact}`,
        })
      } else if (like) {
        findings.push({
          severity: 'medium',
          rule: 'like-without-pattern',
          provider: host,
          message: `${operator} on sub ${value} has no wildcard`,
          fix: 'use StringEquals: an exact match cannot widen by accident',
        })
      }
    }
    if (auds.length === 0) {
      findings.push({
        severity: 'high',
        rule: 'no-aud',
        provider: host,
        message: `no ${host}:aud condition: a token minted for another audience is accepted`,
        fix: `add StringEquals ${host}:aud = ${github ? 'sts.amazonaws.com' : 'the audience your jobs request'}`,
      })
    }
    for (const {operator, value} of auds) {
      if (LIKE.test(operator) && !WILDCARD.test(value)) {
        findings.push({
          severity: 'medium',
          rule: 'like-without-pattern',
          provider: host,
          message: `${operator} on aud ${value} has no wildcard`,
          fix: 'use StringEquals',
        })
      }
    }
  }
  if (statements.length > 0 && (role.maxSessionDuration ?? 3600) > ROLE_MAX_SESSION_SECONDS) {
    findings.push({
      severity: 'medium',
      rule: 'long-session',
      provider: statements[0]!.host,
      message: `sessions last up to ${(role.maxSessionDuration ?? 0) / 3600} hours`,
      fix: `set the role's maximum session duration to ${ROLE_MAX_SESSION_SECONDS} seconds`,
    })
  }
  if (repos.size > 1) {
    findings.push({
      severity: 'info',
      rule: 'many-repositories',
      provider: statements[0]!.host,
      message: `trusted by ${repos.size} repositories: ${[...repos].sort().join(', ')}`,
      fix: 'one role per repository keeps each one to the permissions it needs',
    })
  }
  return findings
}
