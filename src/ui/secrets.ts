/**
 * Every secret keyless has read or received in this process, and the one function that removes them (and any
 * field whose name says it holds a secret) from text: debug output, stack traces and error lines all pass
 * through redactSecrets. Tiny and import-free, so credential-process's hot-path bundle carries it too.
 *
 * The set lives on globalThis: the hot-path bundle (CommonJS) and the ESM modules a cache miss loads are two
 * copies of this file in one process, and must share one set.
 */
const KEY = Symbol.for('keyless.secrets')

function secretSet(): Set<string> {
  const holder = globalThis as unknown as Record<symbol, Set<string> | undefined>
  return (holder[KEY] ??= new Set<string>())
}

/** Anything registered here never appears in debug output or an error line, whatever carries it. */
export function registerSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 8) secretSet().add(value)
}

/** The secret fields of anything keyless stores or receives (tokens, client secret, role credentials). */
const SECRET_KEYS = [
  'accessToken',
  'refreshToken',
  'clientSecret',
  'secretAccessKey',
  'sessionToken',
  'deviceCode',
  'codeVerifier',
  'idToken',
]

/** Registers every secret field of a parsed keychain entry or server answer. */
export function registerSecretsOf(value: unknown): void {
  if (!value || typeof value !== 'object') return
  for (const key of SECRET_KEYS) registerSecret((value as Record<string, unknown>)[key])
}

/**
 * A secret field and its value in JSON (also JSON inside a JSON string, where quotes come escaped as \" or
 * \\\"), in a form body (`refresh_token=...&`) or a header (`x-amz-sso_bearer_token: ...`).
 */
const SECRET_FIELDS =
  /((?:\\*")?(?:accessToken|refreshToken|clientSecret|secretAccessKey|SecretAccessKey|sessionToken|SessionToken|deviceCode|codeVerifier|code_verifier|idToken|id_token|access_token|refresh_token|client_secret|device_code|x-amz-sso_bearer_token)(?:\\*")?\s*[:=]\s*)(\\*"(?:[^"\\]|\\(?!\\*"))*\\*"|'[^']*'|[^\s,}&"\\]+)/g

export function redactSecrets(text: string): string {
  let out = text.replace(SECRET_FIELDS, '$1"<redacted>"')
  for (const secret of secretSet()) {
    if (out.includes(secret)) out = out.split(secret).join('<redacted>')
    // Sanitising turns a line break or tab a server slipped into a secret into a space: that is no disguise either.
    if (/[ \n]/.test(out)) out = out.replace(spacedPattern(secret), '<redacted>')
  }
  return out
}

const spaced = new Map<string, RegExp>()

/** The secret with any run of spaces or line breaks between its characters. */
function spacedPattern(secret: string): RegExp {
  let pattern = spaced.get(secret)
  if (!pattern) {
    const chars = [...secret].map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    pattern = new RegExp(chars.join('[ \\n]*'), 'g')
    spaced.set(secret, pattern)
  }
  return pattern
}
