import {chmod, readFile} from 'node:fs/promises'

import {backupPath, writeFileAtomic} from '../aws-config/atomic-write.js'

/** A line that is one assignment and nothing else: INI `name = value`, `export NAME=value`, fish `set -gx NAME value`, `ID:SECRET`. */
export const ASSIGNMENT_LINE =
  /^\s*(?:export\s+|set\s+(?:-[A-Za-z]+\s+)*|setenv\s+|SETUVAR\s+(?:--export\s+)?)?["']?[\w.:-]+["']?\s*(?:[:=]|\s)\s*["']?[^\s"']*["']?\s*(?:[#;].*)?$/
/** The first line of a Kubernetes env list item, `- name: AWS_SECRET_ACCESS_KEY`: it goes with its `value:` line. */
const ENV_ITEM_NAME_LINE = /^\s*-\s+["']?name["']?\s*:\s*["']?[\w.-]+["']?\s*$/
/** A JSON member on a line of its own: `"secretKey": "value",`. Its value is emptied, so the JSON stays valid. */
const JSON_MEMBER = /^(\s*"[^"]+"\s*:\s*)"[^"]*"(\s*,?\s*)$/

/**
 * `text` without the given 1-based lines (every other byte kept: line endings, a missing final newline,
 * comments), or why not: the key id is no longer on those lines (the file changed since the review), or a
 * line holds more than the one assignment. JSON members are emptied instead of removed.
 */
export function removeKeyLines(
  text: string,
  lines: number[],
  accessKeyId: string,
  options: {whole?: boolean} = {},
): {text: string} | {error: string} {
  // Even indexes: line contents; odd: the line break after each.
  const parts = text.split(/(\r\n|\n|\r)/)
  const content = (n: number) => parts[2 * (n - 1)]
  if (!lines.some((n) => content(n)?.includes(accessKeyId))) return {error: 'the key is no longer there (the file changed since)'}
  for (const n of [...new Set(lines)].sort((a, b) => b - a)) {
    const line = content(n)
    if (line === undefined) return {error: `line ${n} is gone (the file changed since)`}
    const member = JSON_MEMBER.exec(line)
    // A history's entry is removed whole (each of its lines is one command, or that command's time stamp).
    if (options.whole) parts.splice(2 * (n - 1), 2)
    else if (member) parts[2 * (n - 1)] = `${member[1]}""${member[2]}`
    else if (ASSIGNMENT_LINE.test(line) || ENV_ITEM_NAME_LINE.test(line)) parts.splice(2 * (n - 1), 2)
    else return {error: `line ${n} holds more than the key: edit it by hand`}
  }
  return {text: parts.join('')}
}

/**
 * Removes the lines of each reviewed key from one file, in one atomic write after a backup (`NAME.keyless.bak`,
 * 0600: it still holds the keys). Nothing is written unless every key is still where it was reviewed.
 */
export async function removeLinesFromFile(
  path: string,
  removals: Array<{lines: number[]; accessKeyId: string}>,
  options: {whole?: boolean} = {},
): Promise<{written: boolean; backup?: string; error?: string}> {
  const bytes = await readFile(path)
  let text = bytes.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(bytes)) return {written: false, error: 'it is not UTF-8 text keyless can edit losslessly'}
  // One pass over the original numbering: later lines first, so earlier numbers stay right.
  const all = removals.flatMap((r) => r.lines)
  for (const r of removals) {
    if (!r.lines.some((n) => text.split(/\r\n|\n|\r/)[n - 1]?.includes(r.accessKeyId)))
      return {written: false, error: 'the key is no longer there (the file changed since)'}
  }
  const first = removals[0]!
  const result = removeKeyLines(text, all, first.accessKeyId, options)
  if ('error' in result) return {written: false, error: result.error}
  text = result.text
  const written = await writeFileAtomic(path, text, {backup: true})
  if (written) await chmod(backupPath(path), 0o600).catch(() => {})
  return {written, ...(written ? {backup: backupPath(path)} : {})}
}
