import {execFileSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetRoleCommand, IAMClient} from '@aws-sdk/client-iam'
import {AssumeRoleWithWebIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {trustPolicy} from '../../src/ci/trust-policy.js'
import {iamCalls} from '../emulator/iam.js'
import {KEYLESS_BIN, ROOT, runKeyless, runProcess, type RunResult} from '../helpers/cli.js'
import {configText, moduleTraceFiles, TRACE_HOOK, traceRegister} from '../helpers/credential-process.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {webIdentityToken} from '../helpers/web-identity.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless ci oidc` and `keyless ci check` end to end, and the `ci-static-key` finding of `audit --scan`: the built
// CLI on real git checkouts, IAM on the emulator (SigV4 checked) through a keyless profile's role credentials.
const FIXTURES = join(ROOT, 'test', 'ci-workflows')
const ROLE = 'arn:aws:iam::123456789012:role/github-actions-acme-site'
const ROOT_KEY = {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey: 'emulator-root-secret-0000000000000000000'}

let sandbox: Sandbox
let emulator: EmulatorHandle
const env = () => ({...sandbox.env, ...emulator.env()})

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  const fixture = await emulator.fixture()
  writeFile(
    sandbox.configFile,
    configText(fixture.startUrl, fixture.region, [
      {name: 'sandbox.AdministratorAccess', accountId: '111111111111', roleName: 'AdministratorAccess'},
      {name: 'staging.PowerUserAccess', accountId: '222222222222', roleName: 'PowerUserAccess'},
      {name: 'production.ReadOnlyAccess', accountId: '333333333333', roleName: 'ReadOnlyAccess'},
    ]),
  )
  await seedSession(emulator, sandbox, {skipConfig: true})
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

/**
 * STS AssumeRoleWithWebIdentity with a GitHub Actions token whose `sub` is `sub` (minted by the emulator, which
 * evaluates the role's trust policy itself, as IAM does), unsigned as configure-aws-credentials sends it: the
 * assumed role's ARN, or the error's name.
 */
async function assumeWithGitHubToken(roleArn: string, sub: string): Promise<string | undefined> {
  const sts = new STSClient({region: 'us-east-1', endpoint: emulator.url, credentials: () => Promise.reject(new Error('unsigned'))})
  const command = new AssumeRoleWithWebIdentityCommand({
    RoleArn: roleArn,
    RoleSessionName: 'GitHubActions',
    WebIdentityToken: await webIdentityToken(emulator, {issuer: 'https://token.actions.githubusercontent.com', subject: sub}),
  })
  try {
    return (await sts.send(command)).AssumedRoleUser?.Arn
  } catch (error) {
    return (error as Error).name
  } finally {
    sts.destroy()
  }
}

/** A git checkout of acme/site (origin on GitHub, default branch main) holding the given workflows. */
function checkout(workflows: string[], extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-ci-'))
  const git = (...args: string[]) => execFileSync('git', args, {cwd: dir, stdio: 'ignore'})
  git('init', '-q', '-b', 'main')
  git('remote', 'add', 'origin', 'https://github.com/acme/site.git')
  mkdirSync(join(dir, '.github', 'workflows'), {recursive: true})
  for (const name of workflows) copyFileSync(join(FIXTURES, name), join(dir, '.github', 'workflows', name))
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text)
  return dir
}
const workflow = (dir: string, name: string) => readFileSync(join(dir, '.github', 'workflows', name), 'utf8')
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')
const ci = (args: string[], cwd?: string): Promise<RunResult> => runKeyless(['ci', ...args], {env: env(), cwd, timeoutMs: 90_000})

describe('keyless ci oidc', () => {
  it('rewrites every workflow with keys in place, writes the trust policy, ends with what is left to do', async () => {
    const dir = checkout(['one-job.yml', 'several-jobs.yml', 'unsafe.yml'])
    const out = join(dir, 'infra')
    const r = await ci(['oidc', '--role-arn', ROLE, '--out', out], dir)
    expect(r.code, r.stderr).toBe(0)
    expect(workflow(dir, 'one-job.yml')).toBe(fixture('one-job.oidc.yml'))
    expect(workflow(dir, 'several-jobs.yml')).toBe(fixture('several-jobs.oidc.yml'))
    expect(workflow(dir, 'unsafe.yml')).toBe(fixture('unsafe.yml'))
    expect(JSON.parse(readFileSync(join(out, 'trust-policy.json'), 'utf8'))).toEqual(
      trustPolicy({partition: 'aws', accountId: '123456789012', subject: {repo: 'acme/site', branch: 'main'}}),
    )
    expect(readFileSync(join(out, 'github-actions-oidc.tf'), 'utf8')).toContain('max_session_duration = 3600')
    expect(r.stdout).toContain('moved to OIDC: .github/workflows/one-job.yml (job deploy)\n')
    expect(r.stdout).toContain(
      'left alone: .github/workflows/unsafe.yml job call: calls a reusable workflow with the keys as secrets: move that workflow, then pass no keys\n',
    )
    // unsafe.yml still reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: only the publish job's secrets may go.
    expect(r.stdout).toContain(
      '  2. Delete the secrets the workflows no longer use:\n     gh secret delete PUBLISH_KEY_ID --repo acme/site\n     gh secret delete PUBLISH_SECRET --repo acme/site\n  3. After a green run',
    )
    expect(r.stdout).not.toContain('gh secret delete AWS_ACCESS_KEY_ID')
    expect(r.stdout).toContain('aws iam update-access-key --user-name <USER> --access-key-id <ACCESS_KEY_ID> --status Inactive\n')
  })

  it(
    'ends with every step IAM needs before DeleteUser, in order, each a real AWS CLI command (issue 26, item 5b)',
    {timeout: 180_000},
    async () => {
      const dir = checkout(['one-job.yml'])
      const r = await ci(['oidc', '--role-arn', ROLE, '--dry-run', '--json'], dir)
      expect(r.code, r.stderr).toBe(0)
      const next = (JSON.parse(r.stdout) as {next: string[]}).next.filter((l) => !l.startsWith('gh '))
      const U = '<USER>'
      const each = (list: string, query: string, v: string, remove: string) =>
        `for ${v} in $(aws iam ${list} --user-name ${U} --query '${query}' --output text); do ${remove}; done`
      // DeleteUser's API reference: password, access keys, signing certificates, SSH public keys, Git credentials,
      // MFA devices, inline policies, attached managed policies and group memberships go first.
      expect(next).toEqual([
        `aws iam update-access-key --user-name ${U} --access-key-id <ACCESS_KEY_ID> --status Inactive`,
        `aws iam delete-access-key --user-name ${U} --access-key-id <ACCESS_KEY_ID>`,
        `# DeleteUser fails while ${U} has anything below left: remove it all, then the user`,
        each(
          'list-access-keys',
          'AccessKeyMetadata[].AccessKeyId',
          'id',
          `aws iam delete-access-key --user-name ${U} --access-key-id "$id"`,
        ),
        each(
          'list-signing-certificates',
          'Certificates[].CertificateId',
          'id',
          `aws iam delete-signing-certificate --user-name ${U} --certificate-id "$id"`,
        ),
        each(
          'list-ssh-public-keys',
          'SSHPublicKeys[].SSHPublicKeyId',
          'id',
          `aws iam delete-ssh-public-key --user-name ${U} --ssh-public-key-id "$id"`,
        ),
        each(
          'list-service-specific-credentials',
          'ServiceSpecificCredentials[].ServiceSpecificCredentialId',
          'id',
          `aws iam delete-service-specific-credential --user-name ${U} --service-specific-credential-id "$id"`,
        ),
        each(
          'list-mfa-devices',
          'MFADevices[].SerialNumber',
          'sn',
          `aws iam deactivate-mfa-device --user-name ${U} --serial-number "$sn"; aws iam delete-virtual-mfa-device --serial-number "$sn"`,
        ),
        `aws iam delete-login-profile --user-name ${U}`,
        each('list-user-policies', 'PolicyNames[]', 'name', `aws iam delete-user-policy --user-name ${U} --policy-name "$name"`),
        each(
          'list-attached-user-policies',
          'AttachedPolicies[].PolicyArn',
          'arn',
          `aws iam detach-user-policy --user-name ${U} --policy-arn "$arn"`,
        ),
        each(
          'list-groups-for-user',
          'Groups[].GroupName',
          'group',
          `aws iam remove-user-from-group --user-name ${U} --group-name "$group"`,
        ),
        `aws iam delete-user --user-name ${U}`,
      ])
      // Each command is one the real AWS CLI v2 knows, with options it accepts: parsed, then sent to a closed
      // loopback port (a made-up operation or option fails before that, with exit 252).
      const commandsOf = (line: string): string[] => {
        const loop = /^for \w+ in \$\((aws iam [^)]*)\); do (.*); done$/.exec(line)
        return loop ? [loop[1]!, ...loop[2]!.split('; ')] : [line]
      }
      // A value every option here accepts (the CLI checks lengths before sending: certificate ids are 24 or more).
      const VALUE = 'AAAAEXAMPLEEXAMPLEEXAMPLEEXAMPLE'
      const argvOf = (command: string) =>
        command
          .split(' ')
          .slice(1)
          .map((t) => t.replace(/^(['"])(.*)\1$/, '$2'))
          .map((t) => (t.startsWith('$') ? VALUE : t.replace('<USER>', 'deployer').replace('<ACCESS_KEY_ID>', 'AKIAEXAMPLEEXAMPLE01')))
      const commands = next.filter((l) => !l.startsWith('#')).flatMap(commandsOf)
      expect(commands.length).toBe(21)
      for (const command of commands) {
        const run = await runProcess(
          '/usr/bin/aws',
          [...argvOf(command), '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1'],
          {
            env: {...sandbox.env, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE01', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1'},
          },
        )
        expect(run.stderr, command).toMatch(/Could not connect to the endpoint URL/)
      }
    },
  )

  it('--environment pins the sub to it; --json is the result; --dry-run prints the diff and writes nothing', async () => {
    const dir = checkout(['one-job.yml'])
    const r = await ci(['oidc', dir, '--role-arn', ROLE, '--environment', 'production', '--dry-run', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(result.subject).toBe('repo:acme/site:environment:production')
    expect(result.workflows).toEqual([{file: '.github/workflows/one-job.yml', rewritten: ['deploy'], skipped: [], changed: true}])
    expect(result.trustPolicyChecks).toEqual([])
    expect(result.warnings).toEqual([])
    expect(workflow(dir, 'one-job.yml')).toBe(fixture('one-job.yml'))
    const text = await ci(['oidc', dir, '--role-arn', ROLE, '--dry-run'])
    expect(text.stdout).toContain(`-        aws-access-key-id: \${{ secrets.AWS_ACCESS_KEY_ID }}\n`)
    expect(text.stdout).toContain(`+        role-to-assume: ${ROLE}\n`)
    expect(workflow(dir, 'one-job.yml')).toBe(fixture('one-job.yml'))
  })

  it('bad input: one line, the exit code, nothing changed', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'keyless-ci-plain-'))
    const cases: Array<[string[], string | undefined, number, RegExp]> = [
      [
        ['oidc', plain, '--role-arn', ROLE],
        undefined,
        2,
        /^keyless: .* is not in a git repository; run it in a checkout of the repository, or pass its directory: keyless ci oidc DIR\n$/,
      ],
      [
        ['oidc', '--role-arn', ROLE, '--repo', 'acme'],
        'one-job.yml',
        2,
        /^keyless: --repo acme is not a GitHub repository name; pass it as OWNER\/NAME, e.g. --repo acme\/site\n$/,
      ],
      [
        ['oidc', '--role-arn', 'arn:aws:iam::1:role/x'],
        'one-job.yml',
        2,
        /^keyless: --role-arn arn:aws:iam::1:role\/x is not an IAM role ARN; pass arn:aws:iam::ACCOUNT:role\/NAME\n$/,
      ],
      [
        ['oidc'],
        'one-job.yml',
        2,
        /^keyless: which role should the workflows assume\?; pass --role-arn ARN, or --profile NAME \(its account\) with --role-name NAME\n$/,
      ],
      [
        ['oidc', '--profile', 'nope'],
        'one-job.yml',
        2,
        /^keyless: nope is not a keyless profile; run: keyless profiles sync, then pass one of its profiles to --profile\n$/,
      ],
      [
        ['oidc', '--role-arn', ROLE],
        'crlf.oidc.yml',
        1,
        /^keyless: no workflow in .* uses long-term AWS keys; nothing to move: keyless ci check --profile NAME rates the OIDC roles you already have\n$/,
      ],
      [
        ['oidc', '--role-arn', ROLE, '--allow-pattern', 'repo:acme/*'],
        'one-job.yml',
        2,
        /^keyless: --allow-pattern repo:acme\/\* does not start with repo:acme\/site:; /,
      ],
    ]
    for (const [args, file, code, line] of cases) {
      const dir = checkout(file ? [file] : [])
      const r = await ci(args, dir)
      expect(r.stderr).toMatch(line)
      expect(r.code).toBe(code)
      if (file) expect(workflow(dir, file)).toBe(fixture(file))
    }
    // A workflow that cannot be parsed stops the run before any other is written.
    const dir = checkout(['one-job.yml'])
    writeFileSync(join(dir, '.github', 'workflows', 'broken.yml'), 'on: push\njobs:\n  a: [\n')
    const r = await ci(['oidc', '--role-arn', ROLE], dir)
    expect(r.stderr).toBe(
      'keyless: .github/workflows/broken.yml cannot be parsed losslessly (YAML error at line 4: BAD_INDENT); nothing was changed; fix the file (GitHub would reject it too), then run keyless ci oidc again\n',
    )
    expect(r.code).toBe(1)
    expect(workflow(dir, 'one-job.yml')).toBe(fixture('one-job.yml'))
  })
})

