import {type ProfileRecords, ProfileScan} from './profile-scan.js'
import {compareFindings, rateFinding} from './severity.js'
import type {AuditReport, Draft, Finding} from './types.js'

/**
 * The keyless profiles of one config file, kept as section numbers until they are shown or written. A large
 * organisation has 3,000 of them: as drafts, entries and findings (each with its location and title) they were
 * thousands of objects alive from the read to the last line of output, which a fresh process pays for twice, in
 * memory touched for the first time and in garbage collection that copies them to the old generation (issue 22).
 * Each is a finding like any other when asked (`finding`), and the same finding's --json text is filled in from a
 * template (json.ts).
 */
export class KeylessProfiles {
  count = 0
  #sections: Int32Array<ArrayBuffer>
  /** How many other drafts of the same list come before each profile's draft (see awsFileSources). */
  #before: Int32Array<ArrayBuffer>
  /** What every keyless profile's finding shares: all but where it is and its title (severity.ts's rule). */
  #shape: Finding | undefined

  constructor(
    readonly records: ProfileRecords,
    /** As shown to people: `~/.aws/config`. */
    readonly file: string,
    readonly path: string,
    /** How many there may be (the file's sections): room made once. */
    capacity = 64,
  ) {
    this.#sections = new Int32Array(Math.max(1, capacity))
    this.#before = new Int32Array(Math.max(1, capacity))
  }

  /** The profile of section `section`, whose draft would follow the first `before` other drafts. */
  add(section: number, before: number): void {
    if (this.count === this.#sections.length) {
      this.#sections = grown(this.#sections)
      this.#before = grown(this.#before)
    }
    this.#sections[this.count] = section
    this.#before[this.count++] = before
  }

  before(j: number): number {
    return this.#before[j] as number
  }

