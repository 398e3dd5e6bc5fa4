import {parseConfig, type ParseOptions} from '../aws-config/ini.js'
import {LineEditor, writeSectionKeys} from '../aws-config/line-editor.js'
import {DEFAULT_SSO_SCOPES} from '../aws-config/sso-sessions.js'
import type {ImportCandidate} from './peers.js'

/**
 * The import as one text edit: the `[sso-session]`s import adds (appended), then each converted profile keeps its
 * header, name, comments and every key it had except those that made it the other tool's (its SSO keys, the other
 * tool's credential_process), and gains keyless's `credential_process` and `keyless_session` where the removed keys
 * were. Pure: text in, text out; the file's line endings, BOM and final newline as they were.
 */
export function applyImport(
  text: string,
  candidates: readonly ImportCandidate[],
  /** Sessions to add (import's new `[sso-session]`s), each once, whether or not their profiles convert now. */
  newSessions: ReadonlyArray<ImportCandidate['session']>,
  credentialProcess: (candidate: ImportCandidate) => string,
  options: ParseOptions = {},
): string {
  if (candidates.length === 0 && newSessions.length === 0) return text
  const doc = parseConfig(text, options)
  const editor = new LineEditor(doc)
  const sections = new Map<string, (typeof doc.sections)[number]>()
  for (const s of doc.sections) if (s.type === 'profile' || s.type === 'default') sections.set(s.type === 'default' ? 'default' : s.name, s)
  for (const c of candidates) {
    const section = sections.get(c.name)
    if (!section) continue
    const drop = new Set(c.dropKeys)
    // The new keys go where the first dropped key was (credential_process replaces the old one in place): lines
    // inserted after a removed line stand where it stood.
    for (const key of section.keys) if (drop.has(key.name) && key.name !== 'credential_process') editor.remove(key.line, key.end)
    const rest = {...section, keys: section.keys.filter((k) => !drop.has(k.name) || k.name === 'credential_process')}
    const firstDropped = section.keys.find((k) => drop.has(k.name))
    if (firstDropped && !rest.keys.some((k) => k.name === 'credential_process')) {
      editor.insertAfter(firstDropped.end - 1, [`credential_process = ${credentialProcess(c)}`, `keyless_session = ${c.session.name}`])
      continue
    }
    writeSectionKeys(editor, doc, rest, [
      {name: 'credential_process', value: credentialProcess(c), mode: 'set'},
      {name: 'keyless_session', value: c.session.name, mode: 'set'},
    ])
  }
  const added = new Set<string>()
  for (const session of newSessions) {
    if (added.has(session.name)) continue
    added.add(session.name)
    editor.appendSection([
      `[sso-session ${session.name}]`,
      `sso_start_url = ${session.startUrl}`,
      `sso_region = ${session.region}`,
      `sso_registration_scopes = ${DEFAULT_SSO_SCOPES.join(',')}`,
    ])
  }
  return editor.result(text)
}
