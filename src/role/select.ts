import type {AccountWithRoles} from '../accounts/list.js'
import {getKey, parseConfig} from '../aws-config/ini.js'
import {parseCredentialProcess} from '../aws-config/profiles.js'
import {EXIT, KeylessError, printable} from '../errors.js'
import type {SsoSession} from '../sso/types.js'
import {closestNames} from './closest.js'
import {type ChainHop, type ProfileIndex, roleProfile, roleProfiles} from './profiles.js'

/** The role `exec`, `env` and `console` work with (PRODUCT.md section 4, ROLE). */
export interface RoleChoice {
  session: SsoSession
  accountId: string
  roleName: string
  /** From the accounts listing, when known. */
  accountName?: string
  /** The profile's `region`, when chosen by profile. */
  profileRegion?: string
  /** For people and prompts (KEYLESS_ROLE): the profile's name, else `<account name or id>.<role>`, e.g. `production.ReadOnlyAccess`. */
  label: string
  /** A role-chain profile: the roles assumed in turn from this role's credentials. */
  chain?: ChainHop[]
}

export interface RoleFlags {
  /** The positional ROLE: a keyless profile name, or `ACCOUNT.ROLE`. */
  role?: string
  profile?: string
  account?: string
  roleName?: string
  session?: string
}

export interface SelectDeps {
  /** The AWS config file's text ('' when there is none). */
  configText: () => Promise<string>
  loadSession: (name: string | undefined) => Promise<SsoSession>
  /** The session's accounts: the cached listing when fresh, else fetched (and cached). */
  listAccounts: (session: SsoSession) => Promise<AccountWithRoles[]>
  /** The cached listing only (no network), undefined when there is none: for naming an account given by id. */
  cachedAccounts: (session: SsoSession) => Promise<AccountWithRoles[] | undefined>
  /** The interactive picker; undefined without a terminal. */
  pick?: (session: SsoSession, accounts: AccountWithRoles[]) => Promise<{accountId: string; roleName: string}>
  /** `keyless exec` etc., for messages. */
  command: string
}

const ACCOUNT_ID = /^\d{12}$/

function usage(message: string, fix: string): KeylessError {
  return new KeylessError(message, fix, EXIT.usage)
}

/**
 * The role the user means: `--profile NAME` (keyless's own or an AWS CLI SSO profile: its session, account and role,
 * see profiles.ts), a positional ROLE (such a profile's name, else `ACCOUNT.ROLE`), or `--account NAME|ID --role NAME` (with `--session`);
 * with none of them the picker when there is a terminal, else a usage error naming the flags.
 */
export async function selectRole(flags: RoleFlags, deps: SelectDeps): Promise<RoleChoice> {
  const given = [flags.role !== undefined, flags.profile !== undefined, flags.account !== undefined || flags.roleName !== undefined].filter(
    Boolean,
  )
  if (given.length > 1) {
    throw usage('give the role one way only: ROLE, --profile NAME, or --account and --role', `run: keyless ${deps.command} --help`)
  }
  if (flags.profile !== undefined) return byProfile(flags.profile, deps, {fallback: false, session: flags.session})
  if (flags.role !== undefined) return byProfile(flags.role, deps, {fallback: true, session: flags.session})
  if (flags.account !== undefined || flags.roleName !== undefined) {
    if (flags.account === undefined)
      throw usage('--role needs --account NAME|ID', `run: keyless ${deps.command} --account NAME --role ${flags.roleName}`)
    if (flags.roleName === undefined)
      throw usage('--account needs --role NAME', `run: keyless ${deps.command} --account ${flags.account} --role NAME`)
    const session = await deps.loadSession(flags.session)
    return byAccount(session, flags.account, flags.roleName, deps)
  }
  if (!deps.pick) {
    throw usage(
      'no role given and no terminal to pick one in',
      `pass --profile NAME, or --account NAME|ID --role NAME (e.g. keyless ${deps.command} --account production --role ReadOnlyAccess${deps.command === 'exec' ? ' -- aws s3 ls' : ''})`,
    )
  }
  const session = await deps.loadSession(flags.session)
  const accounts = await deps.listAccounts(session)
  if (accounts.length === 0)
    throw new KeylessError(`no accounts are assigned to you in session ${session.name}`, 'ask your AWS administrator for access')
  const picked = await deps.pick(session, accounts)
  const account = accounts.find((a) => a.accountId === picked.accountId)
  return choice(session, picked.accountId, picked.roleName, account?.accountName)
}

function choice(
  session: SsoSession,
  accountId: string,
  roleName: string,
  accountName?: string,
  profileRegion?: string,
  profile?: string,
): RoleChoice {
  // The names come from the server (or a listing cache): printable, so that neither a message nor KEYLESS_ROLE
  // ever carries a control character (a terminal escape in stderr, an escape in a shell's variable).
  return {session, accountId, roleName, accountName, profileRegion, label: printable(profile ?? `${accountName || accountId}.${roleName}`)}
}

interface KeylessProfile {
  name: string
  session: string
  accountId: string
  roleName: string
  region?: string
}

