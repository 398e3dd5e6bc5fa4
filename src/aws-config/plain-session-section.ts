import {parseScopes, type SsoSession} from './session-section.js'

/*
 * The session of one `[sso-session NAME]` section's text, read without the config parser when the text has only the
 * plain shapes that `profiles sync`, `keyless configure` and people write: credential-process's cache hit (issue 22),
 * where the whole-file parser (ini-scan.ts) is a third of the hot bundle and 2-4 ms of cold code per AWS call.
 */

/** The header: `[sso-session NAME]` with a name that shlex, botocore and the parser all read as written. */
const HEADER = /^\[sso-session ([A-Za-z0-9_.@+-]+)\]$/
/** A key (like the header, printable ASCII only: no tab, CR, BOM or non-ASCII blank): a lower-case ASCII name, ` = `, a value from one printable ASCII character to another (or none). */
const KEY = /^([a-z][a-z0-9_]*) =(?: ([!-~](?:[ -~]*[!-~])?))?$/

/**
 * What `ssoSessionOf(findSsoSessionSection(text, name))` returns, for a text (readSsoSessionSectionText's) of only
 * the header line, `name = value` lines, empty lines and comment lines starting in column 0, separated by LF.
 * Undefined for anything else (indented or continued lines, another header, odd spacing, upper-case or repeated
 * keys, quotes in the header, a CR, non-ASCII...): the caller then asks the parser, which knows every shape. A
 * differential property test (test/unit/plain-session-section.test.ts) holds the two equal wherever this answers.
 */
export function plainSsoSession(text: string, name: string): SsoSession | undefined {
  const lines = text.split('\n')
  const header = HEADER.exec(lines[0] as string)
  if (!header || header[1] !== name) return undefined
  const values = new Map<string, string>()
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string
    const c = line.charCodeAt(0)
    if (line === '' || c === 0x23 || c === 0x3b) continue
    const key = KEY.exec(line)
    // A repeated key is the parser's error to report; any other line is a shape this reader leaves to it.
    if (!key || values.has(key[1] as string)) return undefined
    values.set(key[1] as string, key[2] ?? '')
  }
  const keyless = [...values].filter(([k]) => k.startsWith('keyless_'))
  const loginFlow = values.get('keyless_login_flow')
  return {
    name,
    startUrl: values.get('sso_start_url') ?? '',
    region: values.get('sso_region') ?? '',
    scopes: parseScopes(values.get('sso_registration_scopes')),
    ...(keyless.length > 0 ? {keyless: Object.fromEntries(keyless)} : {}),
    ...(loginFlow !== undefined ? {loginFlow} : {}),
  }
}
