import {InvalidConfigValueError} from './errors.js'
import {configWarnings, type ConfigSection, getKey, parseConfig} from './ini.js'
import {LineEditor, writeSectionKeys, type KeyWrite} from './line-editor.js'
import {validateSessionName} from './sso-sessions.js'

/** One profile `keyless profiles sync` wants in the config file (PRODUCT.md section 6). */
export interface WantedProfile {
  name: string
  accountId: string
  roleName: string
  /** Written in this order. `region` is only written when the profile has none (see syncProfiles). */
  keys: {credential_process: string; region?: string; keyless_session: string}
}

export interface SyncProfilesOptions {
  session: string
  profiles: WantedProfile[]
  /** Remove this session's keyless profiles whose account/role is no longer wanted. */
  prune: boolean
  /** The config file as shown to users, for error messages (`~/.aws/config`). */
  path?: string
}

export interface SyncProfilesResult {
  /** The new file text; byte-identical to the input when nothing changed. */
  text: string
  added: string[]
  /** Existing keyless profiles that were changed (credential_process, a missing key, or a rename). */
  updated: string[]
  /** Removed by prune. */
  removed: string[]
  unchanged: string[]
  /** Wanted names taken by a section keyless does not own (no `keyless_session`, or another session's). */
  skipped: string[]
  /** This session's keyless profiles whose account/role is no longer wanted, left in place (no prune). */
  stale: string[]
  /** Keyless profiles renamed because the name template changed (also listed in `updated` by their new name). */
  renamed: Array<{from: string; to: string}>
  /** Skipped names held by other keyless sessions, per session (reported as one sentence each by the caller). */
  takenBy: Array<{session: string; names: string[]}>
  /** One human sentence per thing the user should know about (skips, profiles left alone). */
  warnings: string[]
}

/** The keys keyless owns inside a profile, in the order it writes them. */
export const KEYLESS_KEYS = ['credential_process', 'region', 'keyless_session'] as const

/** Names keyless writes: ASCII letters, digits and `. _ - +` (what botocore, the JS SDK and shells all accept). */
const SAFE_NAME = /^[A-Za-z0-9._+-]+$/

export const DEFAULT_PROFILE_TEMPLATE = '{account_name}.{role_name}'

/** Safe characters, no `-` at either end and no `--`: what sanitizeProfileName leaves as it is. */
const ALREADY_SAFE = /^[A-Za-z0-9._+]+(?:-[A-Za-z0-9._+]+)*$/

export interface ProfileNameVars {
  session: string
  account_id: string
  account_name: string
  role_name: string
}

/**
 * Makes a string safe as (part of) a profile name: accents are dropped (`Produção` → `Producao`), any other
 * character outside `A-Z a-z 0-9 . _ - +` becomes `-`, runs of `-` collapse, `-` at either end goes.
 * Non-ASCII letters are not kept because the JS SDK only recognises `[profile NAME]` with NAME in
 * `[\w-@+.%:/]+` (ASCII `\w`): a profile named `café` would be invisible to every Node.js tool.
 */
export function sanitizeProfileName(value: string): string {
  // Already safe (the usual account and role name): every step below would return it unchanged.
  if (ALREADY_SAFE.test(value)) return value
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9._+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
}

/**
 * A template must give every account and role its own name: `{role_name}` and `{account_name}` or `{account_id}`
 * (`static` or `{account_id}` alone would fold every role into one profile). A usage error otherwise.
 */
export function validateTemplate(template: string, rerun: string): string {
  const has = (p: string) => template.includes(`{${p}}`)
  if (!has('role_name') || !(has('account_name') || has('account_id'))) {
    throw new InvalidConfigValueError(
      `--template '${template}' cannot tell every account and role apart: it needs {role_name} and {account_name} or {account_id}`,
      `run: ${rerun} --template '${DEFAULT_PROFILE_TEMPLATE}'`,
    )
  }
  return template
}

/** The last template profileName found free of unknown placeholders. */
let lastCheckedTemplate: string | undefined

/**
 * Expands a `--template` (`{session}`, `{account_id}`, `{account_name}`, `{role_name}`), each value and then
 * the whole name sanitised. An account name with nothing usable in it falls back to the account id.
 */
