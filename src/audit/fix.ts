import {chmod, unlink} from 'node:fs/promises'

import {readConfigText, withConfigFileLock} from '../aws-config/atomic-write.js'
import {configFilePath, credentialsFilePath, displayPath} from '../aws-config/paths.js'
import {credentialProcessCommand} from '../aws-config/profiles.js'
import {editKeyProfiles, writeKeyFile} from '../aws-config/key-profiles.js'
import {toUserLine} from '../errors.js'
import type {Entry} from './inventory.js'
import {removeLinesFromFile} from './line-fix.js'
import type {FindingLocation, FindingKind} from './types.js'

/** A role a converted profile can use: from a keyless session's account listing. */
export interface RoleChoice {
  session: string
  region: string
  accountId: string
  accountName: string
  roleName: string
}

export type Decision = {entry: Entry; action: 'fix'} | {entry: Entry; action: 'convert'; role: RoleChoice}

/** One thing --fix did (`--json`: `fixed`). */
export interface FixedItem {
  kind: FindingKind
  location: FindingLocation
  accessKeyId: string | null
  action: 'removed' | 'deleted' | 'converted' | 'chmod' | 'left-alone'
  /** For a converted profile: the role it now uses. */
  role?: string
  /** How to deactivate a removed long-term key at AWS (keyless cannot): a command, or what to do in the console. */
  deactivate: string | null
}

export interface FixOutcome {
  fixed: FixedItem[]
  /** One line each: what could not be done, and why. */
  failed: string[]
  /** Backups that still hold removed keys (`credentials.keyless.bak`): the user deletes them once the keys are deactivated. */
  backups: string[]
  /** Keys in files keyless does not own that --fix left there (no yes on a terminal): where, and how to deactivate. */
  leftAlone?: FixedItem[]
}

/**
 * Applies the decisions: static keys out of the credentials and config files (lossless editor, the files'
 * own lock, a backup, an atomic write), profiles turned into keyless profiles, plaintext caches deleted, file
 * modes brought to 0600. The files are written once each, whatever the number of decisions.
 */
