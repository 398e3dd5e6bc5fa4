import {InvalidConfigValueError} from '../aws-config/errors.js'
import {profileName, validateTemplate} from '../aws-config/profiles.js'
import {validateRegion, validateStartUrl} from '../aws-config/sso-sessions.js'
import {KeylessError} from '../errors.js'
import {TEAM_FILE_SCHEMA, type TeamFile} from './schema.js'

export class TeamFileError extends KeylessError {
  override name = 'TeamFileError'
}

const FIX = 'fix the team file (its format is in the README, "Team files"), then run: keyless configure --from FILE --check'

/**
 * Parses and validates a team file completely (YAML, or JSON, which is YAML): the schema first (ajv), then what a
 * schema cannot say. Returns the file, or throws one TeamFileError naming the first problem and where it is.
 */
export async function parseTeamFile(text: string, source: string): Promise<TeamFile> {
  const {parse} = await import('yaml')
  let data: unknown
  try {
    data = parse(text, {uniqueKeys: true, maxAliasCount: 0})
  } catch (error) {
    const first = ((error as Error).message ?? '').split('\n')[0]
    throw new TeamFileError(`team file ${source} is not valid YAML or JSON: ${first}`, FIX)
  }
  const {default: AjvModule} = await import('ajv')
  const Ajv = AjvModule as unknown as typeof AjvModule.default
  const ajv = new Ajv({allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true})
  const validate = ajv.compile(TEAM_FILE_SCHEMA)
  if (!validate(data)) {
    const e = validate.errors?.[0]
    const where = e?.instancePath || '/'
    const detail =
      e?.keyword === 'additionalProperties'
        ? `unknown key "${(e.params as {additionalProperty: string}).additionalProperty}"`
        : e?.keyword === 'enum'
          ? `${e.message}: ${((e.params as {allowedValues: unknown[]}).allowedValues ?? []).join(', ')}`
          : (e?.message ?? 'invalid')
    throw new TeamFileError(`team file ${source}: ${where}: ${detail}`, FIX)
  }
  const team = data as TeamFile
  const at = (path: string, check: () => void) => {
    try {
      check()
    } catch (error) {
      if (error instanceof InvalidConfigValueError || error instanceof KeylessError) {
        throw new TeamFileError(`team file ${source}: ${path}: ${error.message}`, FIX)
      }
      throw error
    }
  }
  for (const [name, s] of Object.entries(team.sessions)) {
    at(`/sessions/${name}/start_url`, () => validateStartUrl(s.start_url))
    at(`/sessions/${name}/region`, () => validateRegion(s.region))
    if (s.profile_region !== undefined) at(`/sessions/${name}/profile_region`, () => validateRegion(s.profile_region!))
    for (const [i, r] of (s.regions ?? []).entries()) at(`/sessions/${name}/regions/${i}/region`, () => validateRegion(r.region))
    if (s.template !== undefined) {
      at(`/sessions/${name}/template`, () => {
        profileName(s.template, {session: name, account_id: '000000000000', account_name: 'account', role_name: 'Role'})
        validateTemplate(s.template!, 'keyless configure --from FILE')
      })
    }
  }
  for (const [name, c] of Object.entries(team.chains ?? {})) {
    if (c.region !== undefined) at(`/chains/${name}/region`, () => validateRegion(c.region!))
    if (c.source_profile === name)
      throw new TeamFileError(`team file ${source}: /chains/${name}: a chain cannot be its own source_profile`, FIX)
    if (team.chains?.[c.source_profile]) {
      // AWS tools chain through several profiles, but a loop never ends: refuse one.
      const seen = new Set([name])
      for (let p = c.source_profile; team.chains?.[p]; p = team.chains[p]!.source_profile) {
        if (seen.has(p)) throw new TeamFileError(`team file ${source}: /chains/${name}: its source_profile chain loops back (${p})`, FIX)
        seen.add(p)
      }
    }
  }
  return team
}
