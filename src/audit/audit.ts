import {stat} from 'node:fs/promises'
import {resolve} from 'node:path'

import {readConfigText} from '../aws-config/atomic-write.js'
import {configFilePath, displayPath} from '../aws-config/paths.js'
import {keylessConversionBlocker} from '../aws-config/remove-keys.js'
import {EXIT, KeylessError} from '../errors.js'
import {pollingSpinner} from '../ui/spinner.js'
import {applyFixes, leftAloneItem, type Decision, type FixedItem} from './fix.js'
import {failsAudit, takeInventory, type Entry, type Inventory} from './inventory.js'
import {afterFixLine, beforeFixLine, renderFixOutcome, renderReport, whereOf} from './render.js'
import type {AuditReport} from './types.js'

export interface AuditOptions {
  json: boolean
  offline: boolean
  scan: string[]
  fix: boolean
  yes: boolean
  /** How credential_process runs keyless in a converted profile (the absolute path of this keyless). */
  command: string
}

export interface AuditIo {
  env: NodeJS.ProcessEnv
  stdout: (text: string) => void
  stdinTTY: boolean
  stdoutColour: boolean
  /** Asks which fix to apply to a finding (a terminal prompt); only called when stdin is a terminal. */
  ask?: (question: {title: string; where: string; choices: Array<{name: string; value: string}>}) => Promise<string>
  /** The roles a converted profile may use, by account id. */
  roles?: () => Promise<Map<string, import('./fix.js').RoleChoice[]>>
}

/** `keyless audit --json`: the report (PRODUCT.md section 12), plus with --fix what was done. */
export type AuditResult = AuditReport & {fixed?: FixedItem[]; leftAlone?: FixedItem[]}

/**
 * The inventory, printed; with --fix, the fixes (asked per finding on a terminal, the safe default with --yes),
 * then the inventory again: what is left. Returns the --json value and whether it fails (exit 3).
 */
export async function runAudit(options: AuditOptions, io: AuditIo): Promise<{result: AuditResult; failed: boolean; notApplied: number}> {
  if (options.fix && !options.yes && (!io.stdinTTY || options.json)) {
    throw new KeylessError(
      '--fix asks before removing anything, and there is no terminal to ask on',
      'run it in a terminal, or add --yes to remove every key and cache keyless can (no profile conversion)',
      EXIT.usage,
    )
  }
  const scan: string[] = []
  for (const dir of options.scan) {
    const path = resolve(dir)
    const st = await stat(path).catch(() => undefined)
    if (!st?.isDirectory())
      throw new KeylessError(`--scan ${dir} is not a directory`, 'pass a directory to scan, e.g. --scan ~/src', EXIT.usage)
    scan.push(path)
  }
  const first = await inventory(options, io, scan)
  const colour = io.stdoutColour
  if (!options.json) io.stdout(renderReport(first.report, {colour, closing: options.fix ? beforeFixLine(first.report) : undefined}))
  if (!options.fix) return {result: first.report, failed: failsAudit(first.report), notApplied: 0}

  const fixable = first.entries.filter((e) => e.draft.action)
  // Another tool's file changes only with a yes to that finding on a terminal: --yes leaves it, and says where.
  const needsYes = (e: Entry) => e.draft.action?.type === 'remove-lines' && e.draft.action.confirm
  const decisions = options.yes
    ? fixable.filter((e) => !needsYes(e)).map((entry): Decision => ({entry, action: 'fix'}))
    : await ask(fixable, io)
  const chosen = new Set(decisions.map((d) => d.entry))
  const leftAlone = fixable.filter((e) => needsYes(e) && !chosen.has(e)).map(leftAloneItem)
  if (decisions.length === 0) {
    if (!options.json) {
      if (leftAlone.length > 0) io.stdout('\n' + renderFixOutcome({fixed: [], failed: [], backups: [], leftAlone}))
      io.stdout(afterFixLine(first.report, {changed: false, notApplied: 0}) + '\n')
    }
    return {result: {...first.report, fixed: [], leftAlone}, failed: failsAudit(first.report), notApplied: 0}
  }
  const outcome = {...(await applyFixes(decisions, {env: io.env, command: options.command})), leftAlone}
  if (!options.json) io.stdout('\n' + renderFixOutcome(outcome))
  const after = await inventory(options, io, scan, first.identities)
  const notApplied = outcome.failed.length
  if (!options.json) {
    io.stdout('\nWhat is left:\n' + renderReport(after.report, {colour, closing: afterFixLine(after.report, {changed: true, notApplied})}))
  }
  return {result: {...after.report, fixed: outcome.fixed, leftAlone}, failed: failsAudit(after.report), notApplied}
}

