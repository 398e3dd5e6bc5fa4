import {describe, expect, it} from 'vitest'

import {checkRoles} from '../../src/ci/check.js'
import {trustPolicy} from '../../src/ci/trust-policy.js'
import {rateTrust} from '../../src/ci/trust-rules.js'

// `keyless ci check`'s rules (PRODUCT.md section 16) on trust policies of the shapes found in the wild.
const GH = 'token.actions.githubusercontent.com'
const provider = (host: string) => `arn:aws:iam::123456789012:oidc-provider/${host}`
const policy = (condition: Record<string, Record<string, unknown>> | undefined, host = GH) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: {Federated: provider(host)},
      Action: 'sts:AssumeRoleWithWebIdentity',
      ...(condition ? {Condition: condition} : {}),
    },
  ],
})
const rules = (document: unknown, maxSessionDuration = 3600) =>
  rateTrust({document, maxSessionDuration}).map((f) => `${f.severity} ${f.rule}`)

describe('rateTrust', () => {
  it.each([
    ['no condition at all', policy(undefined), ['critical no-sub', 'high no-aud']],
    ['aud only', policy({StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}}), ['critical no-sub']],
    [
      'an organisation wildcard',
      policy({StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}, StringLike: {[`${GH}:sub`]: 'repo:acme/*'}}),
      ['critical wildcard-repository'],
    ],
    [
      'a bare *',
      policy({StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}, StringLike: {[`${GH}:sub`]: '*'}}),
      ['critical wildcard-repository'],
    ],
    [
      'any branch',
      policy({StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}, StringLike: {[`${GH}:sub`]: 'repo:acme/site:*'}}),
      ['high wildcard-ref'],
    ],
    [
      'StringLike without a pattern',
      policy({StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}, StringLike: {[`${GH}:sub`]: 'repo:acme/site:ref:refs/heads/main'}}),
      ['medium like-without-pattern'],
    ],
    ['pinned, but no aud', policy({StringEquals: {[`${GH}:sub`]: 'repo:acme/site:ref:refs/heads/main'}}), ['high no-aud']],
    [
      'several repositories',
      policy({
        StringEquals: {
          [`${GH}:aud`]: 'sts.amazonaws.com',
          [`${GH}:sub`]: ['repo:acme/site:ref:refs/heads/main', 'repo:acme/api:ref:refs/heads/main'],
        },
      }),
      ['info many-repositories'],
    ],
    [
      'GitLab.com, a group wildcard',
      policy(
        {
          StringEquals: {'gitlab.com:aud': 'https://gitlab.com'},
          StringLike: {'gitlab.com:sub': 'project_path:acme/*:ref_type:branch:ref:main'},
        },
        'gitlab.com',
      ),
      ['critical wildcard-repository'],
    ],
    [
      'self-managed GitLab without sub',
      policy({StringEquals: {'gitlab.example.com:aud': 'https://gitlab.example.com'}}, 'gitlab.example.com'),
      ['critical no-sub'],
    ],
  ])('%s', (_name, document, expected) => {
    expect(rules(document)).toEqual(expected)
  })

  it('sessions over an hour are medium; a role no OIDC provider may assume is not rated', () => {
    const pinned = policy({StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:sub`]: 'repo:acme/site:environment:production'}})
    expect(rules(pinned, 43200)).toEqual(['medium long-session'])
    expect(rules({Statement: [{Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}, Action: 'sts:AssumeRole'}]})).toEqual([])
  })

  it('the policies keyless ci oidc writes pass their own check', () => {
    for (const subject of [
      {repo: 'acme/site', branch: 'main'},
      {repo: 'acme/site', environment: 'production'},
    ]) {
      expect(rules(trustPolicy({partition: 'aws', accountId: '123456789012', subject}))).toEqual([])
    }
    expect(
      rules(
        trustPolicy({
          partition: 'aws',
          accountId: '123456789012',
          subject: {repo: 'acme/site', pattern: 'repo:acme/site:ref:refs/heads/release/*'},
        }),
      ),
    ).toEqual(['high wildcard-ref'])
  })
})

describe('checkRoles', () => {
  it('reads the URL-encoded documents ListRoles returns, keeps only OIDC roles, worst first', () => {
    const result = checkRoles([
      {
        RoleName: 'ok',
        Arn: 'arn:aws:iam::1:role/ok',
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify(trustPolicy({partition: 'aws', accountId: '123456789012', subject: {repo: 'a/b', branch: 'main'}})),
        ),
      },
      {
        RoleName: 'open',
        Arn: 'arn:aws:iam::1:role/open',
        MaxSessionDuration: 7200,
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(policy({StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}}))),
      },
      {
        RoleName: 'ec2',
        Arn: 'arn:aws:iam::1:role/ec2',
        AssumeRolePolicyDocument: encodeURIComponent(
          '{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
        ),
      },
    ])
    expect(result.roles.map((r) => r.name)).toEqual(['ok', 'open'])
    expect(result.findings.map((f) => `${f.role} ${f.severity} ${f.kind}`)).toEqual(['open critical no-sub', 'open medium long-session'])
    expect(result.summary).toEqual({critical: 1, high: 0, medium: 1, info: 0})
  })
})
