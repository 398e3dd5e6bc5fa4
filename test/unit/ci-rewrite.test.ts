import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {detectGithubWorkflow} from '../../src/ci/detect.js'
import {rewriteWorkflow} from '../../src/ci/rewrite.js'
import {parseYaml} from '../../src/ci/yaml-text.js'
import {ROOT} from '../helpers/cli.js'
import {workflowErrors} from '../helpers/workflow-parser.js'

// `keyless ci oidc`'s rewrite on workflows of real-world shapes (test/ci-workflows/NAME.yml), compared byte for byte
// with the expected text (NAME.oidc.yml), and both parsed by GitHub's own workflow parser.
const DIR = join(ROOT, 'test', 'ci-workflows')
const ROLE = 'arn:aws:iam::123456789012:role/github-actions-acme-site'
const read = (name: string) => readFileSync(join(DIR, name), 'utf8')

const CASES: Array<{name: string; rewritten: string[]; released: string[]}> = [
  {name: 'one-job', rewritten: ['deploy'], released: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']},
  {
    name: 'several-jobs',
    rewritten: ['deploy', 'publish'],
    released: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'PUBLISH_KEY_ID', 'PUBLISH_SECRET'],
  },
  {name: 'workflow-env', rewritten: ['backup', 'report'], released: ['NIGHTLY_AWS_KEY', 'NIGHTLY_AWS_SECRET']},
  {name: 'step-env', rewritten: ['test'], released: ['CI_AWS_ACCESS_KEY_ID', 'CI_AWS_SECRET_ACCESS_KEY']},
  {name: 'crlf', rewritten: ['deploy'], released: ['KEY_ID', 'KEY_SECRET']},
]

describe('rewriteWorkflow', () => {
  for (const c of CASES) {
    it(`${c.name}: the expected bytes, accepted by GitHub's parser, no key left, a second run changes nothing`, async () => {
      const before = read(`${c.name}.yml`)
      const expected = read(`${c.name}.oidc.yml`)
      expect(await workflowErrors(`${c.name}.yml`, before)).toEqual([])
      const result = rewriteWorkflow(before, {roleArn: ROLE, region: 'us-east-1'})
      expect(result.text).toBe(expected)
      expect(result.rewritten).toEqual(c.rewritten)
      expect(result.skipped).toEqual([])
      expect(result.released.map((s) => s.name)).toEqual(c.released)
      expect(await workflowErrors(`${c.name}.oidc.yml`, result.text)).toEqual([])
      const parsed = parseYaml(result.text)
      if ('error' in parsed) throw new Error(parsed.error)
      expect(detectGithubWorkflow(parsed)).toEqual([])
      expect(rewriteWorkflow(result.text, {roleArn: ROLE, region: 'us-east-1'}).text).toBe(expected)
    })
  }

  it('leaves alone, and names, what it cannot rewrite safely', async () => {
    const before = read('unsafe.yml')
    expect(await workflowErrors('unsafe.yml', before)).toEqual([])
    const result = rewriteWorkflow(before, {roleArn: ROLE, region: 'us-east-1'})
    expect(result.text).toBe(before)
    expect(result.rewritten).toEqual([])
    expect(result.released).toEqual([])
    expect(result.skipped).toEqual([
      {job: 'call', why: 'calls a reusable workflow with the keys as secrets: move that workflow, then pass no keys'},
      {job: 'flow', why: 'its permissions: read-all cannot take id-token: write without listing every scope'},
      {job: 'inline', why: 'its aws-actions/configure-aws-credentials step is written in flow style'},
    ])
  })

  it('a workflow-level env feeding a job it cannot rewrite leaves the whole file as it was', () => {
    const before = [
      'on: push',
      'env:',
      '  AWS_ACCESS_KEY_ID: ${{ secrets.K }}',
      '  AWS_SECRET_ACCESS_KEY: ${{ secrets.S }}',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: aws s3 ls',
      '  b:',
      '    runs-on: ubuntu-latest',
      '    permissions: read-all',
      '    steps:',
      '      - run: aws s3 ls',
      '',
    ].join('\n')
    const result = rewriteWorkflow(before, {roleArn: ROLE, region: 'us-east-1'})
    expect(result.text).toBe(before)
    expect(result.rewritten).toEqual([])
    expect(result.skipped[0]).toEqual({job: null, why: "the workflow's env: feeds the keys to jobs that cannot be rewritten"})
  })

  it('an env: left empty goes; one with other variables keeps them', () => {
    const before = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    env:',
      '      AWS_ACCESS_KEY_ID: ${{ secrets.K }}',
      '      AWS_SECRET_ACCESS_KEY: ${{ secrets.S }}',
      '    steps:',
      '      - run: aws s3 ls',
      '',
    ].join('\n')
    expect(rewriteWorkflow(before, {roleArn: ROLE, region: 'eu-central-1'}).text).toBe(
      [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    permissions:',
        '      contents: read',
        '      id-token: write',
        '    steps:',
        '      - name: Configure AWS credentials',
        '        uses: aws-actions/configure-aws-credentials@v4',
        '        with:',
        `          role-to-assume: ${ROLE}`,
        '          aws-region: eu-central-1',
        '      - run: aws s3 ls',
        '',
      ].join('\n'),
    )
  })

  it('a temporary key from another step is no long-term key: nothing to do', () => {
    const before =
      'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: ${{ steps.sts.outputs.id }}\n          aws-region: us-east-1\n'
    const result = rewriteWorkflow(before, {roleArn: ROLE, region: 'us-east-1'})
    expect(result).toEqual({text: before, rewritten: [], skipped: [], released: []})
  })

  it('names the rewritten jobs that run in a GitHub environment (their token names it, not the branch)', () => {
    const before = [
      'on: push',
      'jobs:',
      '  prod:',
      '    runs-on: ubuntu-latest',
      '    environment: production',
      '    env: {AWS_ACCESS_KEY_ID: "${{ secrets.K }}"}',
      '    steps: [{run: aws s3 ls}]',
      '  staging:',
      '    runs-on: ubuntu-latest',
      '    environment:',
      '      name: staging',
      '      url: https://staging.example.com',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ secrets.K }}',
      '          aws-region: us-east-1',
      '',
    ].join('\n')
    const result = rewriteWorkflow(before, {roleArn: ROLE, region: 'us-east-1'})
    expect(result.skipped).toEqual([{job: 'prod', why: 'has no block list of steps'}])
    expect(result.rewritten).toEqual(['staging'])
    expect(result.environments).toEqual([{job: 'staging', environment: 'staging'}])
  })

  it('YAML it cannot parse is refused', () => {
    expect(() => rewriteWorkflow('on: push\njobs:\n  a: [\n', {roleArn: ROLE, region: 'us-east-1'})).toThrow(/YAML error at line/)
  })
})
