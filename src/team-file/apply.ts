import {KeylessError} from '../errors.js'
import {findSection, getKey, parseConfig, type ParseOptions} from '../aws-config/ini.js'
import {LineEditor, type KeyWrite, writeSectionKeys} from '../aws-config/line-editor.js'
import {upsertSsoSession} from '../aws-config/sso-sessions.js'
import type {TeamFile} from './schema.js'

/** The keys a team file owns in an `[sso-session]` (set from the file, removed when a newer file drops them). */
export const TEAM_SESSION_KEYS = ['keyless_template', 'keyless_profile_region', 'keyless_regions'] as const

export interface TeamApplyResult {
  text: string
  sessions: string[]
  chains: {written: string[]; removed: string[]; skipped: string[]}
  warnings: string[]
}

/** `ACCOUNT[/ROLE]=REGION` rules, comma separated, as `keyless_regions` holds them (`*` for any account). */
export function regionRules(rules: TeamFile['sessions'][string]['regions']): string | undefined {
  if (!rules || rules.length === 0) return undefined
  return rules.map((r) => `${r.account ?? '*'}${r.role ? `/${r.role}` : ''}=${r.region}`).join(',')
}

/**
 * Brings the config text to the team file: each session added or updated in place (start URL, region, scopes,
 * login flow, store, and the team-owned keyless_* keys), each chain profile written, and the chains this team
 * wrote before but the file no longer has removed. What the team file does not name is not touched; a chain name
 * held by a profile the team did not write is skipped with a warning. Pure: text in, text out; applying the same
 * file to its own output returns the same text.
 */
export function applyTeamFile(text: string, team: TeamFile, options: ParseOptions = {}): TeamApplyResult {
  const warnings: string[] = []
  const current = parseConfig(text, options)
  for (const section of current.sections) {
    if (section.type !== 'sso-session' || !team.sessions[section.name]) continue
    const applied = Number(getKey(section, 'keyless_team_version'))
    const owner = getKey(section, 'keyless_team')
    if (owner === team.name && Number.isInteger(applied) && applied > team.version) {
      throw new KeylessError(
        `team file ${team.name} version ${team.version} is older than version ${applied}, applied to [sso-session ${section.name}]`,
        'get the current team file and apply that one',
      )
    }
  }

  let out = text
  for (const [name, s] of Object.entries(team.sessions)) {
    out = upsertSsoSession(
      out,
      {name, startUrl: s.start_url, region: s.region, scopes: s.scopes, loginFlow: s.login_flow, store: s.store},
      options,
    )
    const doc = parseConfig(out, options)
    const section = findSection(doc, 'sso-session', name)!
    const editor = new LineEditor(doc)
    const wanted: Record<string, string | undefined> = {
      keyless_template: s.template,
      keyless_profile_region: s.profile_region,
      keyless_regions: regionRules(s.regions),
      keyless_team: team.name,
      keyless_team_version: String(team.version),
    }
    for (const key of section.keys) {
      if ((TEAM_SESSION_KEYS as readonly string[]).includes(key.name) && wanted[key.name] === undefined) editor.remove(key.line, key.end)
    }
    const last = section.keys.at(-1)
    writeSectionKeys(editor, doc, section, [
      ...(last ? [{name: last.name, value: last.value, mode: 'if-missing' as const}] : []),
      ...Object.entries(wanted).map(([k, v]): KeyWrite => ({name: k, value: v, mode: 'set'})),
    ])
    out = editor.result(out)
  }

  const doc = parseConfig(out, options)
  const editor = new LineEditor(doc)
  const chains = team.chains ?? {}
  const result: TeamApplyResult['chains'] = {written: [], removed: [], skipped: []}
  const profiles = new Map(doc.sections.filter((s) => s.type === 'profile').map((s) => [s.name, s]))
  for (const [name, c] of Object.entries(chains)) {
    const keys: Array<[string, string | undefined]> = [
      ['role_arn', c.role_arn],
      ['source_profile', c.source_profile],
      ['role_session_name', c.role_session_name],
      ['external_id', c.external_id],
      ['duration_seconds', c.duration_seconds === undefined ? undefined : String(c.duration_seconds)],
      ['region', c.region],
      ['keyless_team', team.name],
    ]
    const section = profiles.get(name)
    if (!section) {
      editor.appendSection([`[profile ${name}]`, ...keys.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${v}`)])
      result.written.push(name)
      continue
    }
    if (getKey(section, 'keyless_team') !== team.name) {
      result.skipped.push(name)
      warnings.push(`profile "${name}" (line ${section.start + 1}) is not one team ${team.name} wrote: left alone, chain not written`)
      continue
    }
    // A key the file no longer sets goes (an external_id dropped must not linger).
    let changed = false
    for (const key of section.keys) {
      if (!keys.some(([k, v]) => k === key.name && v === undefined)) continue
      editor.remove(key.line, key.end)
      changed = true
    }
    if (
      writeSectionKeys(
        editor,
        doc,
        section,
        keys.map(([k, v]): KeyWrite => ({name: k, value: v, mode: 'set'})),
      ) ||
      changed
    ) {
      result.written.push(name)
    }
  }
  const stale = doc.sections.filter((s) => s.type === 'profile' && getKey(s, 'keyless_team') === team.name && !chains[s.name])
  for (const section of stale.sort((a, b) => b.start - a.start)) {
    editor.removeSection(section)
    result.removed.push(section.name)
  }
  return {text: editor.result(out), sessions: Object.keys(team.sessions), chains: result, warnings}
}
