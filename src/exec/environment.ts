import {printable} from '../errors.js'
import type {RoleChoice} from '../role/select.js'
import type {RoleCredentials} from '../sso/types.js'

/** Variables that would make the child's AWS tools use something other than the role keyless hands it. */
const REMOVED = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
]

/** The region a role is used in: --region, $AWS_REGION, $AWS_DEFAULT_REGION, the profile's, else the session's. */
export function roleRegion(choice: RoleChoice, flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || choice.profileRegion || choice.session.region
}

/** The variables of PRODUCT.md section 11, in the order `env` prints them. */
export function credentialVariables(credentials: RoleCredentials, region: string, label: string): Array<[string, string]> {
  return [
    ['AWS_ACCESS_KEY_ID', credentials.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey],
    ['AWS_SESSION_TOKEN', credentials.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', new Date(Date.parse(credentials.expiresAt)).toISOString()],
    ['AWS_REGION', region],
    ['AWS_DEFAULT_REGION', region],
    // Never a control character, whoever built the label (names come from the server).
    ['KEYLESS_ROLE', printable(label)],
  ]
}

/** Every variable `env --unset` clears (what `env` sets, and the profile variables exec leaves out). */
export const UNSET_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'KEYLESS_ROLE',
]

/**
 * The child's environment: the parent's, without any AWS credential or profile variable, plus either the role's
 * keys or (with `server`) the container-credentials endpoint and its token, never both.
 */
export function childEnvironment(
  parent: NodeJS.ProcessEnv,
  input: {region: string; label: string; credentials?: RoleCredentials; server?: {url: string; token: string}},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...parent}
  for (const name of REMOVED) delete env[name]
  env.AWS_REGION = input.region
  env.AWS_DEFAULT_REGION = input.region
  env.KEYLESS_ROLE = printable(input.label)
  if (input.server) {
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI = input.server.url
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN = input.server.token
  } else if (input.credentials) {
    for (const [name, value] of credentialVariables(input.credentials, input.region, input.label)) env[name] = value
  }
  return env
}
