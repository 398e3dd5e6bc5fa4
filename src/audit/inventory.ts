import {join, sep} from 'node:path'

import {homeDir, homeMismatch} from '../aws-config/paths.js'
import {scanDirectory} from './scan.js'
import {compareFindings, KEY_KINDS, rateFinding} from './severity.js'
import {lazyReport, mergePlan} from './keyless-profiles.js'
import {awsFileSources, cacheDrafts, environmentDrafts} from './sources.js'
import {awsDirectoryDrafts, toolAndShellDrafts} from './stores.js'
import {SCAN_LIMITS} from './walk.js'
import {identifyKeys, keyFingerprint} from './identify.js'
import {SEVERITIES, type AuditReport, type Draft, type Finding, type KeyIdentity} from './types.js'

export interface InventoryOptions {
  env: NodeJS.ProcessEnv
  /** Skip STS: every long-term key is `unchecked`. */
  offline: boolean
  /** `--scan DIR`, absolute paths. */
  scan: string[]
  /** Identities from an earlier inventory of this run. */
  known?: Map<string, KeyIdentity>
  onIdentifyStart?: (total: number) => void
  onProgress?: (done: number, total: number) => void
  /** For tests of the Windows rules; process.platform otherwise. */
  platform?: NodeJS.Platform
}

/** A finding with what it was made from (the draft keeps the key and the fix action; neither is output). */
export interface Entry {
  finding: Finding
  draft: Draft
  identity?: KeyIdentity
}

export interface Inventory {
  /** Every finding with what it was made from, but the keyless profiles (nothing to fix): those are in the report only. */
  entries: Entry[]
  report: AuditReport
  identities: Map<string, KeyIdentity>
}

/**
 * Keys STS is asked about: the ones with a secret, wherever they are (the environment, AWS files, other tools'
 * files, shell start-up files, project files), and the credentials an `aws login` cache holds.
 */
const IDENTIFIED: ReadonlySet<string> = new Set([...KEY_KINDS, 'login-cache'])

/** Every credential on this machine, identified and rated. Changes nothing. */
export async function takeInventory(options: InventoryOptions): Promise<Inventory> {
  const {env} = options
  const environment = environmentDrafts(env)
  // The sources that read files, at once: each one's reads wait on the thread pool while another's text is scanned
  // on the main thread (with 3,000 profiles the config file's read was a wait of its own). Drafts keep their order.
  const [awsFiles, caches, toolsAndShells] = await Promise.all([awsFileSources(env), cacheDrafts(env), toolAndShellDrafts(env)])
  const profiles = awsFiles.keylessProfiles
  const drafts: Draft[] = [
    ...environment,
    ...awsFiles.drafts,
    ...caches,
    ...awsDirectoryDrafts(env, SCAN_LIMITS),
    ...toolsAndShells,
    ...homeDrafts(env, options.platform),
  ]
  // A file read above is not found again by --scan (`--scan ~` reaches ~/.s3cfg and ~/.aws too). Made for --scan
  // only: without it, 3,000 profiles are 3,000 paths to collect for nothing.
  const read = options.scan.length > 0 ? new Set(drafts.map((d) => d.path).filter(Boolean)) : new Set<string | undefined>()
  if (profiles && profiles.count > 0) read.add(profiles.path)
  const awsDir = join(homeDir(env), '.aws') + sep
  const covered = (path: string | undefined) => path !== undefined && (read.has(path) || path.startsWith(awsDir))
  // The CI workflow reader (a YAML parser and glob matchers: some 90 modules) loads for --scan only.
  const {ciDrafts} = options.scan.length > 0 ? await import('../ci/audit-drafts.js') : {ciDrafts: undefined}
  for (const dir of options.scan) {
    const found = scanDirectory(dir, env).filter((d) => !covered(d.path))
    // A key written out in a workflow is a key pair, found above; ci-static-key is the job fed keys from secrets or variables.
    const pairs = new Set(found.filter((d) => d.key).map((d) => `${d.path}:${d.location.line}`))
    drafts.push(...found, ...(await ciDrafts!(dir, env)).filter((d) => !pairs.has(`${d.path}:${d.location.line}`)))
  }
  const keys = drafts.filter((d) => d.key && d.key.secretAccessKey && IDENTIFIED.has(d.kind)).map((d) => d.key!)
  let identities = new Map<string, KeyIdentity>(options.known ?? [])
  if (!options.offline && keys.length > 0) {
    options.onIdentifyStart?.(keys.length)
    identities = await identifyKeys(keys, {env, known: options.known, onProgress: options.onProgress})
  }
  const seq = new Map<Entry, number>()
  const entries = drafts.map((draft, index) => {
    const wanted = draft.key && draft.key.secretAccessKey && IDENTIFIED.has(draft.kind)
    const identity: KeyIdentity | undefined = wanted
      ? options.offline
        ? {status: 'unchecked'}
        : identities.get(keyFingerprint(draft.key!))
      : undefined
    const entry = {finding: rateFinding(draft, identity), draft, identity}
    seq.set(entry, index)
    return entry
  })
  entries.sort((a, b) => compareFindings(a.finding, b.finding))
  // The keyless profiles among them, in the order one sort of every draft gave (their drafts follow the environment's).
  // Planned only when read: the human report does not (lazyReport).
  const plan = () => mergePlan(entries, (e) => seq.get(e)!, profiles, environment.length)
  return {
    entries,
    report: lazyReport(
      entries.map((e) => e.finding),
      plan,
      profiles,
    ),
    identities,
  }
}

/** Exit 3 when anything is critical or high (PRODUCT.md section 4). */
export function failsAudit(report: AuditReport): boolean {
  return report.summary.critical + report.summary.high > 0
}

export {SEVERITIES}

/**
 * Windows: with HOME and USERPROFILE apart, keyless, the AWS CLI and the Go SDK read USERPROFILE's .aws folder and
 * the JavaScript SDK HOME's, so a key removed from one may live on in the other.
 */
function homeDrafts(env: NodeJS.ProcessEnv, platform?: NodeJS.Platform): Draft[] {
  const mismatch = homeMismatch(env, platform)
  if (!mismatch) return []
  return [{kind: 'home-differs', location: {file: null, line: null, profile: null, variable: 'HOME'}, detail: mismatch}]
}
