// The lexical rules of the AWS config file as botocore reads it (Python's configparser and shlex), shared by the
// whole-file scanner (ini-scan.ts) and the one-section reader (ini.ts's findSsoSessionSection).
import type {LineEnding, SectionType} from './ini.js'

/**
 * Python's `str.isspace()`, which configparser's `strip()` and `\s` use: JS's `\s` without the BOM, plus the
 * separators U+001C-U+001F and U+0085. Scanned by hand: a regex over a long run of spaces backtracks (quadratic).
 */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return (c >= 0x09 && c <= 0x0d) || c >= 0x1c
  if (c < 0x85) return false
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  )
}
export const indentOf = (s: string): number => {
  let i = 0
  while (i < s.length && isSpace(s.charCodeAt(i))) i++
  return i
}
export const strip = (s: string): string => {
  let end = s.length
  while (end > 0 && isSpace(s.charCodeAt(end - 1))) end--
  return end === 0 ? '' : s.slice(indentOf(s), end)
}

/** Splits text into lines keeping each line's ending (LF, CRLF or a lone CR, as Python's universal newlines). */
export function splitLines(text: string): Array<{text: string; eol: LineEnding}> {
  const out: Array<{text: string; eol: LineEnding}> = []
  const re = /\r\n|\n|\r/g
  let last = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({text: text.slice(last, m.index), eol: m[0] as LineEnding})
    last = m.index + m[0].length
  }
  if (last < text.length) out.push({text: text.slice(last), eol: ''})
  return out
}

export const NEEDS_SHLEX = /['"\\\t\r\n]/

/**
 * Python's `shlex.split` (POSIX mode, no comments), which botocore applies to `[profile ...]` headers: words
 * split at space, tab, CR and LF; single quotes literal; in double quotes a backslash escapes only `"` and `\`;
 * outside quotes it escapes any character. Undefined where shlex raises (an open quote, a trailing backslash).
 */
export function shlexSplit(s: string): string[] | undefined {
  // Without quotes, backslashes or blanks other than spaces, shlex only splits at spaces: a native split, not a loop per character.
  if (!NEEDS_SHLEX.test(s)) {
    const words = s.split(' ')
    return words.includes('') ? words.filter((w) => w !== '') : words
  }
  const words: string[] = []
  let word = ''
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else if (c === "'") {
      const close = s.indexOf("'", i + 1)
      if (close < 0) return undefined
      word += s.slice(i + 1, close)
      inWord = true
      i = close
    } else if (c === '"') {
      inWord = true
      let j = i + 1
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && (s[j + 1] === '"' || s[j + 1] === '\\')) j++
        word += s[j]
      }
      if (j >= s.length) return undefined
      i = j
    } else if (c === '\\') {
      if (i + 1 >= s.length) return undefined
      word += s[++i]
      inWord = true
    } else {
      word += c
      inWord = true
    }
  }
  if (inWord) words.push(word)
  return words
}

/** Splits a key line the way configparser's OPTCRE does: name up to the first `=` or `:`. */
export function splitKeyLine(text: string, delimiters = '=:'): {key: string; value: string; valueStart: number} | undefined {
  const start = indentOf(text)
  let at = start
  while (at < text.length && !delimiters.includes(text[at] as string)) at++
  if (at >= text.length) return undefined
  let valueStart = at + 1
  while (valueStart < text.length && isSpace(text.charCodeAt(valueStart))) valueStart++
  return {key: strip(text.slice(start, at)), value: strip(text.slice(valueStart)), valueStart}
}

/** What botocore's build_profile_map makes of a header (it tests the prefixes with `startswith`). */
export function classifyHeader(header: string): {type: SectionType; name: string; ignored?: string} {
  for (const type of ['profile', 'sso-session', 'services'] as const) {
    if (!header.startsWith(type)) continue
    const words = shlexSplit(header)
    if (!words) return {type: 'ignored', name: header, ignored: 'an unbalanced quote or a trailing backslash'}
    if (words.length < 2) return {type: 'ignored', name: header, ignored: `no ${type} name; write [${type} NAME]`}
    if (words.length > 2) return {type: 'ignored', name: header, ignored: `a ${type} name with a space; quote it: [${type} "NAME"]`}
    return {type, name: words[1] as string}
  }
  if (header === 'default') return {type: 'default', name: 'default'}
  return {type: 'other', name: header}
}

export function describeSection(s: {type: SectionType; name: string; header: string}): string {
  return s.type === 'profile' || s.type === 'sso-session' || s.type === 'services' ? `[${s.type} ${s.name}]` : `[${s.header}]`
}

export const quoteLine = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)

/**
 * splitKeyLine for a line whose first and one-past-last non-blank characters are known: the name up to the first
 * `=` or `:`, both sides stripped; undefined without either.
 */
export function keyValue(text: string, first: number, last: number): {key: string; value: string} | undefined {
  const eq = text.indexOf('=', first)
  const colon = text.indexOf(':', first)
  const at = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon)
  if (at < 0) return undefined
  let keyEnd = at
  while (keyEnd > first && isSpace(text.charCodeAt(keyEnd - 1))) keyEnd--
  let valueStart = at + 1
  while (valueStart < last && isSpace(text.charCodeAt(valueStart))) valueStart++
  return {key: text.slice(first, keyEnd), value: valueStart < last ? text.slice(valueStart, last) : ''}
}
