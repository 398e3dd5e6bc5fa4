import {readConfigText, withConfigFileLock} from '../aws-config/atomic-write.js'
import {type ConfigDocument, parseConfig} from '../aws-config/ini.js'
import {editKeyProfiles, writeKeyFile} from '../aws-config/key-profiles.js'
import {configFilePath, credentialsFilePath, displayPath} from '../aws-config/paths.js'
import {credentialProcessCommand} from '../aws-config/profiles.js'
import {listSsoSessions, type SsoSession} from '../aws-config/sso-sessions.js'
import {deactivateStep, type RoleChoice} from '../audit/fix.js'
import type {FoundKey, KeyIdentity} from '../audit/types.js'
import {printable, toUserLine} from '../errors.js'
import {redactSecrets} from '../ui/secrets.js'
import type {PrincipalKind} from '../identity/classify.js'
import {syncOptionsInForce} from '../profiles/options.js'
import {applyImport} from './apply.js'
import {readAwsSsoCliConfig} from './aws-sso-cli-config.js'
import {type ImportCandidate, type ImportRefusal, scanPeerProfiles} from './peers.js'
import {
  convertFlag,
  findKeyProfiles,
  type KeyOffer,
  type KeyProfile,
  type KeyRefusal,
  offerFor,
  pickRole,
  screenKeyProfiles,
  whose,
} from './static-keys.js'

/** `keyless import --json`. */
export interface ImportResult {
  imported: Array<{name: string; from: string; session: string; accountId: string; roleName: string}>
  notImported: Array<{name: string; from: string; reason: string; fix: string}>
  /** `[sso-session]`s import added (for legacy start URLs and aws-sso-cli instances). */
  sessionsAdded: string[]
  alreadyKeyless: number
  /** Profile names that held a long-term key and now are keyless profiles for a role of the same account. */
  keysConverted: Array<{
    name: string
    accountId: string
    roleName: string
    session: string
    principalKind: PrincipalKind | null
    /** How to deactivate the key at AWS, which keyless cannot do. */
    deactivate: string | null
  }>
}

export interface ImportOutcome {
  result: ImportResult
  /** The unified diff, on --dry-run ('' otherwise, and when nothing changes). */
  diff: string
  wrote: boolean
  configFile: string
  /** Lines for stderr: root keys, deactivation steps, backups holding removed keys, edits that failed. */
  notices: string[]
}

/** `--convert-keys NAME[=ROLE]`: profile name to the role wanted (undefined: the account's only role). */
export type KeyConversionRequest = ReadonlyMap<string, string | undefined>

export interface ImportDeps {
  /**
   * The roles a session's user has (`ACCOUNT/ROLE`), from the cached listing or Identity Center; throws when the
   * session cannot be reached (not signed in, network).
   */
  rolesOf: (session: SsoSession) => Promise<Set<string>>
  /** STS GetCallerIdentity signed by each key (audit's identify step), by keyFingerprint. */
  identify?: (keys: FoundKey[]) => Promise<Map<string, KeyIdentity>>
  /** The roles each account offers through keyless's sessions (audit's). */
  rolesByAccount?: () => Promise<Map<string, RoleChoice[]>>
  /** Asks on a terminal which role a key profile becomes (undefined: keep the key). Absent: no terminal. */
  askKey?: (offer: KeyOffer) => Promise<RoleChoice | undefined>
  env?: NodeJS.ProcessEnv
}

/**
 * `keyless import`: other tools' profiles become keyless profiles under the same names (PRODUCT.md section 15).
 * The roles are checked against each session's listing first (outside the lock: that may take the network);
 * then the read, the pure edit and the atomic write with a backup run under the config file's lock, as
 * `profiles sync` does. A profile whose role or session cannot be confirmed is listed with why, untouched.
 */
