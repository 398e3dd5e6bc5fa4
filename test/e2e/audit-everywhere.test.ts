import {createHash} from 'node:crypto'
import {existsSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {defaultFixture} from '../emulator/fixture.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// Issue 23: a home directory with a key pair in each place keys are left on real laptops (other tools' files,
// copies under ~/.aws, shell start-up files, an `aws login` session of the root, project files of every kind),
// and near misses that are not credentials. The built CLI, STS on the emulator.
const ROOT = {id: 'AKIAEMULATORROOT0001', secret: 'emulator-root-secret-0000000000000000000'}
const USER = {id: 'AKIAEMULATORUSER0001', secret: 'emulator-user-secret-0000000000000000000'}
/** The credentials `aws login` cached for a root sign-in: temporary, with a session token. */
const LOGIN = {
  id: 'ASIAEMULATORLOGIN001',
  secret: 'login-root-secret-0000000000000000000000',
  token: 'login-root-session-token-000000000000000',
}
const ROOT_ARN = 'arn:aws:iam::111111111111:root'
const SECRETS = [
  ROOT.secret,
  USER.secret,
  LOGIN.secret,
  LOGIN.token,
  'login-refresh-token-0000000000000000',
  '-----BEGIN EC PRIVATE KEY-----login-dpop-key',
]

const S3CFG = `[default]
access_key = ${USER.id}
access_token =
bucket_location = US
check_ssl_certificate = True
host_base = s3.amazonaws.com
host_bucket = %(bucket)s.s3.amazonaws.com
human_readable_sizes = False
secret_key = ${USER.secret}
`
const BASHRC = `# ~/.bashrc
alias ll='ls -l'
export AWS_ACCESS_KEY_ID=${USER.id}
export AWS_SECRET_ACCESS_KEY="${USER.secret}"
export PATH="$HOME/bin:$PATH"
`
const MC = JSON.stringify(
  {version: '10', aliases: {s3: {url: 'https://s3.amazonaws.com', accessKey: USER.id, secretKey: USER.secret, api: 's3v4', path: 'auto'}}},
  null,
  2,
)

/** An EKS user whose exec plugin (aws eks get-token) was given a key pair in its env list. */
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://EXAMPLE.gr7.us-east-1.eks.amazonaws.com
  name: prod
contexts:
- context:
    cluster: prod
    user: prod-admin
  name: prod
current-context: prod
users:
- name: prod-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env:
      - name: AWS_ACCESS_KEY_ID
        value: ${USER.id}
      - name: AWS_SECRET_ACCESS_KEY
        value: "${USER.secret}"
      - name: AWS_REGION
        value: us-east-1
`

/** Histories: keys typed into commands, with the lines around them that --fix must keep. */
const BASH_HISTORY = `ls\n#1700000000\naws configure set aws_access_key_id ${USER.id}\n#1700000001\naws configure set aws_secret_access_key ${USER.secret}\ngit status\n`
// A command of three lines (zsh ends each but the last with \): --fix removes all three, or `make` would join it.
const ZSH_HISTORY = `: 1700000000:0;cd work\n: 1700000005:0;AWS_ACCESS_KEY_ID=${USER.id} \\\n  AWS_SECRET_ACCESS_KEY=${USER.secret} \\\n  terraform plan\n: 1700000009:0;make\n`
const FISH_HISTORY =
  `- cmd: set -gx AWS_ACCESS_KEY_ID ${USER.id}\n  when: 1700000000\n- cmd: set -gx AWS_SECRET_ACCESS_KEY ${USER.secret}\n  when: 1700000001\n` +
  `- cmd: ls work\n  when: 1700000002\n  paths:\n    - work\n`
const PYTHON_HISTORY = `import boto3\ns3 = boto3.client('s3', aws_access_key_id='${USER.id}', aws_secret_access_key='${USER.secret}')\n`

/** The home directory: returns the project directory to --scan. */
function buildHome(sandbox: Sandbox): string {
  const h = (...p: string[]) => join(sandbox.home, ...p)
  writeFile(sandbox.configFile, `[default]\nregion = us-east-1\n\n[profile console]\nlogin_session = ${ROOT_ARN}\nregion = us-east-1\n`)
  const future = new Date(Date.now() + 3600_000).toISOString()
  writeFile(
    h('.aws', 'login', 'cache', `${createHash('sha256').update(ROOT_ARN).digest('hex')}.json`),
    JSON.stringify({
      accessToken: {
        accessKeyId: LOGIN.id,
        secretAccessKey: LOGIN.secret,
        sessionToken: LOGIN.token,
        accountId: '111111111111',
        expiresAt: future,
      },
      tokenType: 'aws_sigv4',
      refreshToken: SECRETS[4],
      clientId: 'arn:aws:signin:::devtools/same-device',
      dpopKey: SECRETS[5],
    }),
  )
  // Tools that keep keys in their own plain files.
  writeFile(h('.s3cfg'), S3CFG)
  writeFile(h('conf', 'boto.cfg'), `[Credentials]\naws_access_key_id = ${USER.id}\naws_secret_access_key = ${USER.secret}\n`) // BOTO_CONFIG
  writeFile(h('.passwd-s3fs'), `# bucket:id:secret\nbackups:${USER.id}:${USER.secret}\n`)
  writeFile(
    h('.config', 'rclone', 'rclone.conf'),
    `[s3]\ntype = s3\nprovider = AWS\naccess_key_id = ${USER.id}\nsecret_access_key = ${USER.secret}\nregion = us-east-1\n`,
  )
  writeFile(h('.mc', 'config.json'), MC + '\n')
  writeFile(h('.kube', 'config'), KUBECONFIG)
  // `amplify init` with "AWS access keys": the pair in a JSON file of a random name.
  writeFile(
    h('.amplify', 'awscloudformation', 'nRPpKdUuNc'),
    JSON.stringify({accessKeyId: USER.id, secretAccessKey: USER.secret, region: 'us-east-1'}, null, 2),
  )
  writeFile(h('.s3ql', 'authinfo2'), `[s3]\nstorage-url: s3://backups\nbackend-login: ${USER.id}\nbackend-password: ${USER.secret}\n`)
  // Copies under ~/.aws that no AWS tool reads any more.
  writeFile(h('.aws', 'credentials.bak'), `[default]\naws_access_key_id = ${ROOT.id}\naws_secret_access_key = ${ROOT.secret}\n`)
  writeFile(h('.aws', 'config~'), `[profile old]\naws_access_key_id = ${USER.id}\naws_secret_access_key = ${USER.secret}\n`)
  // Shell and REPL histories.
  writeFile(h('.bash_history'), BASH_HISTORY)
  writeFile(h('.zsh_history'), ZSH_HISTORY)
  writeFile(h('.local', 'share', 'fish', 'fish_history'), FISH_HISTORY)
  writeFile(h('.python_history'), PYTHON_HISTORY)
  // Shell start-up files.
  writeFile(h('.bashrc'), BASHRC, 0o644)
  writeFile(h('.zshrc'), `export AWS_ACCESS_KEY_ID='${USER.id}'\nexport AWS_SECRET_ACCESS_KEY='${USER.secret}'\n`)
  writeFile(h('.config', 'fish', 'config.fish'), `set -gx AWS_ACCESS_KEY_ID ${USER.id}\nset -gx AWS_SECRET_ACCESS_KEY ${USER.secret}\n`)
  writeFile(h('.envrc'), `export AWS_ACCESS_KEY_ID=${USER.id} # deploy\nexport AWS_SECRET_ACCESS_KEY=${USER.secret}\n`)

  // A project: every text file, whatever its name.
  const p = (...parts: string[]) => h('work', 'app', ...parts)
  writeFile(
    p('config', 'settings.json'),
    JSON.stringify({aws: {accessKeyId: USER.id, secretAccessKey: USER.secret, region: 'us-east-1'}}, null, 2),
  )
  writeFile(p('src', 'main', 'resources', 'application.properties'), `aws.accessKeyId=${USER.id}\naws.secretKey=${USER.secret}\n`)
  writeFile(p('src', 'Upload.java'), `class Upload {\n  AWSCredentials c = new BasicAWSCredentials("${USER.id}", "${USER.secret}");\n}\n`)
  writeFile(
    p('.github', 'workflows', 'deploy.yml'),
    `on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      AWS_ACCESS_KEY_ID: ${USER.id}\n      AWS_SECRET_ACCESS_KEY: ${USER.secret}\n    steps:\n      - run: aws s3 sync . s3://site\n`,
  )
  writeFile(
    p('docker-compose.yml'),
    `services:\n  app:\n    environment:\n      - AWS_ACCESS_KEY_ID=${USER.id}\n      - AWS_SECRET_ACCESS_KEY=${USER.secret}\n`,
  )
  writeFile(
    p('k8s', 'deployment.yaml'),
    `apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n` +
      `        - name: AWS_SECRET_ACCESS_KEY\n          value: ${USER.secret}\n        - name: AWS_ACCESS_KEY_ID\n          value: ${USER.id}\n`,
  )
  writeFile(p('Pulumi.dev.yaml'), `config:\n  aws:region: us-east-1\n  aws:accessKey: ${USER.id}\n  aws:secretKey: ${USER.secret}\n`)
  writeFile(p('Dockerfile'), `FROM node:20\nENV AWS_ACCESS_KEY_ID=${USER.id} AWS_SECRET_ACCESS_KEY=${USER.secret}\n`)
  writeFile(p('infra', 'backend.toml'), `[aws]\nsecret-key = "${USER.secret}"\naccess-key = "${USER.id}"\n`)
  writeFile(p('.gitignore'), '.env.local\n')
  writeFile(p('.env.local'), `SECRET_ACCESS_KEY=${USER.secret}\nACCESS_KEY_ID=${USER.id}\n`)
  // Near misses: a key id alone, AWS's example key, a secret that is a reference to CI secrets.
  writeFile(p('NOTES.md'), 'Rotated AKIAEMULATOROLD00001 in March.\n')
  writeFile(
    p('docs', 'example.sh'),
    'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
  )
  writeFile(p('ci', 'vars.tf'), 'access_key = "AKIAEMULATOROLD00002"\nsecret_key = "${{ secrets.AWS_SECRET_ACCESS_KEY }}"\n')
  // Skipped: a dependency directory, a binary (told by content, not name), a link out of the project.
  writeFile(p('node_modules', 'pkg', '.env'), `AWS_ACCESS_KEY_ID=${USER.id}\nAWS_SECRET_ACCESS_KEY=${USER.secret}\n`)
  writeFileSync(p('config', 'cache.txt'), Buffer.concat([Buffer.from([0, 1, 2, 0, 0xff]), Buffer.from(`${USER.id}:${USER.secret}\n`)]))
  writeFile(h('elsewhere', 'keys.txt'), `${USER.id}:${USER.secret}\n`)
  symlinkSync(h('elsewhere'), p('linked'))
  return p()
}

let emulator: EmulatorHandle
let sandbox: Sandbox
let project: string
const outputs: RunResult[] = []

beforeAll(async () => {
  const fixture = defaultFixture()
  fixture.staticIdentities.push({
    accessKeyId: LOGIN.id,
    secretAccessKey: LOGIN.secret,
    sessionToken: LOGIN.token,
    account: '111111111111',
    arn: ROOT_ARN,
    userId: '111111111111',
  })
  emulator = await startEmulator({fixture})
  sandbox = makeSandbox()
  project = buildHome(sandbox)
})
afterAll(async () => {
  sandbox.cleanup()
  await emulator.close()
})

async function run(args: string[], env: NodeJS.ProcessEnv = {}, home = sandbox): Promise<RunResult> {
  const result = await runKeyless(args, {env: {...home.env, ...emulator.env(), BOTO_CONFIG: join(home.home, 'conf', 'boto.cfg'), ...env}})
  outputs.push(result)
  return result
}

interface JsonFinding {
  severity: string
  kind: string
  location: {file: string | null; line: number | null; profile: string | null; variable: string | null}
  accessKeyId: string | null
  account: string | null
  arn: string | null
  status: string
}
const rows = (findings: JsonFinding[]) =>
  findings.map((f) =>
    [
      f.severity,
      f.kind,
      f.location.file?.replace(project, 'APP'),
      f.location.line,
      f.location.profile,
      f.location.variable,
      f.accessKeyId,
      f.account,
      f.status,
    ].join(' '),
  )

const LOGIN_CACHE = `~/.aws/login/cache/${createHash('sha256').update(ROOT_ARN).digest('hex')}.json`
const USER_ROW = 'AKIA************0001 222222222222 active'
const EXPECTED = [
  // The aws login session is the root's: by the ARN it names, and by what STS says of its cached credentials.
  'critical login-session-profile ~/.aws/config 4 console   111111111111 present',
  'critical aws-dir-key ~/.aws/credentials.bak 2 default aws_access_key_id AKIA************0001 111111111111 active',
  `critical login-cache ${LOGIN_CACHE}    ASIA************N001 111111111111 valid`,
  `high tool-file-key ~/.amplify/awscloudformation/nRPpKdUuNc 2  accessKeyId ${USER_ROW}`,
  `high aws-dir-key ~/.aws/config~ 2 profile old aws_access_key_id ${USER_ROW}`,
  `high shell-history-key ~/.bash_history 3  aws_access_key_id ${USER_ROW}`,
  `high shell-file-key ~/.bashrc 3  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high shell-file-key ~/.config/fish/config.fish 1  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high tool-file-key ~/.config/rclone/rclone.conf 4 s3 access_key_id ${USER_ROW}`,
  `high shell-file-key ~/.envrc 1  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high tool-file-key ~/.kube/config 22  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high shell-history-key ~/.local/share/fish/fish_history 1  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high tool-file-key ~/.mc/config.json 6  accessKey ${USER_ROW}`,
  `high tool-file-key ~/.passwd-s3fs 2  ID:SECRET ${USER_ROW}`,
  `high shell-history-key ~/.python_history 2  aws_access_key_id ${USER_ROW}`,
  `high tool-file-key ~/.s3cfg 2 default access_key ${USER_ROW}`,
  `high tool-file-key ~/.s3ql/authinfo2 3 s3 backend-login ${USER_ROW}`,
  `high shell-history-key ~/.zsh_history 2  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high shell-file-key ~/.zshrc 1  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high tool-file-key ~/conf/boto.cfg 2 Credentials aws_access_key_id ${USER_ROW}`,
  `high project-file-key ~/work/app/.env.local 2  ACCESS_KEY_ID ${USER_ROW}`,
  `high project-file-key ~/work/app/.github/workflows/deploy.yml 6  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high project-file-key ~/work/app/config/settings.json 3  accessKeyId ${USER_ROW}`,
  `high project-file-key ~/work/app/docker-compose.yml 4  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high project-file-key ~/work/app/Dockerfile 2  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high project-file-key ~/work/app/infra/backend.toml 3  access-key ${USER_ROW}`,
  `high project-file-key ~/work/app/k8s/deployment.yaml 12  AWS_ACCESS_KEY_ID ${USER_ROW}`,
  `high project-file-key ~/work/app/Pulumi.dev.yaml 3  aws:accessKey ${USER_ROW}`,
  `high project-file-key ~/work/app/src/main/resources/application.properties 1  aws.accessKeyId ${USER_ROW}`,
  `high project-file-key ~/work/app/src/Upload.java 2   ${USER_ROW}`,
  // Near misses: a key id alone, a secret that is a reference to CI secrets, AWS's documented example.
  'info key-id ~/work/app/ci/vars.tf 1  access_key AKIA************0002  present',
  'info example-key ~/work/app/docs/example.sh 1  AWS_ACCESS_KEY_ID AKIA************MPLE  present',
  'info key-id ~/work/app/NOTES.md 1   AKIA************0001  present',
]

describe('keyless audit finds every key (issue 23)', () => {
  it('a key pair in each place, near misses as info, skipped places skipped', async () => {
    const result = await run(['audit', '--json', '--scan', project])
    const report = JSON.parse(result.stdout) as {findings: JsonFinding[]; summary: Record<string, number>}
    expect(rows(report.findings)).toEqual(EXPECTED)
    expect(report.summary).toEqual({critical: 3, high: 27, medium: 0, info: 3})
    expect(report.findings[0]).toMatchObject({arn: ROOT_ARN, principalKind: 'root'})
    expect(report.findings[2]).toMatchObject({arn: ROOT_ARN, principalKind: 'root'})
    // node_modules, the binary and the link out of the project were skipped: no finding names them.
    expect(result.stdout).not.toMatch(/node_modules|cache\.txt|elsewhere|linked/)
    expect(result.code).toBe(3)
  })

  it('--debug says what the scan skipped and why', async () => {
    const result = await run(['audit', '--offline', '--json', '--debug', '--scan', project])
    expect(result.stderr).toContain(`scan skipped ${join(project, 'node_modules')}: dependency-or-vcs-dir`)
    expect(result.stderr).toContain(`scan skipped ${join(project, 'config', 'cache.txt')}: binary`)
    expect(result.stderr).toContain(`scan skipped ${join(project, 'linked')}: symlink`)
  })

  it("whoami's verdict on the aws login profile agrees with audit's: the account root", async () => {
    const whoami = await run(['whoami', '--profile', 'console', '--strict', '--json'])
    expect(JSON.parse(whoami.stdout)).toMatchObject({arn: ROOT_ARN, principalKind: 'root'})
    expect(whoami.code).toBe(3)
  })

  it("--fix --yes removes the export lines of shell start-up files (backup kept), and leaves other tools' files alone, saying where and how to deactivate", async () => {
    const home = makeSandbox()
    try {
      buildHome(home)
      const before = new Map(
        ['.s3cfg', '.passwd-s3fs', '.mc/config.json', '.kube/config', '.amplify/awscloudformation/nRPpKdUuNc', '.aws/credentials.bak'].map(
          (f) => [f, readFileSync(join(home.home, f))],
        ),
      )
      const result = await run(['audit', '--fix', '--yes', '--offline'], {}, home)
      expect(readFileSync(join(home.home, '.bashrc'), 'utf8')).toBe(`# ~/.bashrc\nalias ll='ls -l'\nexport PATH="$HOME/bin:$PATH"\n`)
      expect(statSync(join(home.home, '.bashrc')).mode & 0o777).toBe(0o644)
      expect(readFileSync(join(home.home, '.bashrc.keyless.bak'), 'utf8')).toBe(BASHRC)
      expect(statSync(join(home.home, '.bashrc.keyless.bak')).mode & 0o777).toBe(0o600)
      expect(readFileSync(join(home.home, '.config', 'fish', 'config.fish'), 'utf8')).toBe('')
      expect(readFileSync(join(home.home, '.envrc'), 'utf8')).toBe('')
      // Histories lose the entries that held the key, whole (bash's time stamps, fish's when/paths), nothing else.
      expect(readFileSync(join(home.home, '.bash_history'), 'utf8')).toBe('ls\ngit status\n')
      expect(readFileSync(join(home.home, '.zsh_history'), 'utf8')).toBe(': 1700000000:0;cd work\n: 1700000009:0;make\n')
      expect(readFileSync(join(home.home, '.local', 'share', 'fish', 'fish_history'), 'utf8')).toBe(
        '- cmd: ls work\n  when: 1700000002\n  paths:\n    - work\n',
      )
      expect(readFileSync(join(home.home, '.python_history'), 'utf8')).toBe('import boto3\n')
      expect(readFileSync(join(home.home, '.bash_history.keyless.bak'), 'utf8')).toBe(BASH_HISTORY)
      expect(result.stdout).toContain('Removed AKIA************0001 from ~/.bash_history line 3.')
      for (const [file, bytes] of before) expect(readFileSync(join(home.home, file))).toEqual(bytes)
      expect(result.stdout).toContain('Removed AKIA************0001 from ~/.bashrc line 3.')
      expect(result.stdout).toContain(
        "Left alone: keyless edits another tool's file only when you say yes to that finding on a terminal (keyless audit --fix).\n  AKIA************0001 in ~/.amplify/awscloudformation/nRPpKdUuNc line 2: remove it there by hand\n    then: aws iam update-access-key --status Inactive --access-key-id AKIAEMULATORUSER0001",
      )
      expect(result.stdout).toContain('  AKIA************0001 in ~/.aws/config~ line 2: remove it there by hand\n')
      expect(result.stdout).toContain('  AKIA************0001 in ~/.kube/config line 22: remove it there by hand\n')
      expect(result.stdout).toContain('  AKIA************0001 in ~/.s3cfg line 2: remove it there by hand\n')
      expect(result.stdout).toContain('~/.bashrc.keyless.bak holds the removed keys')
      expect(result.code).toBe(3)
    } finally {
      home.cleanup()
    }
  })

  it("--fix on a terminal edits another tool's file when the user says yes to that finding: its key lines only, with a backup", async () => {
    const home = makeSandbox()
    try {
      writeFile(join(home.home, '.s3cfg'), S3CFG)
      const {code, all} = await inTerminal(
        home.env,
        /Remove the key's lines \(2, 9\) from ~\/\.s3cfg \(s3cmd will no longer find it\)/,
        '\r',
      )
      expect(all).toContain('Removed AKIA************0001 from ~/.s3cfg line 2.')
      expect(readFileSync(join(home.home, '.s3cfg'), 'utf8')).toBe(
        S3CFG.replace(`access_key = ${USER.id}\n`, '').replace(`secret_key = ${USER.secret}\n`, ''),
      )
      expect(readFileSync(join(home.home, '.s3cfg.keyless.bak'), 'utf8')).toBe(S3CFG)
      expect(code).toBe(0)
    } finally {
      home.cleanup()
    }
  })

  it('--fix on a terminal takes a key out of a kubeconfig: the env list items of the key, the rest of the file as it was', async () => {
    const home = makeSandbox()
    try {
      // Where KUBECONFIG says (its first file), not ~/.kube/config.
      const kubeconfig = join(home.home, 'clusters', 'prod.yaml')
      writeFile(kubeconfig, KUBECONFIG)
      const {code, all} = await inTerminal(
        {...home.env, KUBECONFIG: `${kubeconfig}:${join(home.home, 'clusters', 'none.yaml')}`},
        /Remove the key's lines \(21, 22, 23, 24\) from ~\/clusters\/prod\.yaml \(kubectl will no longer find it\)/,
        '\r',
      )
      expect(all).toContain('Removed AKIA************0001 from ~/clusters/prod.yaml line 22.')
      expect(readFileSync(kubeconfig, 'utf8')).toBe(
        KUBECONFIG.replace(
          `      - name: AWS_ACCESS_KEY_ID\n        value: ${USER.id}\n      - name: AWS_SECRET_ACCESS_KEY\n        value: "${USER.secret}"\n`,
          '',
        ),
      )
      expect(readFileSync(kubeconfig, 'utf8')).toContain('      env:\n      - name: AWS_REGION\n        value: us-east-1\n')
      expect(readFileSync(`${kubeconfig}.keyless.bak`, 'utf8')).toBe(KUBECONFIG)
      expect(code).toBe(0)
    } finally {
      home.cleanup()
    }
  })

  it("a tool's file past its bound says it was read in part (a key past the first MiB is not silently missed)", async () => {
    const home = makeSandbox()
    try {
      writeFile(join(home.home, '.passwd-s3fs'), `${'# padding\n'.repeat(110_000)}backups:${USER.id}:${USER.secret}\n`)
      const result = await run(['audit', '--json', '--offline'], {}, home)
      const report = JSON.parse(result.stdout) as {findings: Array<JsonFinding & {fix: string}>}
      expect(report.findings.map((f) => [f.severity, f.kind, f.location.file, f.status])).toEqual([
        ['medium', 'unreadable', '~/.passwd-s3fs', 'truncated'],
      ])
      expect(report.findings[0]).toMatchObject({fix: "look for keys in the rest by hand: grep -n -E 'AKIA|ASIA' ~/.passwd-s3fs"})
      const human = await run(['audit', '--offline'], {}, home)
      expect(human.stdout).toContain("~/.passwd-s3fs: s3fs's file is larger than 1 MiB: only its start was checked")
    } finally {
      home.cleanup()
    }
  })

  it('no secret in any output (terminal, --json, --debug) or any file keyless wrote', async () => {
    await run(['audit', '--scan', project, '--debug'])
    const written = allFiles(sandbox.home).filter((f) => f.path.includes('/.cache/'))
    const leaks = findLeaks(SECRETS, [
      ...written,
      ...outputs.flatMap((o, i) => [
        {path: `stdout#${i}`, text: o.stdout},
        {path: `stderr#${i}`, text: o.stderr},
      ]),
    ])
    expect(leaks).toEqual([])
    expect(existsSync(join(sandbox.home, '.bashrc.keyless.bak'))).toBe(false)
  })
})

/** `keyless audit --fix --offline` in a pseudo-terminal (`script`), answering the first question. */
async function inTerminal(env: NodeJS.ProcessEnv, question: RegExp, answer: string): Promise<{code: number | null; all: string}> {
  const {spawn} = await import('node:child_process')
  const {KEYLESS_BIN} = await import('../helpers/cli.js')
  const child = spawn('script', ['-qfec', `stty cols 200 rows 40; ${process.execPath} ${KEYLESS_BIN} audit --fix --offline`, '/dev/null'], {
    env: {...env, TERM: 'xterm'},
  })
  let all = ''
  let asked = false
  child.stdout.on('data', (d: Buffer) => {
    all += d.toString()
    if (!asked && question.test(all.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ''))) {
      asked = true
      setTimeout(() => child.stdin.write(answer), 200)
    }
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  expect(asked).toBe(true)
  return {code, all: all.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')}
}