/** The profiles keyless wrote: `keyless_session` and a credential_process line with `--account-id`/`--role-name`. */
export function keylessProfiles(configText: string): KeylessProfile[] {
  const doc = parseConfig(configText)
  const out: KeylessProfile[] = []
  for (const section of doc.sections) {
    if (section.type !== 'profile' && section.type !== 'default') continue
    const session = getKey(section, 'keyless_session')
    const target = parseCredentialProcess(getKey(section, 'credential_process'))
    if (!session || !target) continue
    out.push({
      name: section.type === 'default' ? 'default' : section.name,
      session,
      ...target,
      region: getKey(section, 'region') || undefined,
    })
  }
  return out
}

async function byProfile(name: string, deps: SelectDeps, options: {fallback: boolean; session?: string}): Promise<RoleChoice> {
  const configText = await deps.configText()
  // The profile alone first; the index of every profile only when it is not usable (to say why, or suggest a name).
  const index = (): ProfileIndex => roleProfiles(configText)
  const profile = roleProfile(configText, name) ?? index().usable.find((p) => p.name === name)
  if (profile) {
    const session = await deps.loadSession(options.session ?? profile.session)
    const accountName = (await deps.cachedAccounts(session))?.find((a) => a.accountId === profile.accountId)?.accountName
    const chosen = choice(session, profile.accountId, profile.roleName, accountName, profile.region, profile.name)
    return profile.chain ? {...chosen, chain: profile.chain} : chosen
  }
  const dot = name.lastIndexOf('.')
  if (options.fallback && dot > 0 && dot < name.length - 1) {
    const session = await deps.loadSession(options.session)
    return byAccount(session, name.slice(0, dot), name.slice(dot + 1), deps)
  }
  const shown = printable(name).slice(0, 80)
  const {usable, unusable} = index()
  const found = unusable.find((p) => p.name === name)
  if (found) throw usage(`profile "${shown}" keyless cannot use: ${found.why}`, found.fix)
  // Only names really close to the one typed (a typo, a part of it): anything looser, like the first profile of the
  // file, is most likely another account's role, and running the suggestion would act on that account.
  const close = closestNames(
    name,
    usable.map((p) => p.name),
    3,
    Math.max(1, Math.floor(name.length / 4)),
  )
  throw usage(
    `no profile "${shown}" keyless can use${close.length ? `; closest: ${close.join(', ')}` : usable.length === 0 ? ' (there are none)' : ''}`,
    close.length
      ? `run: keyless ${deps.command} --profile ${close[0]}`
      : usable.length === 0
        ? 'run: keyless profiles sync, or pass --account NAME|ID --role NAME'
        : 'pass --account NAME|ID --role NAME (keyless accounts lists them)',
  )
}

async function byAccount(session: SsoSession, account: string, roleName: string, deps: SelectDeps): Promise<RoleChoice> {
  // An account id needs no listing: GetRoleCredentials answers for it (404 when the role is not assigned).
  if (ACCOUNT_ID.test(account)) {
    const cached = await deps.cachedAccounts(session)
    const known = cached?.find((a) => a.accountId === account)
    if (known && !known.roles.includes(roleName)) throw unknownRole(known, roleName, deps)
    return choice(session, account, roleName, known?.accountName)
  }
  const accounts = await deps.listAccounts(session)
  let matches = accounts.filter((a) => a.accountName === account)
  if (matches.length === 0) matches = accounts.filter((a) => a.accountName.toLowerCase() === account.toLowerCase())
  if (matches.length === 0) {
    const close = closestNames(
      account,
      accounts.map((a) => a.accountName),
    )
    throw usage(
      `no account "${printable(account).slice(0, 80)}" in session ${session.name}${close.length ? `; closest: ${close.map(printable).join(', ')}` : ''}`,
      `run: keyless accounts --session ${session.name} to list them (or --refresh if it is new)`,
    )
  }
  if (matches.length > 1) {
    throw usage(
      `${matches.length} accounts are named "${printable(account)}": ${matches.map((a) => a.accountId).join(', ')}`,
      `pass the account id: --account ${matches[0]!.accountId}`,
    )
  }
  const found = matches[0]!
  const role = found.roles.find((r) => r === roleName) ?? found.roles.find((r) => r.toLowerCase() === roleName.toLowerCase())
  if (!role) throw unknownRole(found, roleName, deps)
  return choice(session, found.accountId, role, found.accountName)
}

function unknownRole(account: AccountWithRoles, roleName: string, deps: SelectDeps): KeylessError {
  const close = closestNames(roleName, account.roles)
  const list = (close.length ? close : account.roles.slice(0, 5)).map(printable).join(', ')
  return usage(
    `no role "${printable(roleName).slice(0, 70)}" in account ${printable(account.accountName)} (${account.accountId})${list ? `; ${close.length ? 'closest' : 'roles'}: ${list}` : ''}`,
    `run: keyless ${deps.command} --account ${account.accountId} --role ${close[0] ?? account.roles[0] ?? 'NAME'}`,
  )
}
