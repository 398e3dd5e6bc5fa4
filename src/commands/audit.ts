import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {EXIT, KeylessError} from '../errors.js'
import type {AuditResult} from '../audit/audit.js'
import {writeReportJson} from '../audit/json.js'

export default class Audit extends KeylessCommand {
  static override summary = 'Find every AWS credential on this machine, who it belongs to, and how to get rid of the dangerous ones.'
  static override description = `Looks at the environment, the credentials and config files (static keys, credential_process, SSO, aws login and assume-role profiles, shadowed profiles, file permissions), the AWS CLI's plaintext caches (~/.aws/sso/cache, ~/.aws/cli/cache, ~/.aws/login/cache), every other file under ~/.aws, the files of other tools that keep AWS keys (s3cmd, boto, s3fs, rclone, MinIO client, s3ql...), shell start-up files and, with --scan, every text file under DIR (binaries, dependency and VCS directories skipped; --debug says what was skipped). Each key is identified with STS GetCallerIdentity signed with it (--offline skips that). No secret is ever printed.

Severity: critical a root key; high an IAM user's long-term key, a plaintext refresh token or client secret; medium plaintext temporary credentials or access tokens, a key AWS rejects, shadowed profiles; info the rest.

--fix asks, per finding, to remove the key (or turn that profile into a keyless profile for a role of the same account), delete the cache, or keep it; --fix --yes removes every key and cache without asking, and the export lines of keys in shell start-up files, but leaves other tools' files alone (it prints where each key is and how to deactivate it). Files are edited losslessly with a backup (credentials.keyless.bak, config.keyless.bak). keyless cannot deactivate keys at AWS: it prints the command to do so.

Exit codes: 0 nothing critical or high; 1 runtime failure; 2 usage; 3 a critical or high finding (after --fix: one that is left).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --scan ~/src --json > audit.json',
    '<%= config.bin %> <%= command.id %> --fix',
    '<%= config.bin %> <%= command.id %> --fix --yes --offline',
  ]

  static override enableJsonFlag = true

  static override flags = {
    offline: Flags.boolean({description: 'do not call STS: keys are listed, not identified'}),
    scan: Flags.string({description: 'also look for keys in every text file under DIR (repeatable)', helpValue: 'DIR', multiple: true}),
    fix: Flags.boolean({description: 'remove keys and plaintext caches (asks per finding on a terminal)'}),
    yes: Flags.boolean({
      description: 'with --fix: apply the safe default without asking (remove keys and caches, convert nothing)',
      dependsOn: ['fix'],
    }),
  }

  /** The --json report as it is being written (see writeReportJson). */
  #written: Promise<void> = Promise.resolve()

  /** The same bytes as every command's --json, written a piece at a time as the reader takes them. */
  public override logJson(json: unknown): void {
    this.#written = writeReportJson(json, process.stdout)
  }

  async run(): Promise<AuditResult> {
    const {flags} = await this.parse(Audit)
    const {runAudit} = await import('../audit/audit.js')
    const json = this.jsonEnabled()
    const {result, failed, notApplied} = await runAudit(
      {
        json,
        offline: flags.offline,
        scan: flags.scan ?? [],
        fix: flags.fix,
        yes: flags.yes,
        command: resolve(process.argv[1] ?? 'keyless'),
      },
      {
        env: process.env,
        stdout: (text) => process.stdout.write(text),
        stdinTTY: Boolean(process.stdin.isTTY),
        stdoutColour: Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb',
        ask: async ({title, where, choices}) => {
          const {select} = await import('../ui/prompt.js')
          try {
            return await select({message: `${title}\n  ${where}`, choices})
          } catch (error) {
            if ((error as Error)?.name === 'ExitPromptError')
              throw new KeylessError('cancelled: nothing was changed', undefined, EXIT.interrupted)
            throw error
          }
        },
        roles: async () => (await import('../audit/roles.js')).rolesByAccount(process.env),
      },
    )
    // The stderr line says what the closing line on stdout says (render.ts): exit 3 for what is left, else 1 for a
    // fix that failed.
    const {auditFailure} = await import('../audit/render.js')
    const failure = auditFailure(result, {fix: flags.fix, failed, notApplied})
    if (failure) {
      if (json) {
        // The exit that follows the error does not wait for output: the whole report is out first.
        this.logJson(result)
        await this.#written
      }
      throw new KeylessError(failure.message, failure.hint, failure.exit === 3 ? EXIT.strictViolation : EXIT.failure)
    }
    return result
  }
}
