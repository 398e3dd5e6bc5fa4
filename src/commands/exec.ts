import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {parseExecArgs} from '../exec/args.js'
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
  static override usage =
    'exec [ROLE] [--profile NAME | --account NAME|ID --role NAME] [--session NAME] [--region R] [--server] -- COMMAND [ARGS...]'
  static override args = roleArg
  static override flags = {
    ...roleFlags,
    server: Flags.boolean({
      description: 'serve the credentials from a loopback endpoint (refreshing) instead of putting keys in the environment',
    }),
  }

  async run(): Promise<void> {
    // Flags before `--` are checked by oclif (for its messages) and read by the same parser as bin/run.js's fast path.
    // (this.parse replaces this.argv with what it was given: keep the whole command line first.)
    const argv = [...this.argv]
    const dash = argv.indexOf('--')
    await this.parse(Exec, dash < 0 ? argv : argv.slice(0, dash))
    const args = parseExecArgs(argv)
    const code = await execRole(args.role, {
      command: args.command,
      args: args.args,
      region: args.region,
      server: args.server,
      debug: args.debug,
    })
    this.exit(code)
  }
}
