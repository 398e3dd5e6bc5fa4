import {InvalidConfigValueError} from './errors.js'
import {type ConfigSection, getKey, parseConfig, type ParseOptions} from './ini.js'
import {LineEditor, writeSectionKeys} from './line-editor.js'

/** The keys that make a static key pair: removed together. */
export const STATIC_KEY_NAMES = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_security_token'] as const

/** A profile's name as the AWS tools read a section of that file (`[dev]` in credentials, `[profile dev]` in config). */
export function sectionProfileName(section: ConfigSection, file: 'credentials' | 'config'): string | undefined {
  if (section.type === 'default') return 'default'
  if (file === 'credentials') return section.header
  return section.type === 'profile' ? section.name : undefined
}

/**
 * Removes the static key lines (id, secret, session token, with any continuation lines) of the named profiles
 * and nothing else: every other line, comment, blank line and line ending stays byte for byte. A section left
 * with no key and no comment inside it goes entirely (with the blank lines after it); a section that keeps a
 * `region` or a comment keeps its header. Pure: text in, text out.
 */
export function removeStaticKeys(
  text: string,
  profiles: readonly string[],
  options: ParseOptions & {file: 'credentials' | 'config'; keepSections?: ReadonlySet<string>},
): {text: string; removed: string[]} {
  const doc = parseConfig(text, options)
  const editor = new LineEditor(doc)
  const wanted = new Set(profiles)
  const removed: string[] = []
  for (const section of [...doc.sections].reverse()) {
    const name = sectionProfileName(section, options.file)
    if (name === undefined || !wanted.has(name)) continue
    const keys = section.keys.filter((k) => (STATIC_KEY_NAMES as readonly string[]).includes(k.name))
    if (keys.length === 0) continue
    removed.unshift(name)
    const rest = section.keys.filter((k) => !keys.includes(k))
    const comments = doc.lines.slice(section.start + 1, section.bodyEnd).some((l) => l.kind === 'comment')
    // A section about to become a keyless profile keeps its header: the profile stays where it was.
    if (rest.length === 0 && !comments && !options.keepSections?.has(name)) {
      editor.removeSection(section)
      continue
    }
    for (const key of keys) editor.remove(key.line, key.end)
  }
  return {text: editor.result(text), removed}
}

/** Keys that give a config profile credentials of its own: a profile holding one cannot become a keyless profile. */
const CREDENTIAL_SOURCES = [
  'credential_process',
  'role_arn',
  'credential_source',
  'web_identity_token_file',
  'login_session',
  'sso_session',
  'sso_start_url',
  'sso_account_id',
  'sso_role_name',
  ...STATIC_KEY_NAMES,
]

/** The key that keeps a config section from becoming a keyless profile (keyless's own profiles have none). */
function conversionBlocker(section: ConfigSection, ignoring: readonly string[] = []): string | undefined {
  if (getKey(section, 'keyless_session') !== undefined) return undefined
  return CREDENTIAL_SOURCES.find((k) => !ignoring.includes(k) && getKey(section, k) !== undefined)
}

/**
 * Whether convertToKeylessProfile would refuse the profile: the credential key its config section already has
 * (`sso_session`, `credential_process`...), else undefined. `keysRemovedFirst`: its static keys in the config file
 * go in the same edit (they are the finding being fixed), so they do not count. For offering only what can be done.
 */
export function keylessConversionBlocker(
  text: string,
  name: string,
  options: ParseOptions & {keysRemovedFirst: boolean},
): string | undefined {
  const section = parseConfig(text, options).sections.find((s) => sectionProfileName(s, 'config') === name)
  return section && sectionConversionBlocker(section, options)
}

/** keylessConversionBlocker for a section already parsed (many profiles checked against one parse). */
export function sectionConversionBlocker(section: ConfigSection, options: {keysRemovedFirst: boolean}): string | undefined {
  return conversionBlocker(section, options.keysRemovedFirst ? STATIC_KEY_NAMES : [])
}

/**
 * Makes `[profile NAME]` (or `[default]`) a keyless profile: `credential_process`, `region` (only if it has
 * none) and `keyless_session`, in the order `profiles sync` writes them. A section the user already has keeps
 * every key and comment; one that supplies credentials its own way is refused (nothing is changed).
 */
export function convertToKeylessProfile(
  text: string,
  profile: {name: string; credentialProcess: string; region?: string; session: string},
  options: ParseOptions = {},
): string {
  if (!/^[A-Za-z0-9._+-]+$/.test(profile.name)) {
    throw new InvalidConfigValueError(
      `profile name "${profile.name}" has characters keyless does not write`,
      'run: keyless profiles sync, and use the names it writes',
    )
  }
  const doc = parseConfig(text, options)
  const editor = new LineEditor(doc)
  const section = doc.sections.find((s) => sectionProfileName(s, 'config') === profile.name)
  const writes = [
    {name: 'credential_process', value: profile.credentialProcess, mode: 'set' as const},
    {name: 'region', value: profile.region, mode: 'if-missing' as const},
    {name: 'keyless_session', value: profile.session, mode: 'set' as const},
  ]
  if (section) {
    const own = conversionBlocker(section)
    if (own) {
      throw new InvalidConfigValueError(
        `[${section.header}] in ${options.path ?? 'the config file'} already has ${own}: keyless will not turn it into a keyless profile`,
        `remove ${own} from it first, or keep using it as it is`,
      )
    }
    writeSectionKeys(editor, doc, section, writes)
  } else {
    editor.appendSection([
      profile.name === 'default' ? '[default]' : `[profile ${profile.name}]`,
      ...writes.filter((w) => w.value !== undefined).map((w) => `${w.name} = ${w.value}`),
    ])
  }
  return editor.result(text)
}
