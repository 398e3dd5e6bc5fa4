import {printable} from '../errors.js'
import type {FixOutcome} from './fix.js'
import {plainFinding, reportParts} from './keyless-profiles.js'
import {SEVERITIES, type AuditReport, type Finding, type Severity} from './types.js'

export interface RenderOptions {
  colour: boolean
}

/** Findings located by line in a file keyless does not own (a shell start-up file, another tool's file). */
const LINE_KINDS = new Set(['tool-file-key', 'shell-file-key', 'shell-history-key', 'aws-dir-key'])

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

/**
 * The findings grouped by severity, worst first, each with where, key, whose and fix; then the closing line
 * (`closing`, else the summary line of a plain audit).
 */
export function renderReport(report: AuditReport, options: RenderOptions & {closing?: string}): string {
  const out: string[] = []
  // 3,000 keyless profiles are one line: counted and named from where the scan keeps them, their findings never made.
  const parts = reportParts(report)
  const apart = parts && parts.profiles.count > 3 && parts.profiles.shape.severity === 'info' ? parts.profiles : undefined
  const findings = apart ? parts!.others : report.findings
  for (const severity of SEVERITIES) {
    const group = findings.filter((f) => f.severity === severity)
    const keylessProfiles: KeylessList | undefined =
      severity !== 'info' ? undefined : apart ? apart : listOf(group.filter((f) => f.kind === 'keyless-profile'))
    const shown = group.length + (severity === 'info' && apart ? apart.count : 0)
    if (shown === 0) continue
    out.push(paint(`${severity.toUpperCase()} (${shown})`, COLOURS[severity], options.colour))
    // Keyless's own profiles are the goal, not a problem: a long list of them is one line on a terminal.
    const collapse = keylessProfiles !== undefined && keylessProfiles.count > 3
    if (collapse) {
      const names = firstNames(keylessProfiles, 100)
      out.push(
        `  ${keylessProfiles.count} keyless profiles: ${printable(names)}  ${paint(`(${printable(keylessProfiles.file)})`, '2', options.colour)}`,
      )
    }
    for (const listed of group) {
      if (collapse && listed.kind === 'keyless-profile') continue
      const raw = plainFinding(listed)
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
  out.push(options.closing ?? summaryLine(report))
  return out.join('\n') + '\n'
}

/** Keyless profiles as the one line shows them: how many, their names in order, the file of the first. */
interface KeylessList {
  count: number
  profile(n: number): string
  file: string
}

function listOf(findings: Finding[]): KeylessList {
  return {count: findings.length, profile: (n) => findings[n]!.location.profile ?? '', file: findings[0]?.location.file ?? ''}
}

/**
 * The profile names, comma-separated, cut to `max` characters (the last three `...`): only the names that show are
 * joined, not 3,000 of them.
 */
function firstNames(list: KeylessList, max: number): string {
  let names = ''
  for (let n = 0; n < list.count; n++) {
    names += (n === 0 ? '' : ', ') + list.profile(n)
    if (names.length > max) return `${names.slice(0, max - 3)}...`
  }
  return names
}

function counts(report: AuditReport): string {
  const s = report.summary
  const total = s.critical + s.high + s.medium + s.info
  return `${total} finding${total === 1 ? '' : 's'}: ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.info} info.`
}

export function summaryLine(report: AuditReport): string {
  const s = report.summary
  if (s.critical + s.high + s.medium + s.info === 0) return 'No AWS credentials found on this machine.'
  return s.critical + s.high + s.medium > 0
    ? `${counts(report)} Remove what --fix can: keyless audit --fix`
    : `${counts(report)} Nothing to fix.`
}

/** The inventory's last line when --fix is about to ask: the counts only (the fixes come next). */
export function beforeFixLine(report: AuditReport): string {
  const s = report.summary
  return s.critical + s.high + s.medium + s.info === 0 ? 'No AWS credentials found on this machine.' : counts(report)
}

/** What --fix leaves, in one sentence: its stderr line (exit 3, or 1 when a fix failed) says the same. */
export const LEFT_BY_HAND = 'fix what is left by hand: each finding says how'

/**
 * The one closing line after --fix, for what is left (`notApplied`: fixes that failed, listed above). It agrees
 * with the exit code and the stderr line: never "nothing to fix" when a fix failed, never "run --fix" after it.
 */
export function afterFixLine(report: AuditReport, options: {changed: boolean; notApplied: number}): string {
  const s = report.summary
  const total = s.critical + s.high + s.medium + s.info
  // Unchanged, the counts are those of the inventory just printed.
  const parts = [!options.changed ? 'Nothing changed.' : total === 0 ? 'No AWS credentials left on this machine.' : counts(report)]
  if (options.notApplied > 0) parts.push(`${notAppliedText(options.notApplied)} (see above).`)
  if (s.critical + s.high + s.medium > 0) parts.push(`${LEFT_BY_HAND[0]!.toUpperCase()}${LEFT_BY_HAND.slice(1)}.`)
  else if (options.notApplied === 0 && total > 0) parts.push('Nothing left to fix.')
  return parts.join(' ')
}

export function notAppliedText(count: number): string {
  return `${count} fix${count === 1 ? '' : 'es'} could not be applied`
}

/** What --fix did, the deactivation steps at AWS, and what failed. */
export function renderFixOutcome(outcome: FixOutcome): string {
  const out: string[] = []
  for (const item of outcome.fixed) {
    const byLine = LINE_KINDS.has(item.kind) && item.location.line
    const where = byLine
      ? `${item.location.file} line ${item.location.line}`
      : item.location.profile
        ? `[${item.location.profile}] in ${item.location.file}`
        : (item.location.file ?? '')
    if (item.action === 'removed') out.push(`Removed ${item.accessKeyId} from ${where}.`)
    if (item.action === 'converted') out.push(`Profile ${where.replace(/ in .*/, '')} now uses keyless: ${item.role}.`)
    if (item.action === 'deleted') out.push(`Deleted ${where}.`)
    if (item.action === 'chmod') out.push(`${where} is now readable by you only (0600).`)
  }
  const steps = outcome.fixed.filter((i) => i.deactivate)
  if (steps.length > 0) {
    out.push('', 'keyless cannot deactivate keys at AWS. Do it now (a removed key still works for whoever copied it):')
    // The same key removed from two files is deactivated once.
    for (const step of new Set(steps.map((i) => i.deactivate))) out.push(`  ${step}`)
  }
  if ((outcome.leftAlone ?? []).length > 0) {
    if (out.length > 0) out.push('')
    out.push("Left alone: keyless edits another tool's file only when you say yes to that finding on a terminal (keyless audit --fix).")
    for (const item of outcome.leftAlone!) {
      out.push(`  ${item.accessKeyId} in ${item.location.file} line ${item.location.line}: remove it there by hand`)
      if (item.deactivate) out.push(`    then: ${item.deactivate}`)
    }
  }
  if (outcome.backups.length > 0) out.push('')
  for (const backup of outcome.backups) out.push(`${backup} holds the removed keys: delete it once they are deactivated (rm ${backup}).`)
  for (const line of outcome.failed) out.push(line)
  // Each line sanitised on its own: file names and STS answers in them become one safe line each.
  return out.map(printable).join('\n') + (out.length > 0 ? '\n' : '')
}

/**
 * The one-line failure of `audit` on stderr, or undefined for exit 0: exit 3 when a critical or high finding is
 * (still) there, else exit 1 when a fix failed. After --fix it repeats the closing line's advice.
 */
export function auditFailure(
  report: AuditReport,
  outcome: {fix: boolean; failed: boolean; notApplied: number},
): {message: string; hint: string; exit: 1 | 3} | undefined {
  const {critical, high} = report.summary
  const findings = `${critical} critical and ${high} high finding${critical + high === 1 ? '' : 's'}`
  if (outcome.failed && !outcome.fix) return {message: `audit found ${findings}`, hint: 'run: keyless audit --fix', exit: 3}
  if (outcome.failed) {
    const also = outcome.notApplied > 0 ? ` (and ${notAppliedText(outcome.notApplied)})` : ''
    return {message: `audit --fix left ${findings}${also}`, hint: LEFT_BY_HAND, exit: 3}
  }
  if (outcome.notApplied > 0) {
    return {message: `${notAppliedText(outcome.notApplied)} (see above)`, hint: 'fix the cause and run: keyless audit --fix', exit: 1}
  }
  return undefined
}