describe('keyless ci oidc --apply (IAM on the emulator)', () => {
  const writes = () => iamCalls(emulator.state!).filter((c) => /^(Create|Attach|Put)/.test(c.action) && c.status === 200)

  it('creates the provider, the role and its policies once; a second run creates nothing', async () => {
    const dir = checkout(['one-job.yml'])
    const args = [
      'oidc',
      dir,
      '--profile',
      'staging.PowerUserAccess',
      '--apply',
      '--copy-user-policies',
      '--access-key-id',
      'AKIAEMULATORUSER0001',
    ]
    const first = await ci([...args, '--policy-arn', 'arn:aws:iam::aws:policy/CloudFrontFullAccess'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain(
      'role: arn:aws:iam::222222222222:role/github-actions-acme-site (sub repo:acme/site:ref:refs/heads/main, sessions up to 1 hour)\n',
    )
    expect(first.stdout).toContain(
      [
        '  CreateOpenIDConnectProvider https://token.actions.githubusercontent.com: created',
        '  CreateRole github-actions-acme-site: created',
        '  GetAccessKeyLastUsed AKIAEMULATORUSER0001: read',
        '  AttachRolePolicy arn:aws:iam::aws:policy/CloudFrontFullAccess: created',
        '  AttachRolePolicy arn:aws:iam::aws:policy/AmazonS3FullAccess: created',
        '  PutRolePolicy deploy-site: created',
      ].join('\n'),
    )
    expect(first.stdout).toContain(
      'aws iam update-access-key --user-name terraform-deployer --access-key-id AKIAEMULATORUSER0001 --status Inactive\n',
    )
    expect(writes().map((c) => `${c.account} ${c.action}`)).toEqual([
      '222222222222 CreateOpenIDConnectProvider',
      '222222222222 CreateRole',
      '222222222222 AttachRolePolicy',
      '222222222222 AttachRolePolicy',
      '222222222222 PutRolePolicy',
    ])
    expect(workflow(dir, 'one-job.yml')).toBe(
      fixture('one-job.oidc.yml').replace(ROLE, 'arn:aws:iam::222222222222:role/github-actions-acme-site'),
    )

    const again = checkout(['one-job.yml'])
    const before = writes().length
    const second = await ci(['oidc', again, ...args.slice(2), '--policy-arn', 'arn:aws:iam::aws:policy/CloudFrontFullAccess'])
    expect(second.code, second.stderr).toBe(0)
    expect(writes().length).toBe(before)
    expect(second.stdout).toContain('  CreateRole github-actions-acme-site: exists\n')
    expect(second.stdout).toContain('  PutRolePolicy deploy-site: exists\n')

    // The role it made passes keyless ci check.
    const check = await ci(['check', '--profile', 'staging.PowerUserAccess', '--json'])
    expect(check.code, check.stderr).toBe(0)
    expect(JSON.parse(check.stdout)).toMatchObject({
      roles: [{name: 'github-actions-acme-site', providers: ['token.actions.githubusercontent.com']}],
      findings: [],
      summary: {critical: 0, high: 0, medium: 0, info: 0},
    })

    // And it works: STS lets a job of acme/site on main in with GitHub's token (as configure-aws-credentials asks,
    // unsigned), and nothing else: another branch, a pull request, a fork. (The emulator evaluates the trust policy
    // on its own, as IAM does: not with keyless's code.)
    const assume = (sub: string) => assumeWithGitHubToken('arn:aws:iam::222222222222:role/github-actions-acme-site', sub)
    expect(await assume('repo:acme/site:ref:refs/heads/main')).toBe(
      'arn:aws:sts::222222222222:assumed-role/github-actions-acme-site/GitHubActions',
    )
    expect(await assume('repo:acme/site:ref:refs/heads/feature')).toBe('AccessDenied')
    expect(await assume('repo:acme/site:pull_request')).toBe('AccessDenied')
    expect(await assume('repo:evil/site:ref:refs/heads/main')).toBe('AccessDenied')
  })

  it('--dry-run shows every call and makes none', async () => {
    const dir = checkout(['one-job.yml'])
    const before = writes().length
    const r = await ci(['oidc', dir, '--profile', 'sandbox.AdministratorAccess', '--apply', '--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(
      [
        '  ListOpenIDConnectProviders: read',
        '  CreateOpenIDConnectProvider https://token.actions.githubusercontent.com: would-create',
        '  GetRole github-actions-acme-site: read',
        '  CreateRole github-actions-acme-site: would-create',
        '',
      ].join('\n'),
    )
    expect(writes().length).toBe(before)
    expect(workflow(dir, 'one-job.yml')).toBe(fixture('one-job.yml'))
  })

  it('a profile without IAM permission: the IAM error in one line, nothing changed', async () => {
    const dir = checkout(['one-job.yml'])
    const r = await ci(['oidc', dir, '--profile', 'production.ReadOnlyAccess', '--apply'])
    expect(r.stderr).toMatch(
      /^keyless: IAM refused CreateOpenIDConnectProvider: AccessDenied \(User: arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/demo\.user is not authorized to perform: iam:CreateOpenIDConnectProvider .*\); use a profile whose role may create IAM roles and OIDC providers \(--profile production\.ReadOnlyAccess may not\)\n$/,
    )
    expect(r.code).toBe(1)
    expect(workflow(dir, 'one-job.yml')).toBe(fixture('one-job.yml'))
  })
})

describe('keyless ci check', () => {
  it('rates every OIDC role of the account; exit 3 on critical or high; --json like audit', async () => {
    const iam = new IAMClient({region: 'us-east-1', endpoint: emulator.url, credentials: ROOT_KEY})
    const GH = 'token.actions.githubusercontent.com'
    const federated = {Federated: `arn:aws:iam::111111111111:oidc-provider/${GH}`}
    const create = (name: string, condition: unknown, max = 3600) =>
      iam.send(
        new CreateRoleCommand({
          RoleName: name,
          MaxSessionDuration: max,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{Effect: 'Allow', Principal: federated, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition}],
          }),
        }),
      )
    await create('org-wide', {StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}, StringLike: {[`${GH}:sub`]: 'repo:acme/*'}})
    await create('any-branch', {StringEquals: {[`${GH}:aud`]: 'sts.amazonaws.com'}, StringLike: {[`${GH}:sub`]: 'repo:acme/api:*'}}, 7200)
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'ec2-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Statement: [{Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}, Action: 'sts:AssumeRole'}],
        }),
      }),
    )
    expect((await iam.send(new GetRoleCommand({RoleName: 'org-wide'}))).Role?.Arn).toBe('arn:aws:iam::111111111111:role/org-wide')
    iam.destroy()

    const r = await ci(['check', '--profile', 'sandbox.AdministratorAccess'])
    expect(r.code).toBe(3)
    expect(r.stdout).toBe(
      [
        'any-branch (token.actions.githubusercontent.com):',
        '  HIGH sub repo:acme/api:* matches any branch, tag or pull request of acme/api',
        '    fix: pin the branch or environment with StringEquals: repo:OWNER/NAME:ref:refs/heads/BRANCH',
        '  MEDIUM sessions last up to 2 hours',
        "    fix: set the role's maximum session duration to 3600 seconds",
        'org-wide (token.actions.githubusercontent.com):',
        '  CRITICAL sub repo:acme/* matches any repository of acme',
        '    fix: name one repository and branch exactly: repo:OWNER/NAME:ref:refs/heads/BRANCH',
        '',
        '2 OIDC roles: 1 critical, 1 high, 1 medium, 0 info',
        '',
      ].join('\n'),
    )
    expect(r.stderr).toBe(
      'keyless: 2 OIDC trust policy findings are critical or high; fix them as each finding says (keyless ci oidc writes a pinned trust policy)\n',
    )
    const json = await ci(['check', '--profile', 'sandbox.AdministratorAccess', '--json'])
    expect(json.code).toBe(3)
    expect(
      JSON.parse(json.stdout).findings.map((f: {severity: string; kind: string; role: string}) => `${f.severity} ${f.kind} ${f.role}`),
    ).toEqual(['critical wildcard-repository org-wide', 'high wildcard-ref any-branch', 'medium long-session any-branch'])

    // And what it says is so: with the account's GitHub provider in place, STS lets in a job of another acme
    // repository (org-wide) and a pull request of acme/api (any-branch), and no one outside acme.
    const setup = new IAMClient({region: 'us-east-1', endpoint: emulator.url, credentials: ROOT_KEY})
    await setup.send(new CreateOpenIDConnectProviderCommand({Url: `https://${GH}`, ClientIDList: ['sts.amazonaws.com']}))
    setup.destroy()
    const role = (name: string) => `arn:aws:iam::111111111111:role/${name}`
    expect(await assumeWithGitHubToken(role('org-wide'), 'repo:acme/intern-sandbox:ref:refs/heads/main')).toBe(
      'arn:aws:sts::111111111111:assumed-role/org-wide/GitHubActions',
    )
    expect(await assumeWithGitHubToken(role('any-branch'), 'repo:acme/api:pull_request')).toBe(
      'arn:aws:sts::111111111111:assumed-role/any-branch/GitHubActions',
    )
    expect(await assumeWithGitHubToken(role('org-wide'), 'repo:evil/api:ref:refs/heads/main')).toBe('AccessDenied')
  })
})

