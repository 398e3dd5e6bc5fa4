import {EXIT} from '../errors.js'
import {InvalidConfigValueError, SsoSessionNotFoundError} from './errors.js'
import {type ConfigDocument, findSection, parseConfig, type ParseOptions, sectionsOfType} from './ini.js'
import {LineEditor, writeSectionKeys} from './line-editor.js'
import {DEFAULT_SSO_SCOPES, ssoSessionOf, type SsoSession} from './session-section.js'

// The session a section describes is read in session-section.ts (credential-process's cache hit reads it there too).
export {DEFAULT_SSO_SCOPES, parseScopes, ssoSessionOf, type SsoSession} from './session-section.js'

/** `configure --login-flow auto`: no saved flow; each login chooses by the machine (PRODUCT.md section 10). */
export const AUTO_LOGIN_FLOW = 'auto'

export interface SsoSessionInput {
  name: string
  startUrl: string
  region: string
  /** Written when given; a new section gets DEFAULT_SSO_SCOPES, an existing one keeps what it has. */
  scopes?: readonly string[]
  /** `keyless_login_flow`: written when given, left as it is otherwise; `auto` removes it (the default choice). */
  loginFlow?: string
  /** `keyless_store`, written when given (PRODUCT.md section 13). */
  store?: string
}

/** Every `[sso-session NAME]` in file order. */
export function listSsoSessions(doc: ConfigDocument): SsoSession[] {
  return sectionsOfType(doc, 'sso-session').map(ssoSessionOf)
}

/**
 * Sets `keyless_*` keys of an existing `[sso-session NAME]` in place (new keys after the section's last key),
 * keeping everything else. A value of undefined leaves that key as it is. Pure: text in, text out.
 */
export function setSessionKeys(text: string, name: string, keys: Record<string, string | undefined>, options: ParseOptions = {}): string {
  const doc = parseConfig(text, options)
  const section = findSection(doc, 'sso-session', name)
  if (!section)
    throw new SsoSessionNotFoundError(`no [sso-session ${name}] in ${options.path ?? 'the AWS config file'}`, CONFIGURE_HINT, [])
  const editor = new LineEditor(doc)
  for (const key of Object.keys(keys)) if (!key.startsWith('keyless_')) throw new Error(`setSessionKeys: ${key} is not a keyless_ key`)
  // New keys go after the section's last key: that key, left as it is, anchors them.
  const last = section.keys.at(-1)
  writeSectionKeys(editor, doc, section, [
    ...(last ? [{name: last.name, value: last.value, mode: 'if-missing' as const}] : []),
    ...Object.entries(keys).map(([key, value]) => ({name: key, value, mode: 'set' as const})),
  ])
  return editor.result(text)
}

/**
 * Adds `[sso-session NAME]` at the end of the file (one blank line before it, the file's own line ending),
 * or updates `sso_start_url`, `sso_region` and (when given) `sso_registration_scopes` in place, keeping the
 * section's other keys, its comments and their order. Pure: text in, text out; unchanged input comes back as is.
 */
export function upsertSsoSession(text: string, session: SsoSessionInput, options: ParseOptions = {}): string {
  validateSessionName(session.name)
  const doc = parseConfig(text, options)
  const editor = new LineEditor(doc)
  const section = findSection(doc, 'sso-session', session.name)
  const scopes = session.scopes?.join(',')
  const automatic = session.loginFlow === AUTO_LOGIN_FLOW
  const loginFlow = automatic ? undefined : session.loginFlow
  if (section) {
    writeSectionKeys(editor, doc, section, [
      {name: 'sso_start_url', value: session.startUrl, mode: 'set'},
      {name: 'sso_region', value: session.region, mode: 'set'},
      {name: 'sso_registration_scopes', value: scopes, mode: 'set'},
      {name: 'keyless_login_flow', value: loginFlow, mode: 'set'},
      {name: 'keyless_store', value: session.store, mode: 'set'},
    ])
    // Back to automatic: no key at all, as before any --login-flow (the machine decides at each login).
    if (automatic) for (const key of section.keys.filter((k) => k.name === 'keyless_login_flow')) editor.remove(key.line, key.end)
  } else {
    editor.appendSection([
      `[sso-session ${session.name}]`,
      `sso_start_url = ${session.startUrl}`,
      `sso_region = ${session.region}`,
      `sso_registration_scopes = ${scopes ?? DEFAULT_SSO_SCOPES.join(',')}`,
      ...(loginFlow ? [`keyless_login_flow = ${loginFlow}`] : []),
      ...(session.store ? [`keyless_store = ${session.store}`] : []),
    ])
  }
  return editor.result(text)
}

const CONFIGURE_HINT = 'run: keyless configure --session NAME --start-url https://... --region us-east-1'

