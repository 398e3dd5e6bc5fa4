import {Flags} from '@oclif/core'

import {KeylessCommand} from '../../base-command.js'
import type {CheckResult} from '../../ci/check.js'
import {EXIT, KeylessError} from '../../errors.js'

export default class CiCheck extends KeylessCommand {
  static override summary = 'Rate the trust policies of the roles CI providers (GitHub Actions, GitLab) assume through OIDC.'
  static override description = `Reads every role of the profile's account whose trust policy accepts an OIDC provider (token.actions.githubusercontent.com, gitlab.com, self-managed GitLab, any other) and rates it: no sub condition (critical: any repository can assume it), a wildcard repository (critical), any branch (high), no aud condition (high), StringLike without a pattern (medium), sessions over one hour (medium), one role for several repositories (info).

Exit codes: 0 nothing critical or high; 1 runtime failure; 2 usage; 3 a critical or high finding.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --profile production.ReadOnlyAccess',
    '<%= config.bin %> <%= command.id %> --profile production.ReadOnlyAccess --json',
  ]

  static override enableJsonFlag = true

  static override flags = {
    profile: Flags.string({description: 'a keyless profile whose role may list IAM roles', helpValue: 'NAME', required: true}),
  }

  async run(): Promise<CheckResult> {
    const {flags} = await this.parse(CiCheck)
    const {runCiCheck, renderCheck} = await import('../../ci/check.js')
    const result = await runCiCheck({profile: flags.profile, env: process.env, debug: flags.debug})
    const json = this.jsonEnabled()
    if (!json) process.stdout.write(renderCheck(result))
    const bad = result.summary.critical + result.summary.high
    if (bad > 0) {
      if (json) this.logJson(result)
      throw new KeylessError(
        `${bad} OIDC trust polic${bad === 1 ? 'y finding is' : 'y findings are'} critical or high`,
        'fix them as each finding says (keyless ci oidc writes a pinned trust policy)',
        EXIT.strictViolation,
      )
    }
    return result
  }
}
