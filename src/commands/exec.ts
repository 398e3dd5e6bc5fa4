import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {validateRegion} from '../aws-config/sso-sessions.js'
import {EXIT, KeylessError} from '../errors.js'
import {execRole} from '../exec/exec.js'
import {roleArg, roleFlags} from '../flags.js'

export default class Exec extends KeylessCommand {
  static override summary = "Run a command with a role's credentials in its environment."
  static override description = `The command runs without a shell, with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION, AWS_DEFAULT_REGION and KEYLESS_ROLE set and AWS_PROFILE/AWS_DEFAULT_PROFILE removed. keyless exits with the command's exit code (128+N when a signal ended it) and passes SIGINT, SIGTERM and SIGHUP on.
The credentials come from the same keychain cache as credential-process (fetched once for all concurrent callers).
--server puts no key in the environment: the command gets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN of a credentials endpoint on 127.0.0.1 that keyless serves while it runs, so the AWS SDKs and CLI refresh through it past the credentials' hour.
Without a role on a terminal, pick one (type to filter).`
  static override examples = [
    '<%= config.bin %> exec --profile production.ReadOnlyAccess -- aws s3 ls',
    '<%= config.bin %> exec --account production --role ReadOnlyAccess -- terraform plan',
    '<%= config.bin %> exec production.ReadOnlyAccess --server -- terraform apply',
    '<%= config.bin %> exec -- aws sts get-caller-identity',
  ]
  static override strict = false
  static override args = roleArg
  static override flags = {
    ...roleFlags,
    server: Flags.boolean({description: 'serve the credentials from a loopback endpoint (refreshing) instead of putting keys in the environment'}),
  }

  async run(): Promise<void> {
    const dash = this.argv.indexOf('--')
    if (dash < 0) throw new KeylessError('no command to run: put it after --', 'run: keyless exec --profile NAME -- COMMAND [ARGS...]', EXIT.usage)
    const [command, ...commandArgs] = this.argv.slice(dash + 1)
    if (!command) throw new KeylessError('no command after --', 'run: keyless exec --profile NAME -- COMMAND [ARGS...]', EXIT.usage)
    const {args, flags, argv} = await this.parse(Exec, this.argv.slice(0, dash))
    if (argv.length > 1) {
      throw new KeylessError(`unexpected argument "${String(argv[1]).slice(0, 40)}" before --`, 'run: keyless exec [ROLE] [FLAGS] -- COMMAND [ARGS...]', EXIT.usage)
    }
    if (flags.region !== undefined) validateRegion(flags.region)
    const code = await execRole(
      {role: args.role, profile: flags.profile, account: flags.account, roleName: flags.role, session: flags.session},
      {command, args: commandArgs, region: flags.region, server: flags.server, debug: flags.debug},
    )
    this.exit(code)
  }
}
