import {type ConfigDocument, type ConfigSection, getKey, shlexSplit} from '../aws-config/ini.js'
import {STATIC_KEY_NAMES} from '../aws-config/remove-keys.js'
import {type SsoSession, validateSessionName} from '../aws-config/sso-sessions.js'
import {sameStartUrl} from '../role/profiles.js'

/** The tools whose profiles `keyless import` reads (PRODUCT.md section 15). */
export type PeerTool = 'aws-cli' | 'granted' | 'aws-sso-cli' | 'aws-vault' | 'static-keys'

/** An aws-sso-cli SSO instance from `~/.aws-sso/config.yaml` (its `SSOConfig` map). */
export interface AwsSsoInstance {
  name: string
  startUrl: string
  region: string
}

export interface AwsSsoCliConfig {
  /** `DefaultSSO` (aws-sso-cli's default is `Default`). */
  defaultSso: string
  instances: AwsSsoInstance[]
}

/** A profile import can turn into a keyless profile under the same name. */
export interface ImportCandidate {
  name: string
  tool: PeerTool
  accountId: string
  roleName: string
  /** The session it uses: an `[sso-session]` of the file, or one import adds (`created`). */
  session: {name: string; startUrl: string; region: string; created: boolean}
  /** The keys that made it the other tool's profile, removed by the import (credential_process is replaced). */
  dropKeys: string[]
}

/** A peer's profile import leaves as it is, and why. */
export interface ImportRefusal {
  name: string
  tool: PeerTool | 'other'
  reason: string
  fix: string
}

export interface PeerScan {
  candidates: ImportCandidate[]
  refused: ImportRefusal[]
  /** Profiles that already are keyless's. */
  alreadyKeyless: string[]
}

const ACCOUNT_ID = /^\d{12}$/
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/
/** The SSO keys of an AWS CLI profile (legacy and sso_session forms), all removed once keyless serves it. */
const AWS_SSO_KEYS = ['sso_session', 'sso_start_url', 'sso_region', 'sso_account_id', 'sso_role_name', 'sso_registration_scopes']
/** granted's renamed SSO keys (docs: "Credential Process" recipe); the AWS tools ignore them. */
const GRANTED_KEYS = [
  'granted_sso_start_url',
  'granted_sso_region',
  'granted_sso_account_id',
  'granted_sso_role_name',
  'granted_sso_registration_scopes',
]
/** aws-vault's subcommands that print credentials for credential_process (`export --format=json`, older `exec --json`). */
const AWS_VAULT_COMMANDS = ['export', 'exec']
/** aws-vault options that take a separate value (`--duration 1h`): their value is not the profile name. */
const AWS_VAULT_VALUED = new Set(['--format', '-d', '--duration', '-t', '--mfa-token', '--region', '--prompt', '--backend', '--ec2-server'])

const profileNameOf = (section: ConfigSection): string => (section.type === 'default' ? 'default' : section.name)

/** The program a credential_process line runs, split as botocore splits it (POSIX shlex), lower-cased basename. */
function processArgv(value: string | undefined): {program: string; args: string[]} | undefined {
  if (!value) return undefined
  const argv = shlexSplit(value)
  if (!argv || argv.length === 0) return undefined
  const program = (argv[0]!.split(/[\\/]/).pop() ?? '').toLowerCase().replace(/\.exe$/, '')
  return {program, args: argv.slice(1)}
}

/** `--flag value` or `--flag=value` among args. */
function option(args: readonly string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    for (const flag of flags) {
      if (arg === flag) return args[i + 1]
      if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1)
    }
  }
  return undefined
}

/** An IAM role ARN's account and role name (the last path segment: a role's name, without its path). */
export function parseRoleArn(arn: string | undefined): {accountId: string; roleName: string} | undefined {
  const m = arn ? /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/.exec(arn) : null
  return m ? {accountId: m[1]!, roleName: m[2]!} : undefined
}

/**
 * A name for a session import adds: the start URL's first host label (`acme` for https://acme.awsapps.com/start),
 * made unique among the names taken.
 */
