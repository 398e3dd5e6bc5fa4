import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {validateRegion} from '../aws-config/sso-sessions.js'
import {defaultEnvFormat, ENV_FORMATS, formatUnset, formatVariables} from '../env/format.js'
import {EXIT, KeylessError} from '../errors.js'
import {credentialVariables, roleRegion, UNSET_VARIABLES} from '../exec/environment.js'
import {roleArg, roleFlags} from '../flags.js'
import {useRole} from '../role/runtime.js'

export default class Env extends KeylessCommand {
  static override summary = "Print a role's credentials as variables for eval (sh, fish, powershell, windows-cmd, dotenv, json)."
  static override description = `Prints AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION, AWS_DEFAULT_REGION and KEYLESS_ROLE, each quoted for the shell it targets (the shell formats also unset AWS_PROFILE and AWS_DEFAULT_PROFILE).
Refuses when stdout is a terminal (secrets do not belong on a screen) unless --reveal. --unset prints the lines that clear the variables again.
The credentials come from the same keychain cache as credential-process.`
  static override examples = [
    'eval "$(<%= config.bin %> env --profile production.ReadOnlyAccess)"',
    '<%= config.bin %> env --account production --role ReadOnlyAccess --format fish | source',
    '<%= config.bin %> env production.ReadOnlyAccess --format dotenv > .env.aws   # then: docker run --env-file .env.aws ...',
    'eval "$(<%= config.bin %> env --unset)"',
  ]
  static override args = roleArg
  static override flags = {
    ...roleFlags,
    // PowerShell on Windows (its default shell), sh elsewhere; evaluated per platform, so the manifest built on Linux says sh.
    format: Flags.string({description: 'output format', options: [...ENV_FORMATS], default: async () => defaultEnvFormat()}),
    reveal: Flags.boolean({description: 'print even when stdout is a terminal (the secret key and token are shown)'}),
    unset: Flags.boolean({description: 'print the lines that clear the variables instead (no role needed)'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Env)
    const format = flags.format as (typeof ENV_FORMATS)[number]
    if (flags.unset) {
      process.stdout.write(formatUnset(UNSET_VARIABLES, format))
      return
    }
    if (process.stdout.isTTY && !flags.reveal) {
      throw new KeylessError(
        'not printing credentials to a terminal',
        'run: eval "$(keyless env ...)" with the same arguments (or add --reveal to show them)',
        EXIT.usage,
      )
    }
    if (flags.region !== undefined) validateRegion(flags.region, 'pass the AWS region for the variables, e.g. --region eu-west-1')
    const {choice, credentials} = await useRole(
      {role: args.role, profile: flags.profile, account: flags.account, roleName: flags.role, session: flags.session},
      {command: 'env', debug: flags.debug},
    )
    const region = roleRegion(choice, flags.region, process.env)
    process.stdout.write(formatVariables(credentialVariables(credentials, region, choice.label), format))
  }
}