  /** 1-based line of profile `j`'s header. */
  line(j: number): number {
    return this.records.sectionStart(this.#sections[j] as number) + 1
  }

  profile(j: number): string {
    return this.records.sectionName(this.#sections[j] as number)
  }

  /**
   * Where the file's text holds each profile's header line and name (`table`, laid out as RECORD says, the record of
   * profile `j` at `sections[j] * RECORD.size`): names a scan took, plain ASCII. Undefined where the parser read the
   * file, whose names may be anything.
   */
  names(): {text: string; sections: Int32Array; table: Int32Array} | undefined {
    if (!(this.records instanceof ProfileScan)) return undefined
    return {text: this.records.text, sections: this.#sections, table: this.records.sections}
  }

  draft(j: number): Draft {
    return this.#draftOf(this.line(j), this.profile(j))
  }

  finding(j: number): Finding {
    return rateFinding(this.draft(j), undefined)
  }

  /** The finding of a keyless profile of this file at that line, of that name. */
  findingOf(line: number, profile: string): Finding {
    return rateFinding(this.#draftOf(line, profile), undefined)
  }

  #draftOf(line: number, profile: string): Draft {
    return {kind: 'keyless-profile', location: {file: this.file, line, profile, variable: null}, path: this.path}
  }

  get shape(): Finding {
    this.#shape ??= this.finding(0)
    return this.#shape
  }

  /** Profile `j`'s finding as a finding of the report: made when it is read, not before. */
  item(j: number): ProfileFinding {
    return new ProfileFinding(this, j)
  }
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2)
  bigger.set(array)
  return bigger
}

/**
 * One keyless profile's finding in the report's list: two fields until read. What every keyless profile shares is
 * read from the first one's finding, where it is from the records, its title made when asked; JSON.stringify and
 * `{...finding}` (plainFinding) get the finding itself.
 */
export class ProfileFinding implements Finding {
  constructor(
    readonly profiles: KeylessProfiles,
    readonly index: number,
  ) {}

  get severity(): Finding['severity'] {
    return this.profiles.shape.severity
  }

  get kind(): Finding['kind'] {
    return this.profiles.shape.kind
  }

  get location(): Finding['location'] {
    const {profiles, index} = this
    return {file: profiles.file, line: profiles.line(index), profile: profiles.profile(index), variable: null}
  }

  get accessKeyId(): Finding['accessKeyId'] {
    return this.profiles.shape.accessKeyId
  }

  get account(): Finding['account'] {
    return this.profiles.shape.account
  }

  get arn(): Finding['arn'] {
    return this.profiles.shape.arn
  }

  get principalKind(): Finding['principalKind'] {
    return this.profiles.shape.principalKind
  }

  get status(): Finding['status'] {
    return this.profiles.shape.status
  }

  get expiresAt(): Finding['expiresAt'] {
    return this.profiles.shape.expiresAt
  }

  get title(): string {
    return this.toJSON().title
  }

  get holds(): string[] {
    return this.profiles.shape.holds
  }

  get fix(): string {
    return this.profiles.shape.fix
  }

  toJSON(): Finding {
    return this.profiles.finding(this.index)
  }
}

/** The finding as a plain object (what spreading it and JSON.stringify see). */
export const plainFinding = (f: Finding): Finding => (f instanceof ProfileFinding ? f.toJSON() : f)

/**
 * Where the keyless profiles go among `entries` (sorted by compareFindings, in the order of their drafts where it says
 * two are equal): `plan[i]` keyless profiles come before `entries[i]`, the rest after the last entry. That is what one
 * stable sort of all the drafts gave: a keyless profile and a finding compareFindings calls equal keep the order of
 * their drafts (`seq(entry)` is its draft's index, and keyless profile `j`'s draft came after the first
 * `base + before(j)`). The profiles are in order already (one file, line after line), so each entry's place among
 * them is found by bisection: a few dozen comparisons, not one per profile.
 */
export function mergePlan<E extends {finding: Finding}>(
  entries: E[],
  seq: (entry: E) => number,
  profiles: KeylessProfiles | undefined,
  base: number,
): Int32Array {
  const plan = new Int32Array(entries.length)
  if (!profiles || profiles.count === 0) return plan
  // The keyless profile's place as compareFindings reads it, one object reused.
  const probe = {severity: profiles.shape.severity, location: {file: profiles.file, line: 0, variable: null}} as Finding
  // Whether keyless profile `j` comes before `entry`: false from some j on, true before it (both lists are in order).
  const before = (entry: E, j: number) => {
    probe.location.line = profiles.line(j)
    return (compareFindings(entry.finding, probe) || (seq(entry) < base + profiles.before(j) ? -1 : 1)) > 0
  }
  let low = 0
  for (const [i, entry] of entries.entries()) {
    let high = profiles.count
    while (low < high) {
      const mid = (low + high) >>> 1
      if (before(entry, mid)) low = mid + 1
      else high = mid
    }
    plan[i] = low
  }
  return plan
}

/** A stretch of the merged findings: other findings `[from, to)`, or keyless profiles `[from, to)`. */
export interface MergeRun {
  profiles: boolean
  from: number
  to: number
}

/**
 * The merge `plan` (mergePlan) says, as stretches of one kind each, in order and none empty: what both the findings
 * (mergeFindings) and the --json writer (json.ts, which fills a stretch of profiles from one template) walk.
 */
export function mergeRuns(plan: Int32Array, others: number, profiles: number): MergeRun[] {
  const runs: MergeRun[] = []
  const add = (isProfiles: boolean, from: number, to: number) => {
    if (from === to) return
    const last = runs.at(-1)
    if (last && last.profiles === isProfiles) last.to = to
    else runs.push({profiles: isProfiles, from, to})
  }
  let j = 0
  for (let i = 0; i < others; i++) {
    add(true, j, plan[i] as number)
    j = plan[i] as number
    add(false, i, i + 1)
  }
  add(true, j, profiles)
  return runs
}

/** The findings in order: `others` and the keyless profiles, merged as `plan` (mergePlan) says. */
export function mergeFindings(others: Finding[], plan: Int32Array, profiles: KeylessProfiles | undefined): Finding[] {
  const out: Finding[] = []
  for (const {profiles: isProfiles, from, to} of mergeRuns(plan, others.length, profiles?.count ?? 0)) {
    for (let k = from; k < to; k++) out.push(isProfiles ? profiles!.item(k) : (others[k] as Finding))
  }
  return out
}

/** What the human report reads of a report with keyless profiles: a symbol, so neither JSON nor a spread sees it. */
const PARTS = Symbol('keyless profiles apart')

export interface ReportParts {
  /** The findings but the keyless profiles, in order. */
  others: Finding[]
  profiles: KeylessProfiles
  /** Where the profiles go among the others (mergePlan). */
  plan: () => Int32Array
}

/**
 * The report of `others` (in order) and the keyless profiles, whose `findings` (all of them, merged as `plan` says)
 * are made when first read: by a spread, --fix. The human report prints 3,000 keyless profiles as one line and --json
 * writes them from a template; both read them from `profiles` (reportParts): without 3,000 finding objects and 4 x
 * 3,000 reads of their severity, a fresh process has that much less to run and to keep alive (issue 22). The summary
 * counts the same findings.
 */
export function lazyReport(others: Finding[], plan: () => Int32Array, profiles: KeylessProfiles | undefined): AuditReport {
  const summary = {critical: 0, high: 0, medium: 0, info: 0}
  for (const f of others) summary[f.severity]++
  if (profiles && profiles.count > 0) summary[profiles.shape.severity] += profiles.count
  let findings: Finding[] | undefined
  let made: Int32Array | undefined
  const planned = () => (made ??= plan())
  const report = {} as AuditReport
  // Defined first: the JSON reads `findings` before `summary`, as it always did.
  Object.defineProperty(report, 'findings', {
    enumerable: true,
    configurable: true,
    get: () => (findings ??= mergeFindings(others, planned(), profiles)),
    set: (value: Finding[]) => {
      findings = value
      // Findings set are the report's: its parts no longer are.
      delete (report as {[PARTS]?: ReportParts})[PARTS]
    },
  })
  report.summary = summary
  if (profiles && profiles.count > 0)
    Object.defineProperty(report, PARTS, {value: {others, profiles, plan: planned} satisfies ReportParts, configurable: true})
  return report
}

/** The report's findings but its keyless profiles, and those profiles; undefined for a report made otherwise. */
export function reportParts(report: AuditReport): ReportParts | undefined {
  return (report as AuditReport & {[PARTS]?: ReportParts})[PARTS]
}