export function profileName(template: string | undefined, vars: ProfileNameVars): string {
  const tpl = template ?? DEFAULT_PROFILE_TEMPLATE
  const allowed = ['session', 'account_id', 'account_name', 'role_name'] as const
  // A sync names thousands of profiles with one template: it is checked once.
  const unknown =
    tpl === lastCheckedTemplate
      ? []
      : [...tpl.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] as string).filter((p) => !(allowed as readonly string[]).includes(p))
  if (unknown.length > 0) {
    throw new InvalidConfigValueError(
      `--template uses {${unknown[0]}}, which is not one of {session}, {account_id}, {account_name}, {role_name}`,
      `run: keyless profiles sync --template '${DEFAULT_PROFILE_TEMPLATE}'`,
    )
  }
  const values: Record<string, string> = {}
  for (const p of allowed) values[p] = sanitizeProfileName(vars[p])
  if (!values.account_name) values.account_name = values.account_id ?? ''
  lastCheckedTemplate = tpl
  const name = sanitizeProfileName(tpl.replace(/\{([^}]*)\}/g, (_, p: string) => values[p] ?? ''))
  if (!name) {
    throw new InvalidConfigValueError(
      `--template "${tpl}" gives an empty profile name`,
      `run: keyless profiles sync --template '${DEFAULT_PROFILE_TEMPLATE}'`,
    )
  }
  return name
}

/**
 * Makes names unique: names shared by several profiles get `.ACCOUNT_ID` appended; any that still clash
 * (same account, roles that sanitise alike) get `.2`, `.3`... in input order. Unique names are untouched.
 */
export function disambiguate<T extends {name: string; accountId: string}>(items: readonly T[]): T[] {
  const count = new Map<string, number>()
  for (const item of items) count.set(item.name, (count.get(item.name) ?? 0) + 1)
  const first = items.map((item) => ((count.get(item.name) ?? 0) > 1 ? {...item, name: `${item.name}.${item.accountId}`} : item))
  const taken = new Set<string>()
  const all = new Set(first.map((i) => i.name))
  return first.map((item) => {
    if (!taken.has(item.name)) {
      taken.add(item.name)
      return item
    }
    let n = 2
    while (taken.has(`${item.name}.${n}`) || all.has(`${item.name}.${n}`)) n++
    const name = `${item.name}.${n}`
    taken.add(name)
    return {...item, name}
  })
}

const ACCOUNT_ID = /^\d{12}$/
/** IAM's permission set (role) name characters: nothing a shell or shlex would split or interpret. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/

/** Whether an account id and role name from the portal can go into a credential_process line as they are. */
export function isWritableAssignment(accountId: string, roleName: string): boolean {
  return ACCOUNT_ID.test(accountId) && ROLE_NAME.test(roleName)
}

/**
 * Refuses a `--command` that cannot go into credential_process as one meaning for every tool (quotes, newlines,
 * comment markers, and the characters the AWS CLI and the shell-running SDKs read differently).
 */