export function sessionNameFor(startUrl: string, taken: ReadonlySet<string>): string {
  let base = 'imported'
  try {
    base = new URL(startUrl).hostname.split('.')[0]!.replace(/[^A-Za-z0-9._+@-]/g, '-') || base
  } catch {
    // not a URL: the default name
  }
  let name = base.slice(0, 60)
  for (let n = 2; taken.has(name); n++) name = `${base.slice(0, 60)}-${n}`
  return name
}

interface Target {
  accountId?: string
  roleName?: string
  startUrl?: string
  region?: string
  sessionName?: string
}

/**
 * Sorts the config file's profiles into those `keyless import` can turn into keyless profiles under the same name
 * (the AWS CLI's SSO profiles, granted's, aws-sso-cli's, aws-vault's over an SSO profile) and those it cannot, with
 * why. Pure: the parsed file (and aws-sso-cli's config) in, the plan out. Profiles of no other tool (a plain
 * `region`, a role_arn chain) are neither: they keep working as they are.
 */
export function scanPeerProfiles(
  doc: ConfigDocument,
  sessions: readonly SsoSession[],
  options: {awsSso?: AwsSsoCliConfig; credentialsProfiles?: ReadonlySet<string>; configPath?: string} = {},
): PeerScan {
  const out: PeerScan = {candidates: [], refused: [], alreadyKeyless: []}
  const byName = new Map<string, ConfigSection>()
  for (const s of doc.sections) if (s.type === 'profile' || s.type === 'default') byName.set(profileNameOf(s), s)
  const taken = new Set(sessions.map((s) => s.name))
  // Sessions import adds, by start URL and region: one per portal, shared by every profile that names it.
  const created: Array<{name: string; startUrl: string; region: string}> = []
  const sessionFor = (startUrl: string, region: string | undefined) => {
    const known = sessions.filter((s) => sameStartUrl(s.startUrl, startUrl))
    const same = known.find((s) => s.region === region) ?? known[0]
    if (same) return {name: same.name, startUrl: same.startUrl, region: same.region, created: false}
    const made = created.find((s) => sameStartUrl(s.startUrl, startUrl))
    if (made) return {...made, created: true}
    if (!region) return undefined
    const name = sessionNameFor(startUrl, taken)
    taken.add(name)
    created.push({name, startUrl, region})
    return {name, startUrl, region, created: true}
  }

  for (const section of doc.sections) {
    if (section.type !== 'profile' && section.type !== 'default') continue
    const name = profileNameOf(section)
    const key = (k: string) => getKey(section, k) || undefined
    if (key('keyless_session') !== undefined) {
      out.alreadyKeyless.push(name)
      continue
    }
    const refuse = (tool: ImportRefusal['tool'], reason: string, fix: string) => out.refused.push({name, tool, reason, fix})
    // aws-vault's include_profile chain (of a wrapped profile or of aws-vault's own SSO profile) comes back to itself.
    const refuseLoop = (loop: string[]) =>
      refuse(
        'aws-vault',
        `aws-vault's include_profile loops (${loop.join(' -> ')})`,
        'fix include_profile in the config file, then keyless import again',
      )
    const proc = processArgv(key('credential_process'))
    let tool: PeerTool | undefined
    let target: Target | undefined
    let dropKeys: string[] = []

    if (GRANTED_KEYS.some((k) => key(k) !== undefined) || proc?.program === 'granted') {
      tool = 'granted'
      // `credential_process = granted credential-process --profile NAME` reads the granted_sso_* keys of NAME.
      const from = proc?.program === 'granted' ? option(proc.args, '--profile') : undefined
      const source = (from && byName.get(from)) || section
      const skey = (k: string) => getKey(source, k) || undefined
      target = {
        accountId: skey('granted_sso_account_id') ?? skey('sso_account_id'),
        roleName: skey('granted_sso_role_name') ?? skey('sso_role_name'),
        startUrl: skey('granted_sso_start_url') ?? skey('sso_start_url'),
        region: skey('granted_sso_region') ?? skey('sso_region'),
      }
      dropKeys = [...GRANTED_KEYS, ...AWS_SSO_KEYS, 'credential_process', 'common_fate_generated_from']
    } else if (proc?.program === 'aws-sso') {
      tool = 'aws-sso-cli'
      const arn = option(proc.args, '--arn', '-a')
      const role = parseRoleArn(arn)
      const ssoName = option(proc.args, '--sso', '-S') ?? options.awsSso?.defaultSso ?? 'Default'
      const instance = options.awsSso?.instances.find((i) => i.name === ssoName)
      if (!role) {
        refuse(tool, `its credential_process names no role ARN keyless can read (${arn ?? 'no --arn'})`, 'keep using aws-sso for it')
        continue
      }
      if (!instance) {
        refuse(
          tool,
          `aws-sso-cli's SSO instance "${ssoName}" is not in ~/.aws-sso/config.yaml, so its start URL is unknown`,
          'run: keyless configure --session NAME --start-url URL --region REGION, then keyless import again',
        )
        continue
      }
      target = {...role, startUrl: instance.startUrl, region: instance.region}
      dropKeys = ['credential_process']
    } else if (proc?.program === 'aws-vault') {
      tool = 'aws-vault'
      const sub = proc.args.findIndex((a) => AWS_VAULT_COMMANDS.includes(a))
      const wrapped = sub < 0 ? undefined : positional(proc.args.slice(sub + 1))
      const inner = wrapped === undefined ? undefined : byName.get(wrapped)
      if (!inner) {
        refuse(tool, `its credential_process names no profile of this file (${wrapped ?? 'none'})`, 'keep using aws-vault for it')
        continue
      }
      // aws-vault reads the profile with its include_profile chain (and [default]) filling in what it lacks.
      const view = awsVaultView(byName, wrapped!)
      if ('loop' in view) {
        refuseLoop(view.loop)
        continue
      }
      const ikey = (k: string) => view.keys.get(k)
      if (ikey('sso_account_id') && ikey('sso_role_name')) {
        const innerSession = ikey('sso_session')
        target = {
          accountId: ikey('sso_account_id'),
          roleName: ikey('sso_role_name'),
          sessionName: innerSession,
          startUrl: ikey('sso_start_url'),
          region: ikey('sso_region'),
        }
        dropKeys = ['credential_process', ...AWS_SSO_KEYS]
      } else if (ikey('role_arn')) {
        refuse(
          tool,
          `aws-vault assumes ${ikey('role_arn')} through profile "${wrapped}"`,
          'write it as a role chain (role_arn + source_profile of a keyless profile) in a team file',
        )
        continue
      } else if (ikey('mfa_serial')) {
        refuse(
          tool,
          `it is an IAM user with MFA (aws-vault holds its long-term key)`,
          `run: keyless audit --fix, then remove the key with: aws-vault remove ${wrapped}`,
        )
        continue
      } else {
        refuse(
          tool,
          `aws-vault holds a long-term key for "${wrapped}"`,
          `run: keyless audit --fix, then remove the key with: aws-vault remove ${wrapped}`,
        )
        continue
      }
    } else if (key('include_profile') !== undefined && ['sso_account_id', 'sso_role_name'].some((k) => key(k) !== undefined)) {
      // aws-vault's own SSO profile, whose start URL, region or account may come from the profiles it includes.
      tool = 'aws-vault'
      const view = awsVaultView(byName, name)
      if ('loop' in view) {
        refuseLoop(view.loop)
        continue
      }
      const vkey = (k: string) => view.keys.get(k)
      target = {
        accountId: vkey('sso_account_id'),
        roleName: vkey('sso_role_name'),
        sessionName: vkey('sso_session'),
        startUrl: vkey('sso_start_url'),
        region: vkey('sso_region'),
      }
      dropKeys = [...AWS_SSO_KEYS, 'credential_process', 'include_profile']
    } else if (key('sso_account_id') || key('sso_role_name') || key('sso_session') || key('sso_start_url')) {
      tool = 'aws-cli'
      target = {
        accountId: key('sso_account_id'),
        roleName: key('sso_role_name'),
        sessionName: key('sso_session'),
        startUrl: key('sso_start_url'),
        region: key('sso_region'),
      }
      dropKeys = [...AWS_SSO_KEYS, 'credential_process']
    } else if (STATIC_KEY_NAMES.some((k) => key(k) !== undefined) || options.credentialsProfiles?.has(name)) {
      // A long-term key: identified with STS and offered as a conversion by the import (static-keys.ts).
      continue
    } else if (proc) {
      refuse('other', `its credential_process runs ${proc.program}, which keyless does not import`, 'keep it, or remove it yourself')
      continue
    } else {
      continue
    }

    if (!target.accountId || !ACCOUNT_ID.test(target.accountId) || !target.roleName || !ROLE_NAME.test(target.roleName)) {
      refuse(tool, 'it names no account id and role name keyless can use', 'fix its sso_account_id and sso_role_name first')
      continue
    }
    let session: ImportCandidate['session'] | undefined
    if (target.sessionName) {
      const known = sessions.find((s) => s.name === target!.sessionName)
      if (!known || !known.startUrl || !known.region) {
        refuse(
          tool,
          `its [sso-session ${target.sessionName}] is not in the config file (or has no start URL and region)`,
          'run: aws configure sso-session, then keyless import again',
        )
        continue
      }
      try {
        validateSessionName(known.name)
      } catch {
        refuse(
          tool,
          `its session name "${known.name}" has characters keyless does not write into credential_process`,
          'rename the [sso-session] (letters, digits, . _ - + @)',
        )
        continue
      }
      session = {name: known.name, startUrl: known.startUrl, region: known.region, created: false}
    } else if (target.startUrl) {
      session = sessionFor(target.startUrl, target.region)
      if (!session) {
        refuse(tool, `its start URL ${target.startUrl} comes with no SSO region`, 'add sso_region to it, then keyless import again')
        continue
      }
    } else {
      refuse(tool, 'it names no SSO session or start URL', 'add sso_session to it, then keyless import again')
      continue
    }
    out.candidates.push({name, tool, accountId: target.accountId, roleName: target.roleName, session, dropKeys})
  }
  return out
}

