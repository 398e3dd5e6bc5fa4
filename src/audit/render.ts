import {printable} from '../errors.js'
import type {FixOutcome} from './fix.js'
import {SEVERITIES, type AuditReport, type Finding, type Severity} from './types.js'

export interface RenderOptions {
  colour: boolean
}

const COLOURS: Record<Severity, string> = {critical: '1;31', high: '31', medium: '33', info: '2'}

function paint(text: string, code: string, on: boolean): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text
}

/** Where a finding is, for people: `~/.aws/credentials line 2, profile [default]`, `environment AWS_ACCESS_KEY_ID`. */
export function whereOf(f: Finding): string {
  const parts: string[] = []
  if (f.location.file) parts.push(f.location.line ? `${f.location.file} line ${f.location.line}` : f.location.file)
  else parts.push('environment')
  if (f.location.profile) parts.push(`profile [${f.location.profile}]`)
  if (f.location.variable) parts.push(f.location.variable)
  return parts.join(', ')
}

/** The findings grouped by severity, worst first, each with where, key, whose and fix; then the summary. */
export function renderReport(report: AuditReport, options: RenderOptions): string {
  const out: string[] = []
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === severity)
    if (group.length === 0) continue
    out.push(paint(`${severity.toUpperCase()} (${group.length})`, COLOURS[severity], options.colour))
    // Keyless's own profiles are the goal, not a problem: a long list of them is one line on a terminal.
    const keylessProfiles = group.filter((f) => f.kind === 'keyless-profile')
    const collapse = severity === 'info' && keylessProfiles.length > 3
    if (collapse) {
      const names = keylessProfiles.map((f) => f.location.profile).join(', ')
      out.push(
        `  ${keylessProfiles.length} keyless profiles: ${printable(names.length > 100 ? `${names.slice(0, 97)}...` : names)}  ${paint(`(${printable(keylessProfiles[0]!.location.file ?? '')})`, '2', options.colour)}`,
      )
    }
    for (const raw of group) {
      if (collapse && raw.kind === 'keyless-profile') continue
      // Titles and places quote file contents (profile names, programs): never a control character on the screen.
      const f = {...raw, title: printable(raw.title), fix: printable(raw.fix), arn: raw.arn && printable(raw.arn)}
      if (severity === 'info') {
        out.push(`  ${f.title}  ${paint(`(${printable(whereOf({...f, location: {...f.location, profile: null}}))})`, '2', options.colour)}`)
        continue
      }
      out.push(`  ${f.title}`)
      out.push(`    where  ${printable(whereOf(f))}`)
      if (f.accessKeyId) out.push(`    key    ${f.accessKeyId}${f.arn ? `  ${f.arn}` : ''}  (${f.status})`)
      if (f.holds.length > 0) out.push(`    holds  ${f.holds.join(', ')}${f.expiresAt ? `  (expires ${f.expiresAt})` : ''}`)
      out.push(`    fix    ${f.fix}`)
    }
    out.push('')
  }
  out.push(summaryLine(report))
  return out.join('\n') + '\n'
}

export function summaryLine(report: AuditReport): string {
  const s = report.summary
  const total = s.critical + s.high + s.medium + s.info
  if (total === 0) return 'No AWS credentials found on this machine.'
  const counts = `${total} finding${total === 1 ? '' : 's'}: ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.info} info.`
  return s.critical + s.high + s.medium > 0 ? `${counts} Remove what --fix can: keyless audit --fix` : `${counts} Nothing to fix.`
}

/** What --fix did, the deactivation steps at AWS, and what failed. */
export function renderFixOutcome(outcome: FixOutcome): string {
  const out: string[] = []
  for (const item of outcome.fixed) {
    const where = item.location.profile ? `[${item.location.profile}] in ${item.location.file}` : (item.location.file ?? '')
    if (item.action === 'removed') out.push(`Removed ${item.accessKeyId} from ${where}.`)
    if (item.action === 'converted') out.push(`Profile ${where.replace(/ in .*/, '')} now uses keyless: ${item.role}.`)
    if (item.action === 'deleted') out.push(`Deleted ${where}.`)
    if (item.action === 'chmod') out.push(`${where} is now readable by you only (0600).`)
  }
  const steps = outcome.fixed.filter((i) => i.deactivate)
  if (steps.length > 0) {
    out.push('', 'keyless cannot deactivate keys at AWS. Do it now (a removed key still works for whoever copied it):')
    for (const item of steps) out.push(`  ${item.deactivate}`)
  }
  if (outcome.backups.length > 0) out.push('')
  for (const backup of outcome.backups) out.push(`${backup} holds the removed keys: delete it once they are deactivated (rm ${backup}).`)
  for (const line of outcome.failed) out.push(line)
  // Each line sanitised on its own: file names and STS answers in them become one safe line each.
  return out.map(printable).join('\n') + (out.length > 0 ? '\n' : '')
}
