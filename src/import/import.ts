import {readConfigText, withConfigFileLock, writeFileAtomic} from '../aws-config/atomic-write.js'
import {parseConfig} from '../aws-config/ini.js'
import {configFilePath, credentialsFilePath, displayPath} from '../aws-config/paths.js'
import {credentialProcessCommand} from '../aws-config/profiles.js'
import {listSsoSessions, type SsoSession} from '../aws-config/sso-sessions.js'
import {syncOptionsInForce} from '../profiles/options.js'
import {applyImport} from './apply.js'
import {readAwsSsoCliConfig} from './aws-sso-cli-config.js'
import {type ImportCandidate, type ImportRefusal, scanPeerProfiles} from './peers.js'

/** `keyless import --json`. */
export interface ImportResult {
  imported: Array<{name: string; from: string; session: string; accountId: string; roleName: string}>
  notImported: Array<{name: string; from: string; reason: string; fix: string}>
  /** `[sso-session]`s import added (for legacy start URLs and aws-sso-cli instances). */
  sessionsAdded: string[]
  alreadyKeyless: number
}

export interface ImportOutcome {
  result: ImportResult
  /** The unified diff, on --dry-run ('' otherwise, and when nothing changes). */
  diff: string
  wrote: boolean
  configFile: string
}

export interface ImportDeps {
  /**
   * The roles a session's user has (`ACCOUNT/ROLE`), from the cached listing or Identity Center; throws when the
   * session cannot be reached (not signed in, network).
   */
  rolesOf: (session: SsoSession) => Promise<Set<string>>
  env?: NodeJS.ProcessEnv
}

/**
 * `keyless import`: other tools' profiles become keyless profiles under the same names (PRODUCT.md section 15).
 * The roles are checked against each session's listing first (outside the lock: that may take the network);
 * then the read, the pure edit and the atomic write with a backup run under the config file's lock, as
 * `profiles sync` does. A profile whose role or session cannot be confirmed is listed with why, untouched.
 */
export async function importPeerProfiles(options: {dryRun: boolean; command: string}, deps: ImportDeps): Promise<ImportOutcome> {
  const env = deps.env ?? process.env
  const path = configFilePath(env)
  const shown = displayPath(path, env)
  const awsSso = await readAwsSsoCliConfig(env)
  const credentialsProfiles = await credentialsFileProfiles(env)
  const plan = (text: string) => {
    const doc = parseConfig(text, {path: shown})
    const sessions = listSsoSessions(doc)
    return {sessions, scan: scanPeerProfiles(doc, sessions, {awsSso, credentialsProfiles})}
  }

  // Which roles each existing session really offers; sessions import adds are not signed in yet.
  const firstText = await readConfigText(path)
  const first = plan(firstText)
  const verdicts = new Map<string, Set<string> | Error>()
  for (const session of first.sessions) {
    if (!first.scan.candidates.some((c) => c.session.name === session.name && !c.session.created)) continue
    verdicts.set(
      session.name,
      await deps.rolesOf(session).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    )
  }

  const run = async (): Promise<ImportOutcome> => {
    const before = await readConfigText(path)
    // Unchanged since the first read (the usual case): its plan stands; parsing 3,000 profiles again is not free.
    const {sessions, scan} = before === firstText ? first : plan(before)
    const accepted: ImportCandidate[] = []
    const refused: ImportRefusal[] = [...scan.refused]
    for (const c of scan.candidates) {
      const why = refusal(c, verdicts.get(c.session.name))
      if (why) refused.push({name: c.name, tool: c.tool, ...why})
      else accepted.push(c)
    }
    const commandFor = (c: ImportCandidate) => {
      const session = sessions.find((s) => s.name === c.session.name)
      const inForce = session ? syncOptionsInForce({}, session) : undefined
      return credentialProcessCommand({
        command: inForce?.command ?? options.command,
        session: c.session.name,
        accountId: c.accountId,
        roleName: c.roleName,
        autoLogin: inForce?.autoLogin,
      })
    }
    // Sessions for start URLs the file has no [sso-session] for are added even when their profiles wait for a login.
    const newSessions = scan.candidates.filter((c) => c.session.created).map((c) => c.session)
    const after = applyImport(before, accepted, newSessions, commandFor, {path: shown})
    // Only --dry-run shows it: a diff of thousands of scattered edits costs seconds (Myers is O(N·D)).
    const diff = after === before || !options.dryRun ? '' : await unifiedDiff(shown, before, after)
    // Nothing to change writes nothing (not even an empty file where there was none).
    const wrote = options.dryRun || after === before ? false : await writeFileAtomic(path, after, {backup: true})
    const sessionsAdded = [...new Set(scan.candidates.filter((c) => c.session.created).map((c) => c.session.name))]
    return {
      result: {
        imported: accepted.map((c) => ({
          name: c.name,
          from: c.tool,
          session: c.session.name,
          accountId: c.accountId,
          roleName: c.roleName,
        })),
        notImported: refused.map((r) => ({name: r.name, from: r.tool, reason: r.reason, fix: r.fix})),
        sessionsAdded,
        alreadyKeyless: scan.alreadyKeyless.length,
      },
      diff,
      wrote,
      configFile: path,
    }
  }
  return options.dryRun ? run() : withConfigFileLock(path, run, {env})
}

/** Why a candidate cannot be imported now, from its session's listing (or the error reaching it). */
function refusal(c: ImportCandidate, verdict: Set<string> | Error | undefined): {reason: string; fix: string} | undefined {
  if (c.session.created || verdict === undefined) {
    return {
      reason: `its session ${c.session.name} (${c.session.startUrl}) is not signed in, so its role cannot be confirmed`,
      fix: `run: keyless login --session ${c.session.name}, then keyless import again`,
    }
  }
  if (verdict instanceof Error) {
    return {
      reason: `its session ${c.session.name} cannot be reached (${verdict.message})`,
      fix: `run: keyless login --session ${c.session.name}, then keyless import again`,
    }
  }
  if (!verdict.has(`${c.accountId}/${c.roleName}`)) {
    return {
      reason: `role ${c.roleName} in account ${c.accountId} is not assigned to you in session ${c.session.name}`,
      fix: `run: keyless accounts --session ${c.session.name} --refresh to see your roles`,
    }
  }
  return undefined
}

/** Profile names of the shared credentials file (keys there shadow a config profile of the same name). */
async function credentialsFileProfiles(env: NodeJS.ProcessEnv): Promise<Set<string>> {
  try {
    const text = await readConfigText(credentialsFilePath(env))
    const doc = parseConfig(text)
    return new Set(doc.sections.filter((s) => s.keys.some((k) => k.name === 'aws_access_key_id')).map((s) => s.header))
  } catch {
    return new Set()
  }
}

async function unifiedDiff(name: string, before: string, after: string): Promise<string> {
  const {createTwoFilesPatch} = await import('diff')
  return createTwoFilesPatch(name, name, before, after, 'current', 'after import')
}
