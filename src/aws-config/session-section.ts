import {closeSync, openSync, readFileSync, readSync} from 'node:fs'

import {type ConfigSection, findSsoSessionSection, getKey, ssoSessionHeaderName} from './ini.js'

/** Without this scope Identity Center issues no refresh token (PRODUCT.md section 2). */
export const DEFAULT_SSO_SCOPES: readonly string[] = ['sso:account:access']

export interface SsoSession {
  name: string
  /** `sso_start_url`; '' when the section lacks it. */
  startUrl: string
  /** `sso_region`; '' when the section lacks it. */
  region: string
  /** `sso_registration_scopes`, comma separated in the file; DEFAULT_SSO_SCOPES when absent or empty. */
  scopes: string[]
  /**
   * keyless's own settings for the session: every `keyless_*` key of the section (`keyless_template`,
   * `keyless_command`, ...), by full key name. The AWS CLI and SDKs ignore keys they do not know.
   */
  keyless?: Record<string, string>
  /** `keyless_login_flow` as written (auth-code or device-code; checked where it is used), when present. */
  loginFlow?: string
}

/** Splits `sso_registration_scopes` as the AWS CLI does: commas, surrounding blanks ignored. */
export function parseScopes(value: string | undefined): string[] {
  const scopes = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return scopes.length > 0 ? scopes : [...DEFAULT_SSO_SCOPES]
}

/**
 * The session an `[sso-session NAME]` section describes: the one place a section becomes a session, for the
 * commands that read the whole file and for credential-process's cache hit, which reads this section alone.
 */
export function ssoSessionOf(s: ConfigSection): SsoSession {
  const keyless = s.keys.filter((k) => k.name.startsWith('keyless_'))
  return {
    name: s.name,
    startUrl: getKey(s, 'sso_start_url') ?? '',
    region: getKey(s, 'sso_region') ?? '',
    scopes: parseScopes(getKey(s, 'sso_registration_scopes')),
    ...(keyless.length > 0 ? {keyless: Object.fromEntries(keyless.map((k) => [k.name, k.value]))} : {}),
    ...(getKey(s, 'keyless_login_flow') !== undefined ? {loginFlow: getKey(s, 'keyless_login_flow')} : {}),
  }
}

/** How much of the file is in memory at once (grown for a longer line). */
const CHUNK_BYTES = 64 * 1024
/**
 * What a session header line holds, searched in two parts: V8's search for a needle of 7 bytes or more (Boyer-Moore-
 * Horspool) takes 0.2 ms over a 650 KB file of 3,000 profiles, 8x the time its search for a short one (memchr for
 * `[`, then a compare) takes, each `[profile` header included.
 */
const MENTION = Buffer.from('[sso-')
const MENTION_REST = Buffer.from('session')
const LF = 0x0a
const CR = 0x0d

/**
 * The `[sso-session NAME]` section of the config file at `path`, as findSsoSessionSection reads it from the whole
 * text (see readSsoSessionSectionText). Undefined when there is no such section; throws what readFileSync and
 * findSsoSessionSection throw.
 */
export function readSsoSessionSection(path: string, name: string, chunkBytes = CHUNK_BYTES): ConfigSection | undefined {
  const text = readSsoSessionSectionText(path, name, chunkBytes)
  return text === undefined ? undefined : findSsoSessionSection(text, name)
}

/**
 * The text findSsoSessionSection reads the `[sso-session NAME]` section from, without holding the whole file in
 * memory: credential-process's cache hit, where a 650 KB file of 3,000 synced profiles would otherwise cost two
 * fresh 650 KB allocations (the bytes, then the string), on a busy machine the largest part of its time. The file
 * goes through one 64 KB buffer; only lines naming `[sso-session` and the section's own lines become text, and
 * the result is the section's lines. Where a line elsewhere could change the answer (the session's header
 * indented, or written twice) it is the whole file's text. Undefined when there is no such section; throws what
 * readFileSync throws. Apart from the parse so that credential-process can parse while the keychain answers.
 * `onSection` gets the section's text as soon as its last line is read, before the rest of the file is (which can
 * still make the answer the whole file's text): the cache hit sends its keychain read then, and the rest of a file of
 * 3,000 profiles is read while the keychain answers. The answer is that very string when the rest leaves it so.
 */