/** The first argument that is not an option or an option's value (aws-vault's PROFILE). */
function positional(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') return undefined
    if (AWS_VAULT_VALUED.has(arg)) {
      i++
      continue
    }
    if (arg.startsWith('-')) continue
    return arg
  }
  return undefined
}

/** The keys of a profile aws-vault merges from `include_profile` (vault/config.go, populateFromConfigFile). */
const AWS_VAULT_MERGED = ['sso_session', 'sso_start_url', 'sso_region', 'sso_account_id', 'sso_role_name', 'role_arn', 'mfa_serial']

/**
 * A profile as aws-vault reads it (vault/config.go, populateFromConfigFile): each key from the profile itself, else
 * from its `include_profile` (or the deprecated `parent_profile`), recursively, and past the last one from
 * `[default]`; a profile named that is not in the file adds nothing. A name met twice is aws-vault's "Loop detected
 * in config file": the loop, for the reason line.
 */
export function awsVaultView(byName: ReadonlyMap<string, ConfigSection>, name: string): {keys: Map<string, string>} | {loop: string[]} {
  const keys = new Map<string, string>()
  const visited: string[] = []
  for (let current: string | undefined = name; current !== undefined;) {
    if (visited.includes(current)) return {loop: [...visited, current]}
    visited.push(current)
    const section = byName.get(current)
    for (const k of AWS_VAULT_MERGED) {
      const value = section && getKey(section, k)
      if (value && !keys.has(k)) keys.set(k, value)
    }
    const include = section && (getKey(section, 'include_profile') || getKey(section, 'parent_profile'))
    current = include || (current === 'default' ? undefined : 'default')
  }
  return {keys}
}
