import {createRequire} from 'node:module'

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

const STRING_FLAGS = new Set(['session', 'account-id', 'role-name'])
const BOOLEAN_FLAGS = new Set(['auto-login', 'debug'])
type Values = {session?: string; 'account-id'?: string; 'role-name'?: string; 'auto-login'?: boolean; debug?: boolean}

/**
 * The command line as keyless writes it into credential_process (`--flag value`, `--flag=value`, the two
 * switches), read without loading node:util's parser: this runs before every AWS call. Anything else gives
 * undefined, and node:util's parseArgs reads it (and words the usage error).
 */
function readPlainFlags(argv: readonly string[]): Values | undefined {
  const values: Record<string, string | boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) return undefined
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq < 0 ? undefined : eq)
    if (BOOLEAN_FLAGS.has(name) && eq < 0) values[name] = true
    else if (!STRING_FLAGS.has(name)) return undefined
    else if (eq >= 0) values[name] = arg.slice(eq + 1)
    else {
      const value = argv[++i]
      if (value === undefined || value.startsWith('-')) return undefined
      values[name] = value
    }
  }
  return values as Values
}

/** node:util's parseArgs, for what readPlainFlags leaves: its messages name the flag. */
function parseWithNode(argv: readonly string[]): Values {
  const {parseArgs} = createRequire(import.meta.url)('node:util') as typeof import('node:util')
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        session: {type: 'string'},
        'account-id': {type: 'string'},
        'role-name': {type: 'string'},
        'auto-login': {type: 'boolean', default: false},
        debug: {type: 'boolean', default: false},
      },
    }).values
  } catch (error) {
    // node's messages name the flag ("Unknown option '--acount-id'", "Option '--session <value>' argument missing").
    const message = (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '')
    throw usage(message.replace(/\.$/, ''))
  }
}

/**
 * The command line of `keyless credential-process` (oclif's parser costs start-up time this hot path does not
 * have). A usage error is one line that names the flag, exit code 2.
 */
export function parseCredentialProcessArgs(argv: readonly string[]): CredentialProcessArgs {
  return checked(readPlainFlags(argv) ?? parseWithNode(argv))
}

/**
 * The arguments when they are as keyless writes them and valid (credential-process's cache hit), else undefined:
 * parseCredentialProcessArgs reads the rest and words what is wrong.
 */
export function readPlainCredentialProcessArgs(argv: readonly string[]): CredentialProcessArgs | undefined {
  const values = readPlainFlags(argv)
  try {
    return values && checked(values)
  } catch {
    return undefined
  }
}

function checked(values: Values): CredentialProcessArgs {
  const accountId = values['account-id']
  const roleName = values['role-name']
  if (values.session !== undefined && values.session.trim() === '') throw usage('--session must not be empty')
  if (accountId === undefined) throw usage('missing required flag --account-id')
  if (!/^\d{12}$/.test(accountId)) throw usage(`--account-id must be a 12-digit AWS account id (got "${accountId.slice(0, 40)}")`)
  if (roleName === undefined) throw usage('missing required flag --role-name')
  if (!ROLE_NAME.test(roleName)) throw usage(`--role-name is not a valid role name (got "${roleName.slice(0, 70)}")`)
  return {session: values.session, accountId, roleName, autoLogin: values['auto-login'] === true, debug: values.debug === true}
}