/**
 * PRODUCT.md section 2: `--session`, else `$KEYLESS_SESSION`, else the only session in the file, else an
 * error listing the names. A name that is not in the file is an error listing the names too.
 * `command` (e.g. `login`) only shapes the suggested next command line.
 */
export function resolveSessionName(input: {
  flag?: string
  env?: {KEYLESS_SESSION?: string}
  sessions: ReadonlyArray<string | {name: string}>
  command?: string
  /** The config file as shown to users, for messages. */
  path?: string
}): string {
  const names = input.sessions.map((s) => (typeof s === 'string' ? s : s.name))
  const file = input.path ?? 'the AWS config file'
  const fromEnv = input.env?.KEYLESS_SESSION?.trim() || undefined
  const chosen = input.flag?.trim() || fromEnv
  const list = names.join(', ')
  // oclif's command ids use ':' (profiles:sync); people type the topic separator, a space.
  const command = (input.command ?? '<command>').replaceAll(':', ' ')
  const rerun = (name: string): string => `run: keyless ${command} --session ${name}`
  if (chosen !== undefined) {
    if (names.includes(chosen)) return chosen
    const source = input.flag?.trim() ? '' : ' (from $KEYLESS_SESSION)'
    if (names.length === 0) {
      throw new SsoSessionNotFoundError(
        `no SSO session "${chosen}"${source} in ${file}: it has none`,
        `run: keyless configure --session ${chosen} --start-url https://... --region us-east-1`,
        names,
      )
    }
    // A session that is not there is a usage error (exit 2), like any wrong flag value.
    throw new SsoSessionNotFoundError(
      `no SSO session "${chosen}"${source} in ${file}`,
      names.length === 1 ? rerun(names[0] as string) : `${rerun('NAME')} with NAME one of: ${list}`,
      names,
      EXIT.usage,
    )
  }
  if (names.length === 1) return names[0] as string
  if (names.length === 0) {
    throw new SsoSessionNotFoundError(`no [sso-session] in ${file}`, CONFIGURE_HINT, names)
  }
  throw new SsoSessionNotFoundError(
    `${names.length} SSO sessions in ${file} and none chosen`,
    `${rerun('NAME')} (or set KEYLESS_SESSION) with NAME one of: ${list}`,
    names,
    EXIT.usage,
  )
}

/**
 * A session name keyless writes into `[sso-session NAME]` and into credential_process command lines: letters,
 * digits and `. _ - + @`, so that botocore (shlex), the JS SDK (`[\w-@+.%:/]+`) and a shell all read it
 * the same way without quoting.
 */
export function validateSessionName(name: string): string {
  if (!/^[A-Za-z0-9._+@-]{1,64}$/.test(name)) {
    throw new InvalidConfigValueError(
      `"${name}" is not a usable session name (letters, digits and . _ - + @ only, at most 64)`,
      'choose a name like acme or acme-prod for --session',
    )
  }
  return name
}

/** An IAM Identity Center start URL: a real https URL with a host and no credentials in it. Returns it trimmed. */
export function validateStartUrl(value: string): string {
  const url = value.trim()
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  const fix = 'pass the "AWS access portal URL" from IAM Identity Center, e.g. --start-url https://acme.awsapps.com/start'
  if (!parsed || /\s/.test(url)) throw new InvalidConfigValueError(`"${value}" is not a URL`, fix)
  if (parsed.protocol !== 'https:') {
    throw new InvalidConfigValueError(`the start URL must use https, not ${parsed.protocol.replace(/:$/, '')}`, fix)
  }
  if (!parsed.hostname || !parsed.hostname.includes('.')) {
    throw new InvalidConfigValueError(`"${value}" has no real host name`, fix)
  }
  if (parsed.username || parsed.password) {
    throw new InvalidConfigValueError('the start URL must not contain a user name or password', fix)
  }
  return url
}

const DIRECTIONS = 'central|north|south|east|west|northeast|northwest|southeast|southwest'
/**
 * The region shapes of every AWS partition (the `regionRegex` of the SDK's partitions.json: aws, aws-cn,
 * aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc), with the SDK's `\w+` narrowed to a
 * compass direction and `\d+` to 1-99 without a leading zero. Accepts every region that exists today and
 * plausible future ones (ap-southeast-9, mx-east-1); rejects `us-east`, `useast1`, `US-EAST-1`,
 * `us-east-01`, `us-est-1`, `xx-east-1`.
 */
const REGION = new RegExp(
  `^(?:(?:us|eu|ap|sa|ca|me|af|il|mx|cn)|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)-(?:${DIRECTIONS})-[1-9][0-9]?$`,
)

export function validateRegion(
  value: string,
  fix = 'pass the region of your IAM Identity Center instance, e.g. --region us-east-1',
): string {
  const region = value.trim()
  if (!REGION.test(region)) throw new InvalidConfigValueError(`"${value}" is not an AWS region name`, fix)
  return region
}