describe('keyless audit --scan: ci-static-key', () => {
  it('GitHub workflows and .gitlab-ci.yml that feed long-term keys to jobs are high findings, by file, job and line', async () => {
    const dir = checkout(['several-jobs.yml', 'crlf.oidc.yml'], {
      '.gitlab-ci.yml': 'deploy:\n  script:\n    - export AWS_ACCESS_KEY_ID=$PROD_KEY\n    - aws s3 ls\n',
    })
    const r = await runKeyless(['audit', '--offline', '--json', '--scan', dir], {
      env: {...env(), AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none')},
      timeoutMs: 90_000,
    })
    expect(r.code).toBe(3)
    const findings = JSON.parse(r.stdout).findings.filter((f: {kind: string}) => f.kind === 'ci-static-key')
    const file = (name: string) => join(dir, name)
    expect(findings.map((f: {severity: string; location: unknown; fix: string}) => [f.severity, f.location])).toEqual([
      ['high', {file: file('.github/workflows/several-jobs.yml'), line: 22, profile: null, variable: 'aws-access-key-id', job: 'deploy'}],
      ['high', {file: file('.github/workflows/several-jobs.yml'), line: 32, profile: null, variable: 'AWS_ACCESS_KEY_ID', job: 'publish'}],
      ['high', {file: file('.gitlab-ci.yml'), line: 3, profile: null, variable: 'AWS_ACCESS_KEY_ID', job: 'deploy'}],
    ])
    expect(findings[0].title).toBe('GitHub Actions job deploy gets a long-term key from secret AWS_ACCESS_KEY_ID')
    expect(findings[0].fix).toBe(
      `move it to OIDC: run keyless ci oidc ${dir} (permissions: id-token: write and role-to-assume instead of the key), then delete the secrets and deactivate the key`,
    )
  })

  it('loads the CI reader (a YAML parser) for --scan only: every other audit rates findings without it', async () => {
    const dir = checkout(['several-jobs.yml'], {})
    const files = moduleTraceFiles(dir)
    writeFileSync(files.hook, TRACE_HOOK)
    writeFileSync(files.register, traceRegister(files.hook))
    const traced = async (argv: string[], trace: string) => {
      const r = await runProcess(process.execPath, ['--require', files.register, KEYLESS_BIN, 'audit', '--offline', '--json', ...argv], {
        env: {...env(), AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), KEYLESS_MODULE_TRACE: trace},
        timeoutMs: 90_000,
      })
      return {r, modules: readFileSync(trace, 'utf8').split('\n').filter(Boolean)}
    }
    const reader = (u: string) => u.includes('/node_modules/yaml/') || u.includes('/dist/ci/detect.js')
    const plain = await traced([], join(dir, 'trace-plain.txt'))
    expect(plain.r.code).toBe(0)
    expect(plain.modules.some((u) => u.includes('/dist/audit/severity.js'))).toBe(true)
    expect(plain.modules.filter(reader)).toEqual([])
    const scan = await traced(['--scan', dir], join(dir, 'trace-scan.txt'))
    expect(scan.r.code).toBe(3)
    expect(JSON.parse(scan.r.stdout).findings.some((f: {kind: string}) => f.kind === 'ci-static-key')).toBe(true)
    expect(scan.modules.some((u) => u.includes('/node_modules/yaml/'))).toBe(true)
  })
})