export function readSsoSessionSectionText(
  path: string,
  name: string,
  chunkBytes = CHUNK_BYTES,
  onSection?: (text: string) => void,
): string | undefined {
  const fd = openSync(path, 'r')
  let section: string[] | undefined
  let collecting = false
  let whole = false
  // The section's text once its last line is read, before the rest of the file is: handed to onSection then, and
  // returned (the same string) when the rest of the file leaves it the answer.
  let text: string | undefined
  const complete = () => {
    text = (section as string[]).join('\n')
    onSection?.(text)
  }
  try {
    let buf = Buffer.allocUnsafe(chunkBytes)
    let filled = 0
    let eof = false
    let first = true
    while (!whole) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        bigger.set(buf.subarray(0, filled))
        buf = bigger
      }
      const n = readSync(fd, buf, filled, buf.length - filled, null)
      eof = n === 0
      filled += n
      // Complete lines only: up to the last line break (all that is left, at the end of the file).
      const end = eof ? filled : lastLineEnd(buf, filled)
      if (end === 0) {
        if (eof) break
        continue // a line longer than the buffer so far: read more
      }
      const block = buf.subarray(0, end)
      // The BOM is not part of line 1 (as in parseConfig).
      const floor = first && block[0] === 0xef && block[1] === 0xbb && block[2] === 0xbf ? 3 : 0
      first = false
      let start = floor
      if (collecting) {
        start = collectSection(block, start, section as string[])
        collecting = start < 0
        if (!collecting) complete()
      }
      for (let at = collecting ? -1 : nextMention(block, start); at >= 0; at = nextMention(block, at + 1)) {
        let lineStart = at
        while (lineStart > floor && block[lineStart - 1] !== LF && block[lineStart - 1] !== CR) lineStart--
        const lineEnd = lineEndOf(block, at)
        // Only the session's own header matters; a line that merely mentions another is skipped unread.
        if (lineStart < at && !onlyBlanksBefore(block, lineStart, at)) continue
        if (ssoSessionHeaderName(block.toString('utf8', lineStart, lineEnd)) !== name) continue
        // Indented (a header, or a continuation of the key above: only the whole file tells), or a second one.
        if (lineStart < at || section) {
          whole = true
          break
        }
        section = [block.toString('utf8', lineStart, lineEnd)]
        const next = collectSection(block, lineEnd, section)
        if (next < 0) {
          collecting = true
          break
        }
        complete()
        at = next - 1
      }
      // copyWithin, V8's own: Buffer#copy's checks are Node.js code a cache hit would compile for this one call.
      buf.copyWithin(0, end, filled)
      filled -= end
      if (eof) break
    }
  } finally {
    closeSync(fd)
  }
  if (whole) return readFileSync(path, 'utf8')
  // A section that ends the file is complete only now.
  if (section && text === undefined) complete()
  return text
}

/** Index of the next `[sso-session` in block from `from`, or -1. */
function nextMention(block: Buffer, from: number): number {
  for (let at = block.indexOf(MENTION, from); at >= 0; at = block.indexOf(MENTION, at + 1)) {
    if (followedBy(block, at + MENTION.length, MENTION_REST)) return at
  }
  return -1
}

/** Whether block holds `bytes` at `at`: a loop, as Buffer#compare's argument checks are cold code to a cache hit. */
function followedBy(block: Buffer, at: number, bytes: Buffer): boolean {
  if (at + bytes.length > block.length) return false
  for (let i = 0; i < bytes.length; i++) if (block[at + i] !== bytes[i]) return false
  return true
}

/** Index of the line break ending the line that holds `at` (or the block's end). */
function lineEndOf(block: Buffer, at: number): number {
  const lf = block.indexOf(LF, at)
  const end = lf < 0 ? block.length : lf
  // A CR only where it could end the line first: a file without CRs is not searched to its end for each line.
  const cr = block.subarray(at, end).indexOf(CR)
  return cr < 0 ? end : at + cr
}

/** One past the last line break in buf's first `filled` bytes (0 when there is none). */
function lastLineEnd(buf: Buffer, filled: number): number {
  const lf = buf.lastIndexOf(LF, filled - 1)
  const cr = buf.subarray(lf + 1, filled).lastIndexOf(CR)
  return cr < 0 ? lf + 1 : lf + 1 + cr + 1
}

/** Whether bytes [from, to) are all blanks to the parser (then a `[` after them is an indented header, maybe). */
function onlyBlanksBefore(block: Buffer, from: number, to: number): boolean {
  // Bytes of a non-ASCII blank (U+00A0, U+3000...) count too: the parser decides on the decoded line.
  for (let i = from; i < to; i++) {
    const c = block[i] as number
    if (!(c === 0x20 || (c >= 0x09 && c <= 0x0c) || (c >= 0x1c && c <= 0x1f) || c >= 0x80)) return false
  }
  return true
}

/**
 * Appends the section's lines from `from` to `lines`, up to a line that is a header wherever it stands (`[` in
 * column 0 with a `]` after it: never a continuation line). Returns that line's start, or -1 when the block ended
 * first (the section goes on in the next block).
 */
function collectSection(block: Buffer, from: number, lines: string[]): number {
  let pos = from
  while (pos < block.length) {
    if (block[pos] === CR || block[pos] === LF) {
      pos++
      continue
    }
    const end = lineEndOf(block, pos)
    if (block[pos] === 0x5b && block.lastIndexOf(0x5d, end - 1) >= pos + 2) return pos
    lines.push(block.toString('utf8', pos, end))
    pos = end
  }
  return -1
}
