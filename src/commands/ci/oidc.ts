import {Args, Flags} from '@oclif/core'

import {KeylessCommand} from '../../base-command.js'
import type {CiOidcResult} from '../../ci/oidc.js'

export default class CiOidc extends KeylessCommand {
  static override summary = 'Move the GitHub Actions workflows of a repository off long-term AWS keys, to OIDC.'
  static override description = `Finds the jobs that get a long-term key (aws-access-key-id inputs, AWS_ACCESS_KEY_ID in env), rewrites them losslessly to assume a role through GitHub's OIDC provider (role-to-assume, permissions: id-token: write), writes the role's trust policy as JSON and Terraform (aud sts.amazonaws.com exactly, sub pinned to one repository and branch or environment, one-hour sessions), creates the provider and the role with --apply, and ends with the commands left to you: delete the secrets, and after a green run deactivate the key and delete its user.

Jobs that cannot be rewritten safely are left alone and named. Nothing changes when the input is wrong.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --role-arn arn:aws:iam::123456789012:role/github-actions-acme-site',
    '<%= config.bin %> <%= command.id %> ~/src/site --profile production.AdministratorAccess --apply --policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess',
    '<%= config.bin %> <%= command.id %> --profile production.AdministratorAccess --environment production --out infra/oidc --dry-run',
  ]

  static override enableJsonFlag = true

  static override args = {
    dir: Args.string({description: 'the repository checkout (default: the current directory)', required: false}),
  }

  static override flags = {
    repo: Flags.string({description: 'the GitHub repository (default: from the origin remote)', helpValue: 'OWNER/NAME'}),
    'role-arn': Flags.string({description: 'the role the workflows assume', helpValue: 'ARN', exclusive: ['role-name']}),
    profile: Flags.string({
      description: 'a keyless profile: its account holds the role; with --apply its credentials create it',
      helpValue: 'NAME',
    }),
    'role-name': Flags.string({description: 'with --profile: the role name (default github-actions-OWNER-NAME)', helpValue: 'NAME'}),
    branch: Flags.string({description: 'the branch whose runs may assume the role (default: the default branch)', helpValue: 'BRANCH'}),
    environment: Flags.string({description: 'pin the role to a GitHub environment instead of a branch', helpValue: 'NAME'}),
    'allow-pattern': Flags.string({
      description: "a sub pattern with wildcards, written out in full (e.g. 'repo:acme/site:ref:refs/heads/release/*')",
      helpValue: 'SUB',
    }),
    region: Flags.string({
      description: 'aws-region of a configure step keyless adds when the job names none',
      default: 'us-east-1',
      helpValue: 'REGION',
    }),
    out: Flags.string({description: 'write trust-policy.json and github-actions-oidc.tf here (default: print them)', helpValue: 'DIR'}),
    apply: Flags.boolean({description: 'create the OIDC provider and the role through IAM (with --profile)'}),
    'policy-arn': Flags.string({
      description: 'with --apply: a managed policy to attach to the role (repeatable)',
      helpValue: 'ARN',
      multiple: true,
    }),
    'copy-user-policies': Flags.boolean({
      description: 'with --apply: copy the policies of the IAM user the key belongs to (with --access-key-id)',
    }),
    'access-key-id': Flags.string({description: "the workflows' key id (not the secret): names its user", helpValue: 'AKIA...'}),
    'dry-run': Flags.boolean({description: 'print the workflow diffs and the IAM calls; change nothing'}),
  }

  async run(): Promise<CiOidcResult> {
    const {args, flags} = await this.parse(CiOidc)
    const {runCiOidc} = await import('../../ci/oidc.js')
    const {profileAccount} = await import('../../ci/profile-account.js')
    return runCiOidc(
      {
        dir: args.dir ?? process.cwd(),
        repo: flags.repo,
        roleArn: flags['role-arn'],
        profile: flags.profile,
        roleName: flags['role-name'],
        branch: flags.branch,
        environment: flags.environment,
        allowPattern: flags['allow-pattern'],
        out: flags.out,
        region: flags.region,
        dryRun: flags['dry-run'],
        apply: flags.apply,
        policyArns: flags['policy-arn'] ?? [],
        copyUserPolicies: flags['copy-user-policies'],
        accessKeyId: flags['access-key-id'],
      },
      {
        profileAccount: (profile) => profileAccount(profile, process.env),
        apply: async (plan) => (await import('../../ci/apply.js')).applyRole(plan, {env: process.env, debug: flags.debug}),
        stdout: (text) => {
          if (!this.jsonEnabled()) process.stdout.write(text)
        },
        stderr: (text) => process.stderr.write(text),
      },
    )
  }
}
