import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {credentialProcess} from '../credential-process/main.js'
import {parseCredentialProcessArgs} from '../credential-process/args.js'

/**
 * For `--help` and the manifest only: bin/run.js sends `keyless credential-process ...` straight to
 * dist/credential-process/main.js, skipping oclif's start-up. run() does the same work when oclif is used anyway.
 */
export default class CredentialProcess extends KeylessCommand {
  static override summary = 'Print short-lived role credentials as credential_process JSON (for the AWS CLI and SDKs).'
  static override description = `Used from a credential_process line in ~/.aws/config (keyless profiles sync writes them). stdout is only the process-credentials JSON (Version 1); everything else goes to stderr.
Role credentials are cached in the OS keychain and served while more than 15 minutes remain; otherwise the access token is refreshed if needed and GetRoleCredentials is called, once across all concurrent processes.
Never prompts. With --auto-login an expired session starts one device-authorization flow for all concurrent callers (instructions on stderr, one browser tab).`
  static override examples = [
    '<%= config.bin %> credential-process --session acme --account-id 111111111111 --role-name AdministratorAccess',
    'credential_process = "/usr/local/bin/keyless" credential-process --session acme --account-id 111111111111 --role-name ReadOnlyAccess --auto-login',
  ]
  static override flags = {
    session: Flags.string({description: 'the [sso-session] to use (default: $KEYLESS_SESSION, else the only session)', helpValue: 'NAME'}),
    'account-id': Flags.string({description: '12-digit AWS account id', required: true, helpValue: 'ID'}),
    'role-name': Flags.string({description: 'permission set (role) name', required: true, helpValue: 'ROLE'}),
    'auto-login': Flags.boolean({description: 'when the session has expired, sign in (device flow, once for all concurrent callers)'}),
    debug: Flags.boolean({description: 'debug output on stderr (secrets redacted)'}),
  }

  async run(): Promise<void> {
    await this.parse(CredentialProcess)
    // The same parser and validation as the direct entry, so both paths accept exactly the same command lines.
    const args = parseCredentialProcessArgs(this.argv)
    const json = await credentialProcess(args, {env: process.env, warn: (line) => process.stderr.write(line + '\n')})
    process.stdout.write(json)
  }
}