export async function applyFixes(decisions: Decision[], options: {env: NodeJS.ProcessEnv; command: string}): Promise<FixOutcome> {
  const {env} = options
  const outcome: FixOutcome = {fixed: [], failed: [], backups: []}
  const removals = {credentials: new Map<string, Decision>(), config: new Map<string, Decision>()}
  const conversions: Array<Decision & {action: 'convert'}> = []
  for (const d of decisions) {
    const action = d.entry.draft.action
    if (action?.type === 'remove-key') removals[action.file].set(action.profile, d)
    if (d.action === 'convert') conversions.push(d)
  }

  for (const file of ['credentials', 'config'] as const) {
    const path = file === 'credentials' ? credentialsFilePath(env) : configFilePath(env)
    const shown = displayPath(path, env)
    const removing = removals[file]
    const converting = file === 'config' ? conversions : []
    if (removing.size === 0 && converting.length === 0) continue
    try {
      await withConfigFileLock(
        path,
        async () => {
          const before = await readConfigText(path)
          const reviewed = new Map([...removing].map(([profile, d]) => [profile, d.entry.draft.key?.accessKeyId ?? '']))
          const byProfile = new Map(converting.map((c) => [c.entry.finding.location.profile ?? '', c]))
          const edit = editKeyProfiles(before, file, shown, {
            remove: reviewed,
            convert: [...byProfile].map(([profile, c]) => ({
              profile,
              session: c.role.session,
              region: c.role.region,
              credentialProcess: credentialProcessCommand({
                command: options.command,
                session: c.role.session,
                accountId: c.role.accountId,
                roleName: c.role.roleName,
              }),
            })),
          })
          outcome.failed.push(...edit.failed)
          for (const profile of [...removing.keys()]) if (!edit.removed.includes(profile)) removing.delete(profile)
          const converted = edit.converted.map((profile) => byProfile.get(profile)!)
          const {backup} = await writeKeyFile(path, edit.text, removing.size > 0)
          if (backup) outcome.backups.push(displayPath(backup, env))
          for (const d of removing.values()) outcome.fixed.push(removedItem(d))
          for (const c of converted) {
            outcome.fixed.push({
              kind: c.entry.finding.kind,
              location: c.entry.finding.location,
              accessKeyId: null,
              action: 'converted',
              role: `${c.role.accountName}/${c.role.roleName} (${c.role.accountId}) of session ${c.role.session}`,
              deactivate: null,
            })
          }
        },
        {env},
      )
    } catch (error) {
      outcome.failed.push(`${toUserLine(error)} (nothing in ${shown} was changed)`)
    }
  }

  // Key lines out of files keyless does not own (shell start-up files; other tools' files the user said yes to):
  // one write per file, after a backup.
  const byFile = new Map<string, Decision[]>()
  for (const d of decisions) {
    const action = d.entry.draft.action
    if (action?.type === 'remove-lines') byFile.set(action.path, [...(byFile.get(action.path) ?? []), d])
  }
  for (const [path, list] of byFile) {
    const shown = displayPath(path, env)
    try {
      const removals = list.map((d) => ({
        lines: (d.entry.draft.action as {lines: number[]}).lines,
        accessKeyId: d.entry.draft.key?.accessKeyId ?? '',
      }))
      const whole = list.some((d) => (d.entry.draft.action as {whole?: boolean}).whole === true)
      const done = await removeLinesFromFile(path, removals, {whole})
      if (done.error) {
        outcome.failed.push(`keyless: ${shown} was left as it is: ${done.error}; to review it, run: keyless audit --fix`)
        continue
      }
      if (done.backup) outcome.backups.push(displayPath(done.backup, env))
      for (const d of list) outcome.fixed.push(removedItem(d))
    } catch (error) {
      outcome.failed.push(`${toUserLine(error)} (nothing in ${shown} was changed)`)
    }
  }

  for (const d of decisions) {
    const action = d.entry.draft.action
    if (action?.type !== 'delete-cache') continue
    try {
      await unlink(action.path)
      outcome.fixed.push({
        kind: d.entry.finding.kind,
        location: d.entry.finding.location,
        accessKeyId: d.entry.finding.accessKeyId,
        action: 'deleted',
        deactivate: null,
      })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      outcome.failed.push(`keyless: cannot delete ${displayPath(action.path, env)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
    }
  }
  for (const d of decisions) {
    const action = d.entry.draft.action
    if (action?.type !== 'chmod') continue
    try {
      await chmod(action.path, 0o600)
      outcome.fixed.push({
        kind: d.entry.finding.kind,
        location: d.entry.finding.location,
        accessKeyId: null,
        action: 'chmod',
        deactivate: null,
      })
    } catch (error) {
      outcome.failed.push(`keyless: cannot chmod ${displayPath(action.path, env)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
    }
  }
  return outcome
}

/** A key --fix leaves in a file keyless does not own: its place and the deactivation step. */
export function leftAloneItem(entry: Entry): FixedItem {
  return {...removedItem({entry, action: 'fix'}), action: 'left-alone'}
}

function removedItem(d: Decision): FixedItem {
  const {finding, draft, identity} = d.entry
  return {
    kind: finding.kind,
    location: finding.location,
    accessKeyId: finding.accessKeyId,
    action: 'removed',
    deactivate: deactivateStep(draft.key?.accessKeyId ?? '', draft.temporary === true, identity),
  }
}

/**
 * How to deactivate a removed key at AWS, which keyless cannot do. The full access key id appears here (and
 * only here): the command needs it, and a key id without its secret grants nothing.
 */
export function deactivateStep(accessKeyId: string, temporary: boolean, identity: Entry['identity']): string | null {
  if (temporary) return null
  if (identity?.status === 'rejected') return null
  if (identity?.status === 'active' && identity.principalKind === 'root') {
    return `root key ${accessKeyId} of account ${identity.account}: sign in as the root user, open https://console.aws.amazon.com/iam/home#/security_credentials, Access keys, ${accessKeyId}: Deactivate, then Delete`
  }
  // The user name comes from the STS answer: only an IAM-valid name goes into a command meant for copy and paste.
  if (identity?.status === 'active' && identity.userName && /^[\w+=,.@-]{1,64}$/.test(identity.userName)) {
    return `aws iam update-access-key --status Inactive --access-key-id ${accessKeyId} --user-name ${identity.userName}`
  }
  return `aws iam update-access-key --status Inactive --access-key-id ${accessKeyId} --user-name USER (find USER with: aws iam get-access-key-last-used --access-key-id ${accessKeyId}; a root key is deactivated in the console)`
}
