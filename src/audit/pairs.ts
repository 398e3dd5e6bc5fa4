import {registerSecret} from '../ui/debug.js'
import type {FoundKey} from './types.js'

/**
 * What a text says about AWS keys: a `pair` (a key id with its secret: a credential), an `id` alone (it shows
 * where a key was, and grants nothing), or an `example` (AWS's documented example keys, never sent anywhere).
 */
export type KeyHit =
  | {type: 'pair'; line: number; variable: string | null; key: FoundKey; lines: number[]}
  | {type: 'id' | 'example'; line: number; variable: string | null; accessKeyId: string}

export interface PairOptions {
  /** Names that hold a secret. Tools spell it their own way (s3ql's `backend-password`). */
  secretNames?: RegExp
  /** INI files pair a key id with the secret of the same section, however far apart (s3cmd sorts its keys). */
  ini?: boolean
}

const KEY_ID_G = /(?<![A-Za-z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])/g
const KEY_ID_EXACT = /^(?:AKIA|ASIA)[A-Z0-9]{16}$/
/**
 * `NAME = value`, `NAME: value`, `export NAME=value`, `"NAME": "value"`, `aws.secretKey=value`, a namespaced
 * `aws:secretKey: value` (a Pulumi stack's config): the name, then the value.
 */
const ASSIGNMENT = /["'`]?([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)["'`]?\s*[:=]>?\s*["'`]?([^"'`\s,;}]+)/g
/** `ID:SECRET` (s3fs), `bucket:ID:SECRET`: a whole line. */
const COLON_PAIR = /^\s*(?:[\w.-]+:)?((?:AKIA|ASIA)[A-Z0-9]{16}):([A-Za-z0-9/+=_-]{16,})\s*$/
/** `ID:SECRET` inside a line (a comment, a URL's user info): the secret must then be a whole 40-character one. */
const COLON_INLINE = /(?<![A-Za-z0-9])((?:AKIA|ASIA)[A-Z0-9]{16}):([A-Za-z0-9/+=_-]{40})(?![A-Za-z0-9/+=_-])/
/** A quoted 40-character secret after a key id on the same line: `new Credentials("AKIA...", "wJalr...")`. */
const POSITIONAL_SECRET = /["'`]([A-Za-z0-9/+=_-]{40})["'`]/g
const SECRET_NAME = /secret/i
const TOKEN_NAME = /session_?token|security_?token|sessiontoken|access_token/i
/** Lines longer than this (minified code) are searched for key ids only. */
const LONG_LINE = 10_000
/** A secret is paired with a key id at most this many lines away (outside INI sections). */
const NEAR_LINES = 5

/** AWS's documentation keys: `AKIAIOSFODNN7EXAMPLE`, `AKIAI44QH8DHBEXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`. */
export const isExampleKeyId = (id: string): boolean => id.endsWith('EXAMPLE')

/**
 * A value that names a secret kept elsewhere, not the secret: `${{ secrets.X }}`, `$AWS_SECRET_ACCESS_KEY`,
 * `process.env.X`, `os.environ["X"]`, `var.secret_key`, `ENV_NAME`, `<%= ... %>`, `{{ ... }}`.
 */
export function isReference(value: string): boolean {
  return (
    /[$%{}()<>[\]]/.test(value) ||
    /^[A-Z][A-Z0-9_]*$/.test(value) ||
    /^[A-Za-z_][\w]*(\.[A-Za-z_][\w-]*)+$/.test(value) ||
    /^(true|false|null|none|nil|undefined|changeme|your[\w-]*)$/i.test(value) ||
    value.includes('EXAMPLEKEY')
  )
}

interface Item {
  line: number
  name: string | null
  value: string
  section: number
  /** The line of its name where that is a line of its own (a Kubernetes env list's `- name:`): it goes with the value. */
  nameLine?: number
}

/**
 * Kubernetes' (and kubeconfig's exec plugin's) environment lists spell a variable as a list item, `- name: NAME`
 * then `value: VALUE` on the next line (in JSON, `"name": "NAME",` then `"value": "VALUE"`); or on one line,
 * `{name: NAME, value: VALUE}` (YAML flow, JSON). Read as `NAME = VALUE`.
 */
const ENV_ITEM_NAME = /^\s*(-\s+)?["']?name["']?\s*:\s*["']?([A-Za-z_][\w.-]*)["']?\s*,?\s*$/
const ENV_ITEM_VALUE = /^\s*["']?value["']?\s*:\s*["']?([^\s"'#,]+)["']?\s*,?\s*$/
const ENV_ITEM_INLINE = /["']?name["']?\s*:\s*["']?([A-Za-z_][\w.-]*)["']?\s*,\s*["']?value["']?\s*:\s*["']?([^\s"',}]+)/g

/**
 * Every key id in `text`, paired with its secret where one is next to it under a usual spelling
 * (`aws_secret_access_key`, `secretAccessKey`, `secret_key`, `aws.secretKey`, `secret-key`,
 * `SECRET_ACCESS_KEY`...), on the same `ID:SECRET` line, or quoted right after it on the same line. Each
 * secret belongs to one key id, the nearest. Cheap when there is no key id: one search, nothing else.
 */
export function findKeys(text: string, options: PairOptions = {}): KeyHit[] {
  if (!text.includes('AKIA') && !text.includes('ASIA')) return []
  const secretNames = options.secretNames ?? SECRET_NAME
  const lines = text.split(/\r\n|\n|\r/)
  const ids: Item[] = []
  const secrets: Item[] = []
  const tokens: Item[] = []
  const direct = new Map<Item, Item>()
  let section = 0
  for (const [i, line] of lines.entries()) {
    if (line === '') continue
    const n = i + 1
    if (options.ini && /^\s*\[[^\]]*\]\s*$/.test(line)) section++
    const hasId = line.includes('AKIA') || line.includes('ASIA')
    if (line.length > LONG_LINE) {
      if (hasId) for (const m of line.matchAll(KEY_ID_G)) ids.push({line: n, name: null, value: m[1]!, section})
      continue
    }
    const colon = hasId ? (COLON_PAIR.exec(line) ?? COLON_INLINE.exec(line)) : null
    if (colon) {
      const id = {line: n, name: 'ID:SECRET', value: colon[1]!, section}
      ids.push(id)
      direct.set(id, {line: n, name: 'ID:SECRET', value: colon[2]!, section})
      continue
    }
    const seen = new Set<string>()
    const assigned = (name: string, value: string, nameLine?: number) => {
      const item = {line: n, name, value, section, ...(nameLine ? {nameLine} : {})}
      if (KEY_ID_EXACT.test(value)) {
        // `{name: AWS_ACCESS_KEY_ID, value: AKIA...}` is read as that and, again, as `value: AKIA...`: one key id.
        if (seen.has(value)) return
        ids.push(item)
        seen.add(value)
      } else if (secretNames.test(name) && value.length >= 16 && !isReference(value)) secrets.push(item)
      else if (TOKEN_NAME.test(name) && value.length >= 16 && !isReference(value)) tokens.push(item)
    }
    const itemName = i > 0 ? ENV_ITEM_NAME.exec(lines[i - 1]!) : null
    const itemValue = itemName ? ENV_ITEM_VALUE.exec(line) : null
    // A YAML list item of those two lines goes whole (--fix); a JSON object's name stays (an emptied name is invalid).
    if (itemName && itemValue) assigned(itemName[2]!, itemValue[1]!, itemName[1] ? n - 1 : undefined)
    else {
      for (const m of line.matchAll(ENV_ITEM_INLINE)) assigned(m[1]!, m[2]!)
      for (const m of line.matchAll(ASSIGNMENT)) assigned(m[1] ?? '', m[2] ?? '')
    }
    if (!hasId) continue
    // Key ids outside an assignment: function arguments, lists, XML values. A quoted 40-character string after
    // one on the same line is its secret.
    for (const m of line.matchAll(KEY_ID_G)) {
      if (seen.has(m[1]!)) continue
      const id = {line: n, name: null, value: m[1]!, section}
      ids.push(id)
      const after = line.slice((m.index ?? 0) + 20)
      const positional = [...after.matchAll(POSITIONAL_SECRET)].find((s) => !isReference(s[1]!) && !KEY_ID_EXACT.test(s[1]!))
      if (positional) direct.set(id, {line: n, name: null, value: positional[1]!, section})
    }
  }

  const near = (a: Item, b: Item): boolean => (options.ini ? a.section === b.section : Math.abs(a.line - b.line) <= NEAR_LINES)
  const candidates: Array<{id: Item; secret: Item; distance: number}> = []
  for (const id of ids) {
    if (direct.has(id) || isExampleKeyId(id.value)) continue
    for (const secret of secrets) if (near(id, secret)) candidates.push({id, secret, distance: Math.abs(secret.line - id.line)})
  }
  candidates.sort((a, b) => a.distance - b.distance || a.id.line - b.id.line)
  const paired = new Map<Item, Item>(direct)
  const used = new Set<Item>()
  for (const c of candidates) {
    if (paired.has(c.id) || used.has(c.secret)) continue
    paired.set(c.id, c.secret)
    used.add(c.secret)
  }

  const out: KeyHit[] = []
  for (const id of ids) {
    if (isExampleKeyId(id.value)) {
      out.push({type: 'example', line: id.line, variable: id.name, accessKeyId: id.value})
      continue
    }
    const secret = paired.get(id)
    if (!secret) {
      out.push({type: 'id', line: id.line, variable: id.name, accessKeyId: id.value})
      continue
    }
    const token = tokens.filter((t) => near(id, t)).sort((a, b) => Math.abs(a.line - id.line) - Math.abs(b.line - id.line))[0]
    registerSecret(secret.value)
    registerSecret(token?.value)
    out.push({
      type: 'pair',
      line: id.line,
      variable: id.name,
      key: {accessKeyId: id.value, secretAccessKey: secret.value, ...(token ? {sessionToken: token.value} : {})},
      lines: [
        ...new Set([id, secret, ...(token ? [token] : [])].flatMap((item) => [item.line, ...(item.nameLine ? [item.nameLine] : [])])),
      ].sort((a, b) => a - b),
    })
  }
  return out
}

/** The pairs only: what the AWS files' fallback search and older callers want. */
export function findKeyPairs(text: string, options: PairOptions = {}): Array<{line: number; variable: string | null; key: FoundKey}> {
  return findKeys(text, options).flatMap((h) => (h.type === 'pair' ? [{line: h.line, variable: h.variable, key: h.key}] : []))
}

/**
 * The text's lines, each farther than NEAR_LINES from a key id emptied (numbers kept): no pair reaches past them,
 * and a history of a million lines is mostly such lines.
 */
function nearKeyIds(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/)
  const keep = new Uint8Array(lines.length)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (!line.includes('AKIA') && !line.includes('ASIA')) continue
    keep.fill(1, Math.max(0, i - NEAR_LINES), Math.min(lines.length, i + NEAR_LINES + 1))
  }
  for (let i = 0; i < lines.length; i++) if (!keep[i]) lines[i] = ''
  return lines
}

/**
 * A shell's or REPL's history, rewritten line for line (numbers kept) so the pair search reads the commands in it:
 * zsh's extended history (`: 1700000000:0;command`) and fish's (`- cmd: command`) without their prefix;
 * `aws configure set [--profile P] [P.]aws_secret_access_key VALUE` as `aws_secret_access_key=VALUE`; PowerShell's
 * `Set-AWSCredential -AccessKey ID -SecretKey VALUE` as `AccessKey=ID SecretKey=VALUE`. Never executed.
 */
export function normaliseHistory(text: string): string {
  return nearKeyIds(text)
    .map((line) =>
      line === ''
        ? line
        : normaliseShellLine(
            line
              .replace(/^: \d+:\d+;/, '')
              .replace(/^- cmd: /, '')
              .replace(
                /\baws\s+configure\s+set\s+(?:--profile[=\s]\S+\s+)?(?:[\w.-]+\.)?(aws_access_key_id|aws_secret_access_key|aws_session_token)\s+["']?([^\s"']+)["']?/g,
                '$1=$2',
              )
              .replace(/(?<=\s)-(AccessKey|SecretKey|SessionToken)\s+["']?([^\s"']+)["']?/gi, '$1=$2'),
          ),
    )
    .join('\n')
}

/**
 * Shell start-up syntax, rewritten line for line (numbers kept) as `NAME=value` so the pair search reads it:
 * fish `set -gx NAME value`, fish universal variables `SETUVAR --export NAME:value`, csh `setenv NAME value`.
 * Never executed: a value that is a command substitution stays what it is, a reference.
 */
export function normaliseShell(text: string): string {
  return text
    .split(/(\r\n|\n|\r)/)
    .map(normaliseShellLine)
    .join('')
}

function normaliseShellLine(line: string): string {
  if (line.length < 6) return line // not even `set x`
  return line
    .replace(/^(\s*)set\s+(?:-[A-Za-z]+\s+)*([A-Za-z_]\w*)\s+(.*)$/, '$1$2=$3')
    .replace(/^(\s*)SETUVAR\s+(?:--export\s+)?([A-Za-z_]\w*):(.*)$/, '$1$2=$3')
    .replace(/^(\s*)setenv\s+([A-Za-z_]\w*)\s+(.*)$/, '$1$2=$3')
}
