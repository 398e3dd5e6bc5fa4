import {parseArgs} from 'node:util'

import {validateRegion} from '../aws-config/sso-sessions.js'
import {EXIT, KeylessError} from '../errors.js'
import type {RoleFlags} from '../role/select.js'

export interface ExecArgs {
  role: RoleFlags
  region?: string
  server: boolean
  debug: boolean
  command: string
  args: string[]
}

const USAGE = 'run: keyless exec [ROLE] [--profile NAME | --account NAME|ID --role NAME] [--server] -- COMMAND [ARGS...]'

function usage(message: string): KeylessError {
  return new KeylessError(message, USAGE, EXIT.usage)
}

/**
 * The command line of `keyless exec`, read with node:util (bin/run.js runs exec without oclif's start-up; the oclif
 * command uses this too, so both accept the same lines). Everything after the first `--` is the command, untouched.
 */
export function parseExecArgs(argv: string[]): ExecArgs {
  const dash = argv.indexOf('--')
  if (dash < 0) throw usage('no command to run: put it after --')
  const [command, ...args] = argv.slice(dash + 1)
  if (!command) throw usage('no command after --')
  let parsed
  try {
    parsed = parseArgs({
      args: argv.slice(0, dash),
      strict: true,
      allowPositionals: true,
      options: {
        profile: {type: 'string'},
        account: {type: 'string'},
        role: {type: 'string'},
        session: {type: 'string'},
        region: {type: 'string'},
        server: {type: 'boolean', default: false},
        debug: {type: 'boolean', default: false},
      },
    })
  } catch (error) {
    throw usage(
      (error as Error).message
        .split('\n')[0]!
        .replace(/\. To specify a positional argument.*$/, '')
        .replace(/\.$/, ''),
    )
  }
  const {values, positionals} = parsed
  if (positionals.length > 1) throw usage(`unexpected argument "${positionals[1]!.slice(0, 40)}" before --`)
  for (const name of ['profile', 'account', 'role', 'session', 'region'] as const) {
    if (values[name] !== undefined && values[name].trim() === '') throw usage(`--${name} must not be empty`)
  }
  return {
    role: {role: positionals[0], profile: values.profile, account: values.account, roleName: values.role, session: values.session},
    // The region the command works in (AWS_REGION), not the session's: say so, or people reach for sso_region.
    region:
      values.region === undefined
        ? undefined
        : validateRegion(values.region, 'pass the AWS region for the command, e.g. --region eu-west-1'),
    server: values.server === true,
    debug: values.debug === true,
    command,
    args,
  }
}
