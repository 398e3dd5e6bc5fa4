import {readConfigText, withConfigFileLock, writeFileAtomic} from '../aws-config/atomic-write.js'
import {getKey, parseConfig} from '../aws-config/ini.js'
import {configFilePath, displayPath} from '../aws-config/paths.js'
import {applyTeamFile} from './apply.js'
import {loadTeamFile} from './load.js'
import {parseTeamFile} from './validate.js'

/** `keyless configure --from ... --json`. */
export interface TeamFileResult {
  team: string
  version: number
  sessions: string[]
  chains: {written: string[]; removed: string[]; skipped: string[]}
  /** False for --check, and when the file already matched. */
  changed: boolean
}

export interface TeamFileOutcome {
  result: TeamFileResult
  diff: string
  warnings: string[]
  configFile: string
}

/**
 * `keyless configure --from PATH|URL [--check]`: the team file fetched whole and validated completely before the
 * config file is even read; then, under the config file's lock, one pure edit and one atomic write with a backup.
 * Any failure before the write changes nothing; a file that matches the config changes no byte.
 */
export async function runTeamFile(
  source: string,
  options: {check: boolean},
  env: NodeJS.ProcessEnv = process.env,
): Promise<TeamFileOutcome> {
  const team = await parseTeamFile(await loadTeamFile(source, env), source)
  const summary = {team: team.name, version: team.version, sessions: Object.keys(team.sessions)}
  const path = configFilePath(env)
  if (options.check)
    return {result: {...summary, chains: {written: [], removed: [], skipped: []}, changed: false}, diff: '', warnings: [], configFile: path}
  const shown = displayPath(path, env)
  return withConfigFileLock(
    path,
    async () => {
      const before = await readConfigText(path)
      const applied = applyTeamFile(before, team, {path: shown})
      const changed = applied.text !== before
      const diff = changed
        ? (await import('diff')).createTwoFilesPatch(
            shown,
            shown,
            before,
            applied.text,
            'current',
            `team file ${team.name} v${team.version}`,
          )
        : ''
      if (changed) await writeFileAtomic(path, applied.text, {backup: true})
      const doc = parseConfig(applied.text)
      const keyless = new Set(
        doc.sections.filter((s) => s.type === 'profile' && getKey(s, 'keyless_session') !== undefined).map((s) => s.name),
      )
      const warnings = [...applied.warnings]
      for (const [name, chain] of Object.entries(team.chains ?? {})) {
        if (!keyless.has(chain.source_profile) && !team.chains?.[chain.source_profile]) {
          warnings.push(
            `chain "${name}": its source_profile "${chain.source_profile}" is not a keyless profile yet; run: keyless profiles sync`,
          )
        }
      }
      return {result: {...summary, chains: applied.chains, changed}, diff, warnings, configFile: path}
    },
    {env},
  )
}