export function checkCredentialProcessCommand(command: string, platform: NodeJS.Platform = process.platform): void {
  if (!command || /["\r\n\0]/.test(command) || /\s[#;]/.test(command)) {
    throw new InvalidConfigValueError(
      `the command "${command}" cannot be written into credential_process (no quotes, newlines, " #" or " ;")`,
      'pass --command with a plain path, e.g. --command keyless',
    )
  }
  const ambiguous = [...new Set(command.match(platform === 'win32' ? /[%&|<>^]/g : /[$`\\]/g) ?? [])]
  if (ambiguous.length > 0) {
    // The JS SDK runs credential_process through a shell (/bin/sh, cmd.exe), the AWS CLI splits it itself: in
    // double quotes sh expands $ and backticks and eats backslashes, cmd.exe expands %VAR%; the AWS CLI does none
    // of it. The same line would run different commands in different tools.
    throw new InvalidConfigValueError(
      `the command "${command}" contains ${ambiguous.map((c) => `"${c}"`).join(', ')}, which the AWS CLI and the AWS SDKs read differently in credential_process`,
      'pass --command with a path without them, e.g. --command keyless',
    )
  }
}

/**
 * The `credential_process` value: the command double-quoted, then the arguments. Account id and role name
 * come from a server and end up in a line the JS SDK runs through a shell, so they are checked strictly.
 */
export function credentialProcessCommand(
  input: {
    /** The keyless executable; several words (Windows: node.exe and run.js) when an array. */
    command: string | readonly string[]
    session: string
    accountId: string
    roleName: string
    autoLogin?: boolean
  },
  platform: NodeJS.Platform = process.platform,
): string {
  const {session, accountId, roleName} = input
  const command = typeof input.command === 'string' ? [input.command] : input.command
  for (const part of command) checkCredentialProcessCommand(part, platform)
  validateSessionName(session)
  if (!ACCOUNT_ID.test(accountId))
    throw new InvalidConfigValueError(`"${accountId}" is not an AWS account id`, 'report this: the portal returned it')
  if (!ROLE_NAME.test(roleName)) {
    throw new InvalidConfigValueError(`"${roleName}" is not a permission set name keyless can write`, 'report this: the portal returned it')
  }
  // VALUE joined with `=`: a role name starting with `-` must not read as a flag ("argument is ambiguous").
  const args = `credential-process --session ${session} --account-id=${accountId} --role-name=${roleName}`
  return `${launcherText(command, platform)} ${args}${input.autoLogin ? ' --auto-login' : ''}`
}

/**
 * The launcher words as they open a credential_process line. Linux and macOS: each double-quoted (as before).
 * Windows: quoted only where a space leaves no choice (src/platform/launcher.ts: a quote breaks the Go SDK there).
 */
export function launcherText(parts: readonly string[], platform: NodeJS.Platform = process.platform): string {
  return parts.map((p) => (platform !== 'win32' || /\s/.test(p) ? `"${p}"` : p)).join(' ')
}

/** Reads `--account-id` / `--role-name` back from a credential_process line keyless wrote. */
export function parseCredentialProcess(value: string | undefined): {accountId: string; roleName: string} | undefined {
  if (!value) return undefined
  const arg = (flag: string): string | undefined => {
    const m = new RegExp(`(?:^|\\s)--${flag}(?:\\s+|=)(?:"([^"]*)"|'([^']*)'|(\\S+))`).exec(value)
    return m ? (m[1] ?? m[2] ?? m[3]) : undefined
  }
  const accountId = arg('account-id')
  const roleName = arg('role-name')
  return accountId && roleName ? {accountId, roleName} : undefined
}

/** Everything a sync needs to know about the accounts and roles to write, turned into WantedProfiles. */
export function buildWantedProfiles(input: {
  session: string
  assignments: ReadonlyArray<{accountId: string; accountName: string; roleName: string}>
  template?: string
  /** Written into new profiles only. */
  region?: string
  /** The keyless executable as it should appear in credential_process (absolute path, or `keyless`; Windows: node.exe and run.js). */
  command: string | readonly string[]
  autoLogin?: boolean
  platform?: NodeJS.Platform
}): WantedProfile[] {
  const sorted = [...input.assignments].sort(
    (a, b) =>
      a.accountName.localeCompare(b.accountName, 'en') ||
      a.accountId.localeCompare(b.accountId) ||
      a.roleName.localeCompare(b.roleName, 'en'),
  )
  const named = sorted.map((a) => ({
    name: profileName(input.template, {
      session: input.session,
      account_id: a.accountId,
      account_name: a.accountName,
      role_name: a.roleName,
    }),
    accountId: a.accountId,
    roleName: a.roleName,
  }))
  return disambiguate(named).map((p) => ({
    ...p,
    keys: {
      credential_process: credentialProcessCommand(
        {
          command: input.command,
          session: input.session,
          accountId: p.accountId,
          roleName: p.roleName,
          autoLogin: input.autoLogin,
        },
        input.platform,
      ),
      region: input.region,
      keyless_session: input.session,
    },
  }))
}

const roleKey = (accountId: string, roleName: string): string => `${accountId}/${roleName}`

/**
 * Brings the config text to the wanted profiles, touching nothing keyless does not own.
 *
 * - A profile section is keyless's only if it has `keyless_session`; it belongs to this sync when that value
 *   is `session`. Sections of other sessions and users' sections are never changed.
 * - A wanted name held by a section keyless does not own is `skipped` (with a warning).
 * - A wanted profile is matched to this session's keyless profile of the same name; failing that, to one
 *   whose credential_process names the same account and role (the template changed): that section is renamed.
 *   Neither: the profile is appended at the end of the file.
 * - In a matched profile keyless sets `credential_process` and `keyless_session`; `region` is written when the
 *   profile is created and added when it is missing, but a region that is there is the user's and stays.
 *   Every other key, comment and blank line in the section stays where it is.
 * - This session's keyless profiles whose account/role is not wanted are `stale`; with `prune` they are
 *   removed (with the blank lines after them). Further keyless profiles for a wanted account/role (a copy the
 *   user made under another name) are kept up to date, not pruned. A keyless profile whose credential_process
 *   keyless cannot read is left alone, with a warning.
 * Running it again on its own output returns the same text.
 */
export function syncProfiles(text: string, options: SyncProfilesOptions): SyncProfilesResult {
  const {session} = options
  const doc = parseConfig(text, {path: options.path})
  const editor = new LineEditor(doc)
  const result: Omit<SyncProfilesResult, 'text'> = {
    added: [],
    updated: [],
    removed: [],
    unchanged: [],
    skipped: [],
    stale: [],
    renamed: [],
    takenBy: [],
    // Sections the AWS tools ignore are never touched; the user hears about each once.
    warnings: configWarnings(doc, options.path),
  }

  const names = new Set<string>()
  for (const p of options.profiles) {
    if (!SAFE_NAME.test(p.name)) {
      throw new InvalidConfigValueError(`"${p.name}" is not a profile name keyless writes`, 'use --template with letters, digits, . _ - +')
    }
    if (names.has(p.name)) throw new Error(`syncProfiles: profile name "${p.name}" wanted twice (disambiguate first)`)
    names.add(p.name)
  }

  const profileSections = doc.sections.filter((s) => s.type === 'profile' || s.type === 'default')
  const byName = new Map<string, ConfigSection>()
  // `[default]` is the profile "default"; a `[profile default]` next to it wins the name, as in the AWS CLI.
  for (const s of profileSections) if (s.type === 'default' && !byName.has('default')) byName.set('default', s)
  for (const s of profileSections) if (s.type === 'profile') byName.set(s.name, s)
  const ours = (s: ConfigSection): boolean => s.type === 'profile' && getKey(s, 'keyless_session') === session
  const mine = profileSections.filter(ours)
  const matched = new Map<ConfigSection, WantedProfile>()

  const toAdd: WantedProfile[] = []
  const unmatchedWanted: WantedProfile[] = []
  for (const wanted of options.profiles) {
    const section = byName.get(wanted.name)
    if (!section) {
      unmatchedWanted.push(wanted)
      continue
    }
    if (ours(section)) {
      matched.set(section, wanted)
      continue
    }
    result.skipped.push(wanted.name)
    const owner = getKey(section, 'keyless_session')
    if (owner === undefined) {
      result.warnings.push(`profile "${wanted.name}" (line ${section.start + 1}) is your own, not keyless's: left alone, not written`)
    } else {
      const entry =
        result.takenBy.find((t) => t.session === owner) ?? (result.takenBy.push({session: owner, names: []}), result.takenBy.at(-1)!)
      entry.names.push(wanted.name)
    }
  }

  // Renamed template: this session's unmatched profile for the same account and role takes the new name.
  const unmatchedMine = (): ConfigSection[] => mine.filter((s) => !matched.has(s))
  for (const wanted of unmatchedWanted) {
    const key = roleKey(wanted.accountId, wanted.roleName)
    const section = unmatchedMine().find((s) => {
      const target = parseCredentialProcess(getKey(s, 'credential_process'))
      return target && roleKey(target.accountId, target.roleName) === key
    })
    if (section) {
      matched.set(section, wanted)
      editor.replace(section.start, `[profile ${wanted.name}]`)
      result.renamed.push({from: section.name, to: wanted.name})
    } else {
      toAdd.push(wanted)
    }
  }

  const writesFor = (keys: WantedProfile['keys']): KeyWrite[] => [
    {name: 'credential_process', value: keys.credential_process, mode: 'set'},
    {name: 'region', value: keys.region, mode: 'if-missing'},
    {name: 'keyless_session', value: keys.keyless_session, mode: 'set'},
  ]

  const wantedByRole = new Map(options.profiles.map((p) => [roleKey(p.accountId, p.roleName), p]))
  const toRemove: ConfigSection[] = []
  for (const section of mine) {
    const wanted = matched.get(section)
    if (wanted) {
      const renamed = section.name !== wanted.name
      const changed = writeSectionKeys(editor, doc, section, writesFor(wanted.keys))
      ;(changed || renamed ? result.updated : result.unchanged).push(wanted.name)
      continue
    }
    const target = parseCredentialProcess(getKey(section, 'credential_process'))
    if (!target) {
      result.warnings.push(
        `profile "${section.name}" (line ${section.start + 1}) has keyless_session = ${session} but a credential_process ` +
          'keyless cannot read: left alone',
      )
      continue
    }
    const sameRole = wantedByRole.get(roleKey(target.accountId, target.roleName))
    if (sameRole) {
      // A second keyless profile for a wanted role (copied under another name): keep its command line current.
      const changed = writeSectionKeys(editor, doc, section, [writesFor(sameRole.keys)[0] as KeyWrite])
      ;(changed ? result.updated : result.unchanged).push(section.name)
      continue
    }
    if (options.prune) toRemove.push(section)
    else result.stale.push(section.name)
  }

  for (const section of [...toRemove].sort((a, b) => b.start - a.start)) editor.removeSection(section)
  result.removed.push(...toRemove.map((s) => s.name))

  for (const wanted of toAdd) {
    editor.appendSection([
      `[profile ${wanted.name}]`,
      `credential_process = ${wanted.keys.credential_process}`,
      ...(wanted.keys.region ? [`region = ${wanted.keys.region}`] : []),
      `keyless_session = ${wanted.keys.keyless_session}`,
    ])
    result.added.push(wanted.name)
  }

  return {text: editor.result(text), ...result}
}
