import {readConfigText, withConfigFileLock, writeFileAtomic} from '../aws-config/atomic-write.js'
import {configFilePath, displayPath} from '../aws-config/paths.js'
import {buildWantedProfiles, isWritableAssignment, syncProfiles} from '../aws-config/profiles.js'
import {setSessionKeys} from '../aws-config/sso-sessions.js'
import type {AccountWithRoles} from '../accounts/list.js'
import {regionFor} from '../team-file/regions.js'
import type {SsoSession} from '../sso/types.js'

/** `profiles sync --json`: exactly these lists (PRODUCT.md section 4). */
export interface ProfilesSyncResult {
  added: string[]
  updated: string[]
  removed: string[]
  unchanged: string[]
  skipped: string[]
}

export interface ProfilesSyncOutcome {
  result: ProfilesSyncResult
  /** This session's keyless profiles whose role is gone, left in place because --prune was not given. */
  stale: string[]
  /** Wanted names held by other keyless sessions, per session. */
  takenBy: Array<{session: string; names: string[]}>
  warnings: string[]
  /** Unified diff of the config file (empty when nothing changes). */
  diff: string
  /** Whether the file was written (false on --dry-run and when nothing changed). */
  wrote: boolean
  configFile: string
}

export interface ProfilesSyncOptions {
  template?: string
  /** Region for new profiles; the session's region when absent. */
  region?: string
  prune: boolean
  dryRun: boolean
  /** The keyless executable as credential_process should run it (Windows: node.exe and run.js). */
  command: string | readonly string[]
  autoLogin: boolean
  /** `keyless_*` keys to set in the session's `[sso-session]` section in the same write (remembered options). */
  remember?: Record<string, string | undefined>
}

/**
 * Writes one credential_process profile per account and role into the AWS config file: the whole
 * read-modify-write under the config file's lock (two terminals cannot lose each other's sync), the edit a
 * pure text-to-text function, the write atomic with a backup, and no write at all when nothing changes.
 */
export async function syncSessionProfiles(
  session: SsoSession,
  accounts: AccountWithRoles[],
  options: ProfilesSyncOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProfilesSyncOutcome> {
  const path = configFilePath(env)
  const all = accounts.flatMap((a) => a.roles.map((roleName) => ({accountId: a.accountId, accountName: a.accountName, roleName})))
  // The portal's strings are untrusted: one that cannot be written into a command line safely is skipped, not fatal.
  const unwritable = all.filter((a) => !isWritableAssignment(a.accountId, a.roleName))
  const wanted = buildWantedProfiles({
    session: session.name,
    assignments: all.filter((a) => isWritableAssignment(a.accountId, a.roleName)),
    template: options.template,
    region: options.region ?? session.region,
    command: options.command,
    autoLogin: options.autoLogin,
  })
  // A team file's per-account or per-role regions (keyless_regions) for new profiles, over the session default.
  const rules = session.keyless?.keyless_regions
  if (rules) {
    const names = new Map(accounts.map((a) => [a.accountId, a.accountName]))
    for (const w of wanted) {
      w.keys.region = regionFor(rules, {accountId: w.accountId, accountName: names.get(w.accountId)}, w.roleName) ?? w.keys.region
    }
  }
  const sync = async () => {
    const before = await readConfigText(path)
    const synced = syncProfiles(before, {session: session.name, profiles: wanted, prune: options.prune, path: displayPath(path, env)})
    const after = options.remember
      ? setSessionKeys(synced.text, session.name, options.remember, {path: displayPath(path, env)})
      : synced.text
    const diff = after === before ? '' : await unifiedDiff(displayPath(path, env), before, after)
    // Nothing to change: no write, and no second read of the file to find that out.
    const wrote = options.dryRun || after === before ? false : await writeFileAtomic(path, after, {backup: true})
    const {added, updated, removed, unchanged, skipped} = synced
    const warnings = [
      ...unwritable.map(
        (a) =>
          `role "${a.roleName}" in account ${a.accountId} has characters keyless will not write into a credential_process line: no profile for it`,
      ),
      ...synced.warnings,
    ]
    return {
      result: {added, updated, removed, unchanged, skipped},
      stale: synced.stale,
      takenBy: synced.takenBy,
      warnings,
      diff,
      wrote,
      configFile: path,
    }
  }
  return options.dryRun ? sync() : withConfigFileLock(path, sync, {env})
}

async function unifiedDiff(name: string, before: string, after: string): Promise<string> {
  const {createTwoFilesPatch} = await import('diff')
  return createTwoFilesPatch(name, name, before, after, 'current', 'after sync')
}