export async function importPeerProfiles(
  options: {dryRun: boolean; command: string; convertKeys?: KeyConversionRequest},
  deps: ImportDeps,
): Promise<ImportOutcome> {
  const env = deps.env ?? process.env
  const path = configFilePath(env)
  const shown = displayPath(path, env)
  const awsSso = await readAwsSsoCliConfig(env)
  const credentialsPath = credentialsFilePath(env)
  const credentialsShown = displayPath(credentialsPath, env)
  const credentialsDoc = await readCredentials(credentialsPath, credentialsShown)
  const credentialsProfiles = keyNames(credentialsDoc)
  const plan = (text: string) => {
    const doc = parseConfig(text, {path: shown})
    const sessions = listSsoSessions(doc)
    return {doc, sessions, scan: scanPeerProfiles(doc, sessions, {awsSso, credentialsProfiles})}
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

  // Long-term keys: identified with STS, offered as keyless profiles for a role of the same account (as audit does).
  const keys = await planKeyConversions(first, credentialsDoc, options.convertKeys, deps)

  const run = async (): Promise<ImportOutcome> => {
    const before = await readConfigText(path)
    // Unchanged since the first read (the usual case): its plan stands; parsing 3,000 profiles again is not free.
    const {sessions, scan} = before === firstText ? first : plan(before)
    const accepted: ImportCandidate[] = []
    const refused: ImportRefusal[] = [...scan.refused, ...keys.refused.map((r) => ({...r, tool: 'static-keys' as const}))]
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
    const imported = applyImport(before, accepted, newSessions, commandFor, {path: shown})
    const notices: string[] = []
    // The key profiles: their keys out of the config file and their names keyless's, in the same locked write.
    const conversions = keys.chosen.map(({offer, role}) => ({
      profile: offer.profile.name,
      session: role.session,
      region: role.region,
      credentialProcess: commandFor({
        name: offer.profile.name,
        tool: 'static-keys',
        accountId: role.accountId,
        roleName: role.roleName,
        session: {name: role.session, startUrl: '', region: role.region, created: false},
        dropKeys: [],
      }),
    }))
    const configKeys = new Map(
      keys.chosen.flatMap(({offer}) => (offer.profile.files.config ? [[offer.profile.name, offer.profile.files.config]] : [])),
    )
    const keyEdit =
      conversions.length === 0
        ? {text: imported, removed: [], converted: [], failed: []}
        : editKeyProfiles(imported, 'config', shown, {remove: configKeys, convert: conversions})
    notices.push(...keyEdit.failed)
    const after = keyEdit.text
    const converted = keys.chosen.filter(({offer}) => keyEdit.converted.includes(offer.profile.name))
    // Only --dry-run shows it: a diff of thousands of scattered edits costs seconds (Myers is O(N·D)).
    const diff = after === before || !options.dryRun ? '' : await unifiedDiff(shown, before, after)
    // Nothing to change writes nothing (not even an empty file where there was none).
    const written = options.dryRun || after === before ? {wrote: false} : await writeKeyFile(path, after, keyEdit.removed.length > 0)
    const wrote = written.wrote
    if (written.backup) notices.push(`${displayPath(written.backup, env)} holds the removed keys: delete it once they are deactivated.`)
    // Then the credentials file, whose keys win over the config file: only for names now keyless's.
    const credentialKeys = new Map(
      converted.flatMap(({offer}) => (offer.profile.files.credentials ? [[offer.profile.name, offer.profile.files.credentials]] : [])),
    )
    const credentials =
      credentialKeys.size === 0
        ? {diff: '', notices: []}
        : await removeCredentialsKeys(credentialKeys, {path: credentialsPath, shown: credentialsShown, dryRun: options.dryRun, env})
    notices.push(...credentials.notices)
    const keysConverted = converted.map(({offer, role}) => ({
      name: offer.profile.name,
      accountId: role.accountId,
      roleName: role.roleName,
      session: role.session,
      principalKind: offer.identity.principalKind ?? null,
      deactivate: deactivateStep(offer.profile.key.accessKeyId, false, offer.identity),
    }))
    // A dry run removed nothing: nothing to deactivate yet.
    if (!options.dryRun) notices.push(...keysConverted.flatMap(afterConversion))
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
        keysConverted,
      },
      diff: diff + credentials.diff,
      wrote,
      configFile: path,
      notices,
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

/** The shared credentials file, parsed; undefined when it is absent or unreadable (then it holds no key for us). */
async function readCredentials(path: string, shown: string): Promise<ConfigDocument | undefined> {
  try {
    return parseConfig(await readConfigText(path), {path: shown})
  } catch {
    return undefined
  }
}

/** Profile names of the shared credentials file with a key (keys there shadow a config profile of the same name). */
function keyNames(doc: ConfigDocument | undefined): Set<string> {
  return new Set((doc?.sections ?? []).filter((s) => s.keys.some((k) => k.name === 'aws_access_key_id')).map((s) => s.header))
}

interface KeyPlan {
  chosen: Array<{offer: KeyOffer; role: RoleChoice}>
  refused: KeyRefusal[]
}

/**
 * The key profiles to convert: each identified with STS and matched with the roles of its account in keyless's
 * sessions; then converted when `--convert-keys` names it, or when the user picks a role on a terminal. Without
 * either, it is listed with the exact flag: a key is never removed without the user naming it.
 */
async function planKeyConversions(
  first: {doc: ConfigDocument; scan: ReturnType<typeof scanPeerProfiles>},
  credentials: ConfigDocument | undefined,
  requested: KeyConversionRequest | undefined,
  deps: ImportDeps,
): Promise<KeyPlan> {
  const handled = new Set([...first.scan.candidates.map((c) => c.name), ...first.scan.refused.map((r) => r.name)])
  const found = findKeyProfiles(first.doc, credentials, handled)
  const plan: KeyPlan = {chosen: [], refused: []}
  for (const name of requested?.keys() ?? []) {
    if (!found.some((p) => p.name === name)) {
      plan.refused.push({
        name,
        reason: '--convert-keys names it, but it is no profile with a long-term key',
        fix: 'run: keyless import to list them',
      })
    }
  }
  if (found.length === 0) return plan
  const screened = screenKeyProfiles(found, first.doc)
  plan.refused.push(...screened.refused)
  if (screened.toIdentify.length === 0 || !deps.identify || !deps.rolesByAccount) return plan
  // The roles first: with none (no session signed in), no key is worth sending to STS.
  const roles = await deps.rolesByAccount()
  if (roles.size === 0) {
    for (const p of screened.toIdentify) plan.refused.push(noRoles(p))
    return plan
  }
  const {keyFingerprint} = await import('../audit/identify.js')
  const identities = await deps.identify(screened.toIdentify.map((p) => p.key))
  for (const profile of screened.toIdentify) {
    const offer = offerFor(profile, identities.get(keyFingerprint(profile.key)), roles)
    if (!('profile' in offer)) {
      plan.refused.push(offer)
      continue
    }
    const role = await chooseRole(offer, requested, deps)
    if (role) plan.chosen.push({offer, role})
    else plan.refused.push(keptKey(offer, requested, Boolean(deps.askKey)))
  }
  return plan
}

async function chooseRole(offer: KeyOffer, requested: KeyConversionRequest | undefined, deps: ImportDeps): Promise<RoleChoice | undefined> {
  const name = offer.profile.name
  if (requested) return requested.has(name) ? pickRole(offer.roles, requested.get(name)) : undefined
  return deps.askKey?.(offer)
}

/** A key profile when no keyless session lists any role: there is nothing to convert it to yet. */
function noRoles(profile: KeyProfile): KeyRefusal {
  return {
    name: profile.name,
    reason: 'it holds a long-term key, and no keyless session lists a role for you to turn it into',
    fix: 'run: keyless login, then keyless import again (or keyless audit --fix to remove the key)',
  }
}

/** Why a key profile that could be converted was not, and the exact command that converts it. */
function keptKey(offer: KeyOffer, requested: KeyConversionRequest | undefined, asked: boolean): KeyRefusal {
  const name = offer.profile.name
  const roles = offer.roles.map((r) => `${r.accountName}/${r.roleName}`).join(', ')
  const command = `run: keyless import ${convertFlag(offer)}`
  if (requested?.has(name)) {
    const wanted = requested.get(name)
    return {
      name,
      reason: `${whose(offer.identity)}; ${wanted === undefined ? 'its account offers several roles' : `${wanted} is not one of your roles there`} (${roles})`,
      fix: `${command} with ROLE one of ${offer.roles.map((r) => r.roleName).join(', ')}`,
    }
  }
  return {
    name,
    reason: `${whose(offer.identity)}; ${asked ? 'you kept it' : 'it can become a keyless profile'} (${roles}), which removes the key`,
    fix: `${command}${offer.roles.length > 1 ? ` (ROLE one of ${offer.roles.map((r) => r.roleName).join(', ')})` : ''}`,
  }
}

/** A secret key line of an AWS file, in a diff (removed, added or context). */
const SECRET_LINE = /^([-+ ][ \t]*(?:aws_secret_access_key|aws_session_token|aws_security_token)[ \t]*=[ \t]*)\S.*$/gm

/** The diff --dry-run prints: the secrets of the key lines it removes are redacted (the key ids show which key goes). */
async function unifiedDiff(name: string, before: string, after: string): Promise<string> {
  const {createTwoFilesPatch} = await import('diff')
  return redactSecrets(createTwoFilesPatch(name, name, before, after, 'current', 'after import').replace(SECRET_LINE, '$1<redacted>'))
}

/**
 * The credentials file's keys of the names now keyless's, out under that file's lock (its own backup,
 * `credentials.keyless.bak`, readable by you only); with --dry-run, the diff only. A failure is a line, not a throw:
 * the config file is already written, and the user must know the key there still wins.
 */
async function removeCredentialsKeys(
  keys: ReadonlyMap<string, string>,
  options: {path: string; shown: string; dryRun: boolean; env: NodeJS.ProcessEnv},
): Promise<{diff: string; notices: string[]}> {
  const out = {diff: '', notices: [] as string[]}
  const edit = async () => {
    const text = await readConfigText(options.path)
    const done = editKeyProfiles(text, 'credentials', options.shown, {remove: keys})
    out.notices.push(...done.failed)
    if (options.dryRun) {
      out.diff = done.text === text ? '' : await unifiedDiff(options.shown, text, done.text)
      return
    }
    const {backup} = await writeKeyFile(options.path, done.text, done.removed.length > 0)
    if (backup) out.notices.push(`${displayPath(backup, options.env)} holds the removed keys: delete it once they are deactivated.`)
  }
  try {
    await (options.dryRun ? edit() : withConfigFileLock(options.path, edit, {env: options.env}))
  } catch (error) {
    out.notices.push(
      `${toUserLine(error)} (the key is still in ${options.shown}, and wins over the keyless profile: run keyless audit --fix)`,
    )
  }
  return out
}

/** What the user must still do at AWS for a converted key, which keyless cannot: loudly for a root key. */
function afterConversion(k: ImportResult['keysConverted'][number]): string[] {
  if (k.principalKind === 'root') {
    return [
      `keyless: WARNING: ${printable(k.name)} held the ROOT key of account ${k.accountId}. It is gone from this machine but still works at AWS: delete it now: ${k.deactivate}`,
    ]
  }
  return k.deactivate
    ? [`keyless: the key of ${printable(k.name)} is gone from this machine but still works at AWS; deactivate it: ${k.deactivate}`]
    : []
}
