import type {Command} from '@oclif/core'

import {printable} from '../errors.js'
import type {TeamFileResult} from './team-file.js'

/** `configure --from`'s output: the diff applied (or that the file is valid / already applied), warnings on stderr. */
export async function applyTeamFileCommand(command: Command, source: string, check: boolean): Promise<TeamFileResult> {
  const {runTeamFile} = await import('./team-file.js')
  const outcome = await runTeamFile(source, {check})
  const {result} = outcome
  const json = command.jsonEnabled()
  for (const warning of outcome.warnings) process.stderr.write(`keyless: ${printable(warning)}\n`)
  if (json) return result
  const what = `team file ${result.team} version ${result.version}`
  if (check) {
    command.log(`${what} is valid: ${result.sessions.length} session(s), nothing applied.`)
    return result
  }
  if (!result.changed) {
    command.log(`${what} is already applied to ${outcome.configFile}.`)
    return result
  }
  command.log(outcome.diff.trimEnd())
  command.log(`Applied ${what} to ${outcome.configFile}. Next: keyless login, then keyless profiles sync`)
  return result
}
