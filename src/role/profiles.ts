import {type ConfigSection, findSection, getKey, parseConfig} from '../aws-config/ini.js'
import {parseCredentialProcess} from '../aws-config/profiles.js'
import {listSsoSessions, type SsoSession} from '../aws-config/sso-sessions.js'

/**
 * The profiles of the AWS config file that `exec`, `env` and `console --profile NAME` can use: any whose session,
 * account and role keyless can tell (PRODUCT.md section 11). keyless's own (`keyless_session` and its
 * credential_process line), AWS CLI SSO profiles of a configured session (`sso_session`, `sso_account_id`,
 * `sso_role_name`, as `aws configure sso` writes them), and legacy SSO profiles (`sso_start_url`, `sso_region`,
 * `sso_account_id`, `sso_role_name`) whose start URL is that of a configured `[sso-session]`.
 */
export interface RoleProfile {
  name: string
  session: string
  accountId: string
  roleName: string
  region?: string
  /**
   * A role chain (`role_arn` + `source_profile`, PRODUCT.md section 15): session, account and role are the keyless
   * source's; these roles are assumed in turn from its credentials.
   */
  chain?: ChainHop[]
}

/** One `role_arn` hop of a chain, with the keys botocore reads for it. */
export interface ChainHop {
  roleArn: string
  sessionName?: string
  externalId?: string
  durationSeconds?: number
}

/** A profile keyless found but cannot use, and why (for the one-line error). */
export interface UnusableProfile {
  name: string
  why: string
  /** What to run instead. */
  fix: string
}

export interface ProfileIndex {
  usable: RoleProfile[]
  unusable: UnusableProfile[]
}

/**
 * A start URL as people write it: `https://acme.awsapps.com/start`, `.../start/`, `.../start#/`: the same portal.
 * The host is case-insensitive, the path is not.
 */
export function sameStartUrl(a: string, b: string): boolean {
  const norm = (url: string) => {
    const trimmed = url.trim().replace(/#.*$/, '').replace(/\/+$/, '')
    try {
      const parsed = new URL(trimmed)
      return `${parsed.protocol}//${parsed.host.toLowerCase()}${parsed.pathname.replace(/\/+$/, '')}`
    } catch {
      return trimmed
    }
  }
  return norm(a) === norm(b)
}

function profileName(section: ConfigSection): string {
  return section.type === 'default' ? 'default' : section.name
}

/** Every profile of the config file, sorted into those keyless can use and those it cannot (with why). */
export function roleProfiles(configText: string): ProfileIndex {
  const doc = parseConfig(configText)
  const sessions = listSsoSessions(doc)
  const usable: RoleProfile[] = []
  const unusable: UnusableProfile[] = []
  for (const section of doc.sections) {
    if (section.type !== 'profile' && section.type !== 'default') continue
    const profile = classifyProfile(section, sessions)
    if ('session' in profile) usable.push(profile)
    else unusable.push(profile)
  }
  chainProfiles(doc.sections, usable, unusable)
  return {usable, unusable}
}

/**
 * The profile NAME as roleProfiles resolves it (its role chain followed through source_profile), reading only the
 * sections it names: `exec --profile` in a file of thousands of profiles reads a few (issue 22). Undefined when it
 * is not usable, or where only the whole file can tell (`default`, written as `[default]` or `[profile default]`):
 * roleProfiles then says which and why.
 */
export function roleProfile(configText: string, name: string): RoleProfile | undefined {
  const doc = parseConfig(configText)
  let sessions: SsoSession[] | undefined
  const seen = new Set<string>()
  const resolve = (profile: string): RoleProfile | undefined => {
    if (profile === 'default' || seen.has(profile)) return undefined
    seen.add(profile)
    const section = findSection(doc, 'profile', profile)
    if (!section) return undefined
    const direct = classifyProfile(section, (sessions ??= listSsoSessions(doc)))
    if ('session' in direct) return direct
    if (!isChainSection(section)) return undefined
    const source = resolve(getKey(section, 'source_profile')!)
    return source && chainedProfile(section, source)
  }
  return resolve(name)
}

/** What keyless can make of one profile section on its own (a role chain aside: chainProfiles). */
function classifyProfile(section: ConfigSection, sessions: readonly SsoSession[]): RoleProfile | UnusableProfile {
  const name = profileName(section)
  const key = (k: string) => getKey(section, k) || undefined
  const region = key('region')
  const accountId = key('sso_account_id')
  const roleName = key('sso_role_name')
  // The AWS tools use a profile's SSO keys before its credential_process (botocore's SSOProvider runs first).
  const ssoSession = key('sso_session')
  if (accountId && roleName && ssoSession) return {name, session: ssoSession, accountId, roleName, region}
  const startUrl = key('sso_start_url')
  if (accountId && roleName && startUrl) {
    const matches = sessions.filter((s) => sameStartUrl(s.startUrl, startUrl))
    const inRegion = matches.filter((s) => s.region === key('sso_region'))
    const session = (inRegion.length > 0 ? inRegion : matches)[0]
    if (session) return {name, session: session.name, accountId, roleName, region}
    return {
      name,
      why: `its start URL ${startUrl} is not that of any [sso-session] in the config file`,
      fix: `run: keyless configure --session NAME --start-url ${startUrl} --region ${key('sso_region') ?? 'REGION'}`,
    }
  }
  const keylessSession = key('keyless_session')
  const target = parseCredentialProcess(key('credential_process'))
  if (keylessSession && target) return {name, session: keylessSession, ...target, region}
  return {
    name,
    why: 'it names no SSO session, account and role (no sso_session or sso_start_url with sso_account_id and sso_role_name, and no keyless_session)',
    fix: 'pass --account NAME|ID --role NAME instead',
  }
}

/** A profile that assumes a role from another (`role_arn` + `source_profile`), and is not keyless's own. */
function isChainSection(s: ConfigSection): boolean {
  return (
    (s.type === 'profile' || s.type === 'default') &&
    Boolean(getKey(s, 'role_arn') && getKey(s, 'source_profile') && !getKey(s, 'keyless_session'))
  )
}

/** The chained profile: the source's session, account and role, and one more hop. */
function chainedProfile(section: ConfigSection, source: RoleProfile): RoleProfile {
  const duration = Number(getKey(section, 'duration_seconds'))
  const hop: ChainHop = {
    roleArn: getKey(section, 'role_arn')!,
    sessionName: getKey(section, 'role_session_name') || undefined,
    externalId: getKey(section, 'external_id') || undefined,
    durationSeconds: Number.isInteger(duration) && duration > 0 ? duration : undefined,
  }
  const {chain, ...base} = source
  return {...base, name: profileName(section), region: getKey(section, 'region') || source.region, chain: [...(chain ?? []), hop]}
}

/**
 * Profiles that assume a role from another profile (`role_arn` + `source_profile`), usable when the chain ends at a
 * profile keyless can use. Resolved in passes so that a chain may name a chain (a loop never resolves).
 */
function chainProfiles(sections: readonly ConfigSection[], usable: RoleProfile[], unusable: UnusableProfile[]): void {
  const pending = sections.filter(isChainSection)
  for (let progress = true; progress && pending.length > 0;) {
    progress = false
    for (const section of [...pending]) {
      const source = usable.find((p) => p.name === getKey(section, 'source_profile'))
      if (!source) continue
      const at = unusable.findIndex((p) => p.name === profileName(section))
      if (at >= 0) unusable.splice(at, 1)
      usable.push(chainedProfile(section, source))
      pending.splice(pending.indexOf(section), 1)
      progress = true
    }
  }
}