async function inventory(options: AuditOptions, io: AuditIo, scan: string[], known?: Inventory['identities']): Promise<Inventory> {
  const spinner = pollingSpinner('Asking AWS STS who each access key belongs to...')
  try {
    return await takeInventory({
      env: io.env,
      offline: options.offline,
      scan,
      known,
      onIdentifyStart: () => {
        if (!options.json) spinner.start()
      },
    })
  } finally {
    spinner.stop()
  }
}

/** One question per fixable finding, worst first. Keys of an account keyless has roles in may become keyless profiles. */
async function ask(entries: Entry[], io: AuditIo): Promise<Decision[]> {
  const roles = entries.some((e) => e.identity?.account) && io.roles ? await io.roles() : new Map()
  const convertible = await convertibleProfiles(io.env)
  const decisions: Decision[] = []
  for (const entry of entries) {
    const {finding, draft} = entry
    const action = draft.action!
    const choices: Array<{name: string; value: string}> = []
    const offer =
      action.type === 'remove-key'
        ? 'Remove the key'
        : action.type === 'remove-lines'
          ? `Remove the key's line${action.lines.length === 1 ? '' : 's'} (${action.lines.join(', ')}) from ${finding.location.file}${draft.detail && action.confirm ? ` (${draft.detail} will no longer find it)` : ''}`
          : action.type === 'delete-cache'
            ? 'Delete the file'
            : 'Make it readable by you only (chmod 600)'
    choices.push({name: offer, value: 'fix'})
    // A name keyless can write as [profile NAME] (what profiles sync writes), for a long-term key of a known account,
    // whose config section can take the credential_process line.
    const canConvert =
      action.type === 'remove-key' &&
      /^[A-Za-z0-9._+-]+$/.test(finding.location.profile ?? '') &&
      !draft.temporary &&
      convertible(finding.location.profile!, action.file)
    const options = canConvert && entry.identity?.account ? (roles.get(entry.identity.account) ?? []) : []
    for (const [n, role] of options.entries()) {
      choices.push({
        name: `Turn [${finding.location.profile}] into a keyless profile for ${role.accountName}/${role.roleName} (the key is removed)`,
        value: `role:${n}`,
      })
    }
    choices.push({name: 'Keep it', value: 'keep'})
    const answer = await io.ask!({title: `${finding.severity.toUpperCase()}: ${finding.title}`, where: whereOf(finding), choices})
    if (answer === 'fix') decisions.push({entry, action: 'fix'})
    else if (answer.startsWith('role:')) decisions.push({entry, action: 'convert', role: options[Number(answer.slice(5))]!})
  }
  return decisions
}

/**
 * Offer to turn a profile into a keyless profile only when that can be done: not when its config section already
 * gets credentials another way (`sso_session`, `credential_process`, `role_arn`...), which applyFixes would refuse
 * after removing the key. A config file that cannot be read or parsed offers no conversion.
 */
async function convertibleProfiles(env: NodeJS.ProcessEnv): Promise<(profile: string, keyFile: 'credentials' | 'config') => boolean> {
  const path = configFilePath(env)
  const text = await readConfigText(path).catch(() => undefined)
  return (profile, keyFile) => {
    if (text === undefined) return false
    try {
      return keylessConversionBlocker(text, profile, {path: displayPath(path, env), keysRemovedFirst: keyFile === 'config'}) === undefined
    } catch {
      return false
    }
  }
}
