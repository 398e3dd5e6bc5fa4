import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import type {Identity} from '../identity/identity.js'

// bin/run.js runs `keyless whoami` through src/identity/main.ts (no oclif, for start-up time); this class
// serves --help, the manifest, and anyone running the command through oclif. Both call runWhoami().
export default class Whoami extends KeylessCommand {
  static override summary = 'Show whose AWS credentials are in use: the guard before terraform.'
  static override description = `Resolves credentials exactly as the AWS tools do (--profile, then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then AWS_PROFILE or the default profile: credentials file, credential_process, SSO), calls STS GetCallerIdentity, and prints the account, ARN, principal kind, masked access key id, where the credentials came from and how long they last.

Warnings (stderr, and "warnings" in --json): account root, long-term access key, AWS_ACCESS_KEY_ID overriding AWS_PROFILE, a credentials-file profile shadowing the config profile, sso_* keys shadowing credential_process, Terraform taking other credentials than the AWS CLI (a profile's long-term key, the environment's web identity: --expect-account checks their account too).

Exit codes: 0 ok; 1 no or broken credentials, network; 2 usage; 3 --strict and root or a long-term key; 4 --expect-account mismatch. With --json the identity is printed on stdout even when exiting 3 or 4.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --strict --expect-account 111111111111 && terraform apply',
    '<%= config.bin %> <%= command.id %> --profile sandbox.AdministratorAccess --json',
  ]

  static override enableJsonFlag = true

  static override flags = {
    profile: Flags.string({description: 'AWS profile to check (default: AWS_PROFILE, else the default chain)', helpValue: 'NAME'}),
    strict: Flags.boolean({description: 'exit 3 when the credentials are the account root or a long-term access key'}),
    'expect-account': Flags.string({
      description:
        'exit 4 unless the credentials belong to this account, and so do those Terraform would take where it takes others (repeat the flag for several)',
      helpValue: 'ID',
      multiple: true,
    }),
  }

  async run(): Promise<Identity> {
    const {flags} = await this.parse(Whoami)
    const {runWhoami} = await import('../identity/run.js')
    const json = this.jsonEnabled()
    const {identity, failure} = await runWhoami(
      {profile: flags.profile, strict: flags.strict, expectAccounts: flags['expect-account'] ?? [], json},
      {
        env: process.env,
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        stdoutTTY: Boolean(process.stdout.isTTY),
        stderrTTY: Boolean(process.stderr.isTTY),
      },
    )
    if (failure) {
      // Scripts get the identity even when the guard fails: JSON on stdout, the one-line reason on stderr.
      if (json) this.logJson(identity)
      throw failure
    }
    return identity
  }
}
