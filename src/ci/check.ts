import {SEVERITIES, type Severity} from '../audit/types.js'
import {printable} from '../errors.js'
import {iamClientFor, iamFailure} from './apply.js'
import {oidcStatements, rateTrust, type TrustRule} from './trust-rules.js'

/** One line of `keyless ci check --json` (shaped like audit's findings). */
export interface CheckFinding {
  severity: Severity
  kind: TrustRule
  role: string
  arn: string
  provider: string
  message: string
  fix: string
}

export interface CheckResult {
  /** Roles trusting an OIDC provider. */
  roles: Array<{name: string; arn: string; providers: string[]}>
  findings: CheckFinding[]
  summary: Record<Severity, number>
}

export interface IamRole {
  RoleName?: string
  Arn?: string
  AssumeRolePolicyDocument?: string
  MaxSessionDuration?: number
}

/** Rates every role whose trust policy lets an OIDC provider assume it (pure: the table tests use it). */
export function checkRoles(roles: IamRole[]): CheckResult {
  const result: CheckResult = {roles: [], findings: [], summary: {critical: 0, high: 0, medium: 0, info: 0}}
  for (const role of roles) {
    let document: unknown
    try {
      // IAM returns policy documents URL-encoded (RFC 3986).
      document = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument ?? ''))
    } catch {
      continue
    }
    const statements = oidcStatements(document)
    if (statements.length === 0) continue
    const name = role.RoleName ?? ''
    const arn = role.Arn ?? ''
    result.roles.push({name, arn, providers: [...new Set(statements.map((s) => s.host))]})
    for (const f of rateTrust({document, maxSessionDuration: role.MaxSessionDuration})) {
      result.findings.push({severity: f.severity, kind: f.rule, role: name, arn, provider: f.provider, message: f.message, fix: f.fix})
      result.summary[f.severity]++
    }
  }
  const order = (s: Severity) => SEVERITIES.indexOf(s)
  result.findings.sort((a, b) => order(a.severity) - order(b.severity) || a.role.localeCompare(b.role))
  return result
}

/** Every role of the account (ListRoles, all pages), through the profile's short-lived credentials. */
export async function runCiCheck(options: {profile: string; env: NodeJS.ProcessEnv; debug: boolean}): Promise<CheckResult> {
  const {iam, client} = await iamClientFor(options.profile, 'aws', options)
  const roles: IamRole[] = []
  try {
    let marker: string | undefined
    do {
      const page = await client.send(new iam.ListRolesCommand({Marker: marker, MaxItems: 100})).catch((error: unknown) => {
        throw iamFailure('ListRoles', error, options.profile)
      })
      roles.push(...((page.Roles ?? []) as IamRole[]))
      marker = page.IsTruncated ? page.Marker : undefined
    } while (marker)
  } finally {
    client.destroy()
  }
  return checkRoles(roles)
}

export function renderCheck(result: CheckResult): string {
  const out: string[] = []
  if (result.roles.length === 0) return 'No role of this account trusts an OIDC provider.\n'
  for (const role of result.roles) {
    const findings = result.findings.filter((f) => f.arn === role.arn)
    out.push(`${printable(role.name)} (${role.providers.map(printable).join(', ')}): ${findings.length === 0 ? 'ok' : ''}`.trimEnd())
    for (const f of findings) out.push(`  ${f.severity.toUpperCase()} ${printable(f.message)}`, `    fix: ${printable(f.fix)}`)
  }
  const s = result.summary
  out.push(
    '',
    `${result.roles.length} OIDC role${result.roles.length === 1 ? '' : 's'}: ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.info} info`,
  )
  return out.join('\n') + '\n'
}
