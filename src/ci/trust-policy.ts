/** GitHub Actions' OIDC issuer, and the audience AWS's configure-aws-credentials asks for. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com'
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`
export const STS_AUDIENCE = 'sts.amazonaws.com'
/** The role's longest session: a deploy that needs more should be split, not given a longer-lived token. */
export const ROLE_MAX_SESSION_SECONDS = 3600

export interface TrustSubject {
  /** `OWNER/NAME`. */
  repo: string
  branch?: string
  environment?: string
  /** A `sub` pattern with wildcards, only when the user wrote it out (`--allow-pattern`). */
  pattern?: string
}

export interface TrustPolicyInput {
  /** `aws`, `aws-cn`, `aws-us-gov`: from the role ARN. */
  partition: string
  accountId: string
  subject: TrustSubject
}

/** The `sub` claim GitHub puts in the token of a job of that repository and branch (or environment). */
export function subjectClaim(subject: TrustSubject): string {
  if (subject.pattern) return subject.pattern
  if (subject.environment) return `repo:${subject.repo}:environment:${subject.environment}`
  return `repo:${subject.repo}:ref:refs/heads/${subject.branch}`
}

export function providerArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`
}

/**
 * The trust policy of the role: tokens of GitHub's issuer, for STS's audience exactly (`StringEquals`), from one
 * repository and branch or environment exactly; `StringLike` only for a pattern the user wrote out.
 */
export function trustPolicy(input: TrustPolicyInput): Record<string, unknown> {
  const sub = subjectClaim(input.subject)
  const exact = !input.subject.pattern
  const condition: Record<string, Record<string, string>> = {
    StringEquals: {[`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE, ...(exact ? {[`${GITHUB_OIDC_HOST}:sub`]: sub} : {})},
  }
  if (!exact) condition.StringLike = {[`${GITHUB_OIDC_HOST}:sub`]: sub}
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {Federated: providerArn(input.partition, input.accountId)},
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  }
}

export function trustPolicyJson(input: TrustPolicyInput): string {
  return JSON.stringify(trustPolicy(input), null, 2) + '\n'
}

/** A Terraform identifier from a role name. */
function tfName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z_])/, '_$1')
}

/**
 * The same as Terraform: the provider (import it when the account has it already), the role with the very JSON
 * above and a one-hour maximum session, and one attachment per managed policy.
 */
export function trustPolicyTerraform(input: TrustPolicyInput & {roleName: string; policyArns: string[]}): string {
  const role = tfName(input.roleName)
  const json = trustPolicyJson(input).trimEnd()
  const out = [
    `# Written by keyless ci oidc: GitHub Actions' OIDC provider and the role ${input.subject.repo} assumes.`,
    `# If the account has the provider already: terraform import aws_iam_openid_connect_provider.github_actions ${providerArn(input.partition, input.accountId)}`,
    'resource "aws_iam_openid_connect_provider" "github_actions" {',
    `  url            = "${GITHUB_OIDC_URL}"`,
    `  client_id_list = ["${STS_AUDIENCE}"]`,
    '}',
    '',
    `resource "aws_iam_role" "${role}" {`,
    `  name                 = "${input.roleName}"`,
    `  max_session_duration = ${ROLE_MAX_SESSION_SECONDS}`,
    '  assume_role_policy   = <<-POLICY',
    ...json.split('\n').map((l) => `    ${l}`),
    '  POLICY',
    '}',
  ]
  for (const [n, arn] of input.policyArns.entries()) {
    out.push(
      '',
      `resource "aws_iam_role_policy_attachment" "${role}_${n}" {`,
      `  role       = aws_iam_role.${role}.name`,
      `  policy_arn = "${arn}"`,
      '}',
    )
  }
  return out.join('\n') + '\n'
}
