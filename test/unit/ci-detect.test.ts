import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {detectCiFile} from '../../src/ci/detect.js'
import {ROOT} from '../helpers/cli.js'

// The `ci-static-key` detection shared by `audit --scan` and `ci oidc`: where a CI file feeds a long-term key to a job.
const read = (name: string) => readFileSync(join(ROOT, 'test', 'ci-workflows', name), 'utf8')
const brief = (text: string, platform: 'github' | 'gitlab' = 'github') =>
  detectCiFile(text, platform).uses.map((u) => ({
    job: u.job,
    line: u.line,
    via: u.via,
    variable: u.variable,
    sources: u.sources.map((s) => `${s.kind}:${s.name}`),
  }))

describe('detectCiFile: GitHub Actions', () => {
  it('configure-aws-credentials inputs, job env, step env, workflow env, reusable-workflow secrets', () => {
    expect(brief(read('one-job.yml'))).toEqual([
      {
        job: 'deploy',
        line: 23,
        via: 'with',
        variable: 'aws-access-key-id',
        sources: ['secret:AWS_ACCESS_KEY_ID', 'secret:AWS_SECRET_ACCESS_KEY'],
      },
    ])
    expect(brief(read('several-jobs.yml'))).toEqual([
      {
        job: 'deploy',
        line: 22,
        via: 'with',
        variable: 'aws-access-key-id',
        sources: ['secret:AWS_ACCESS_KEY_ID', 'secret:AWS_SECRET_ACCESS_KEY'],
      },
      {job: 'publish', line: 32, via: 'env', variable: 'AWS_ACCESS_KEY_ID', sources: ['secret:PUBLISH_KEY_ID', 'secret:PUBLISH_SECRET']},
    ])
    expect(brief(read('workflow-env.yml'))).toEqual([
      {job: null, line: 11, via: 'env', variable: 'AWS_ACCESS_KEY_ID', sources: ['secret:NIGHTLY_AWS_KEY', 'secret:NIGHTLY_AWS_SECRET']},
    ])
    expect(brief(read('step-env.yml'))).toEqual([
      {
        job: 'test',
        line: 21,
        via: 'env',
        variable: 'AWS_ACCESS_KEY_ID',
        sources: ['secret:CI_AWS_ACCESS_KEY_ID', 'secret:CI_AWS_SECRET_ACCESS_KEY'],
      },
    ])
    expect(brief(read('unsafe.yml')).map((u) => [u.job, u.line])).toEqual([
      ['call', 6],
      ['flow', 14],
      ['inline', 21],
    ])
  })

  it('a variable, a literal key; not a temporary key from another step, not role-to-assume', () => {
    const text = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: x',
      '    env:',
      '      AWS_ACCESS_KEY_ID: ${{ vars.DEPLOY_KEY_ID }}',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: AKIAIOSFODNN7EXAMPLE',
      '          aws-region: us-east-1',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ steps.sts.outputs.key }}',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::123456789012:role/x',
      '',
    ].join('\n')
    expect(brief(text)).toEqual([
      {job: 'a', line: 6, via: 'env', variable: 'AWS_ACCESS_KEY_ID', sources: ['variable:DEPLOY_KEY_ID']},
      {job: 'a', line: 10, via: 'with', variable: 'aws-access-key-id', sources: ['literal:aws-access-key-id']},
    ])
  })

  it('YAML that cannot be parsed is one error, no finding', () => {
    expect(detectCiFile('jobs:\n  a: [\n', 'github')).toEqual({uses: [], error: 'YAML error at line 3: BAD_INDENT'})
  })
})

describe('detectCiFile: GitLab CI', () => {
  it('top-level and job variables, exports in scripts, aws configure set', () => {
    const text = [
      'variables:',
      '  AWS_ACCESS_KEY_ID: $PROD_AWS_KEY',
      '  AWS_SECRET_ACCESS_KEY: $PROD_AWS_SECRET',
      'stages: [deploy]',
      'deploy:',
      '  stage: deploy',
      '  variables:',
      '    AWS_ACCESS_KEY_ID:',
      '      value: ${STAGING_KEY}',
      '  script:',
      '    - export AWS_ACCESS_KEY_ID=$OTHER_KEY',
      '    - |',
      '      echo configuring',
      '      aws configure set aws_access_key_id "$CLI_KEY"',
      '    - aws s3 sync public s3://site',
      'oidc:',
      '  id_tokens:',
      '    AWS_TOKEN: {aud: sts.amazonaws.com}',
      '  script: [aws sts assume-role-with-web-identity --web-identity-token $AWS_TOKEN]',
      '',
    ].join('\n')
    expect(brief(text, 'gitlab')).toEqual([
      {job: null, line: 2, via: 'variables', variable: 'AWS_ACCESS_KEY_ID', sources: ['variable:PROD_AWS_KEY']},
      {job: 'deploy', line: 8, via: 'variables', variable: 'AWS_ACCESS_KEY_ID', sources: ['variable:STAGING_KEY']},
      {job: 'deploy', line: 11, via: 'script', variable: 'AWS_ACCESS_KEY_ID', sources: ['variable:OTHER_KEY']},
      {job: 'deploy', line: 14, via: 'script', variable: 'AWS_ACCESS_KEY_ID', sources: ['variable:CLI_KEY']},
    ])
  })
})
