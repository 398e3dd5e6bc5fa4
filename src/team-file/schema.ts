/**
 * The team file's JSON schema (draft 2020-12 subset that ajv checks), shipped with keyless so that a platform team's
 * CI and keyless agree: `keyless configure --from FILE --check` runs exactly this. Semantic checks that a schema
 * cannot express (a real region, an https start URL, a template that tells roles apart) follow in validate.ts.
 */
export const TEAM_FILE_FORMAT = 1

const NAME = '^[A-Za-z0-9._+@-]{1,64}$'
const PROFILE_NAME = '^[A-Za-z0-9._+-]{1,128}$'

export const TEAM_FILE_SCHEMA = {
  $id: 'https://keyless.dev/schemas/team-file-1.json',
  title: 'keyless team file',
  type: 'object',
  additionalProperties: false,
  required: ['keyless', 'name', 'version', 'sessions'],
  properties: {
    keyless: {const: TEAM_FILE_FORMAT, description: 'the format of this file (1)'},
    name: {type: 'string', pattern: NAME, description: 'the team, written into what the file manages (keyless_team)'},
    version: {type: 'integer', minimum: 1, description: "the file's own version; an older one than applied is refused"},
    sessions: {
      type: 'object',
      minProperties: 1,
      propertyNames: {pattern: NAME},
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['start_url', 'region'],
        properties: {
          start_url: {type: 'string', minLength: 1},
          region: {type: 'string', minLength: 1},
          scopes: {type: 'array', items: {type: 'string', pattern: '^[^,\\s]+$'}, minItems: 1},
          login_flow: {enum: ['auto', 'auth-code', 'device-code']},
          store: {enum: ['keychain', 'kernel-keyring']},
          template: {type: 'string', minLength: 1},
          profile_region: {type: 'string', minLength: 1},
          regions: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['region'],
              anyOf: [{required: ['account']}, {required: ['role']}],
              properties: {
                account: {type: 'string', pattern: '^[\\w.+@-]{1,64}$', description: 'account id or name'},
                role: {type: 'string', pattern: '^[\\w+=.@-]{1,64}$'},
                region: {type: 'string', minLength: 1},
              },
            },
          },
        },
      },
    },
    chains: {
      type: 'object',
      propertyNames: {pattern: PROFILE_NAME},
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['source_profile', 'role_arn'],
        properties: {
          source_profile: {type: 'string', pattern: PROFILE_NAME},
          role_arn: {type: 'string', pattern: '^arn:aws[\\w-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$'},
          role_session_name: {type: 'string', pattern: '^[\\w+=,.@-]{2,64}$'},
          external_id: {type: 'string', pattern: '^[\\w+=,.@:/-]{2,1224}$'},
          duration_seconds: {type: 'integer', minimum: 900, maximum: 43200},
          region: {type: 'string', minLength: 1},
        },
      },
    },
  },
} as const

export interface TeamSession {
  start_url: string
  region: string
  scopes?: string[]
  login_flow?: 'auto' | 'auth-code' | 'device-code'
  store?: 'keychain' | 'kernel-keyring'
  template?: string
  profile_region?: string
  regions?: Array<{account?: string; role?: string; region: string}>
}

export interface TeamChain {
  source_profile: string
  role_arn: string
  role_session_name?: string
  external_id?: string
  duration_seconds?: number
  region?: string
}

export interface TeamFile {
  keyless: 1
  name: string
  version: number
  sessions: Record<string, TeamSession>
  chains?: Record<string, TeamChain>
}
