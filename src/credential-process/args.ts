import {parseArgs} from 'node:util'

import {KeylessError, EXIT} from '../errors.js'

export interface CredentialProcessArgs {
  /** Undefined: $KEYLESS_SESSION, else the only session in the AWS config (PRODUCT.md section 2). */
  session?: string
  accountId: string
  roleName: string
  autoLogin: boolean
  debug: boolean
}

export const USAGE = 'usage: keyless credential-process --session NAME --account-id 123456789012 --role-name ROLE [--auto-login]'

/** IAM role / permission set names: letters, digits and +=,.@_- (at most 64). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/

function usage(message: string): KeylessError {
  return new KeylessError(message, USAGE, EXIT.usage)
}

/**
 * The command line of `keyless credential-process`, read with node:util (oclif's parser costs start-up time
 * this hot path does not have). A usage error is one line that names the flag, exit code 2.
 */
export function parseCredentialProcessArgs(argv: string[]): CredentialProcessArgs {
  let values
  try {
    ;({values} = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        session: {type: 'string'},
        'account-id': {type: 'string'},
        'role-name': {type: 'string'},
        'auto-login': {type: 'boolean', default: false},
        debug: {type: 'boolean', default: false},
      },
    }))
  } catch (error) {
    // node's messages name the flag ("Unknown option '--acount-id'", "Option '--session <value>' argument missing").
    const message = (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '')
    throw usage(message.replace(/\.$/, ''))
  }
  const accountId = values['account-id']
  const roleName = values['role-name']
  if (values.session !== undefined && values.session.trim() === '') throw usage('--session must not be empty')
  if (accountId === undefined) throw usage('missing required flag --account-id')
  if (!/^\d{12}$/.test(accountId)) throw usage(`--account-id must be a 12-digit AWS account id (got "${accountId.slice(0, 40)}")`)
  if (roleName === undefined) throw usage('missing required flag --role-name')
  if (!ROLE_NAME.test(roleName)) throw usage(`--role-name is not a valid role name (got "${roleName.slice(0, 70)}")`)
  return {session: values.session, accountId, roleName, autoLogin: values['auto-login'] === true, debug: values.debug === true}
}
