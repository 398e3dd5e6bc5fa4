import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {removeKeyLines} from '../../src/audit/line-fix.js'
import {findKeys, normaliseHistory, normaliseShell} from '../../src/audit/pairs.js'
import {readBounded} from '../../src/audit/scan.js'
import {rateFinding} from '../../src/audit/severity.js'
import {historyContinuation, historyEntryLines, storeHits} from '../../src/audit/stores.js'
import {walkTextFiles, type SkipReason} from '../../src/audit/walk.js'

// Issue 23: the pair detector, the shell and INI readers, the walker's bounds and the lossless line remover.
const ID = 'AKIAEMULATORUSER0001'
const SECRET = 'emulator-user-secret-0000000000000000000'
const summary = (text: string, options = {}) =>
  findKeys(text, options).map((h) =>
    h.type === 'pair'
      ? `pair ${h.line} ${h.variable} ${h.key.secretAccessKey === SECRET} ${h.lines.join(',')}`
      : `${h.type} ${h.line} ${h.variable}`,
  )

describe('findKeys: a key id next to a secret under any usual spelling is a pair', () => {
  it.each([
    ['aws_secret_access_key', `aws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}`, ['pair 1 aws_access_key_id true 1,2']],
    ['secretAccessKey (JSON)', `{"accessKeyId": "${ID}",\n "secretAccessKey": "${SECRET}"}`, ['pair 1 accessKeyId true 1,2']],
    ['secret_key (HCL)', `access_key = "${ID}"\nsecret_key = "${SECRET}"`, ['pair 1 access_key true 1,2']],
    ['aws.secretKey (properties)', `aws.accessKeyId=${ID}\naws.secretKey=${SECRET}`, ['pair 1 aws.accessKeyId true 1,2']],
    ['secret-key (TOML)', `access-key = "${ID}"\nsecret-key = "${SECRET}"`, ['pair 1 access-key true 1,2']],
    ['SECRET_ACCESS_KEY (YAML)', `  ACCESS_KEY_ID: ${ID}\n  SECRET_ACCESS_KEY: ${SECRET}`, ['pair 1 ACCESS_KEY_ID true 1,2']],
    ['ID:SECRET (s3fs)', `${ID}:${SECRET}`, ['pair 1 ID:SECRET true 1']],
    ['bucket:ID:SECRET (s3fs)', `bucket:${ID}:${SECRET}`, ['pair 1 ID:SECRET true 1']],
    ['ID:SECRET inside a line', `<!-- ${ID}:${SECRET} -->`, ['pair 1 ID:SECRET true 1']],
    ['positional arguments', `new BasicAWSCredentials("${ID}", "${SECRET}")`, ['pair 1 null true 1']],
    ['Ruby hash', `access_key_id => '${ID}',\nsecret_access_key => '${SECRET}'`, ['pair 1 access_key_id true 1,2']],
    [
      'aws:secretKey (a Pulumi stack config)',
      `config:\n  aws:accessKey: ${ID}\n  aws:secretKey: ${SECRET}`,
      ['pair 2 aws:accessKey true 2,3'],
    ],
    // Kubernetes env lists (a Deployment, a kubeconfig's exec plugin): each item's `- name:` line goes with its value.
    [
      'env list items (YAML)',
      `env:\n- name: AWS_ACCESS_KEY_ID\n  value: ${ID}\n- name: "AWS_SECRET_ACCESS_KEY"\n  value: "${SECRET}"`,
      ['pair 3 AWS_ACCESS_KEY_ID true 2,3,4,5'],
    ],
    [
      'env list items (YAML flow)',
      `env: [{name: AWS_ACCESS_KEY_ID, value: ${ID}}, {name: AWS_SECRET_ACCESS_KEY, value: ${SECRET}}]`,
      ['pair 1 AWS_ACCESS_KEY_ID true 1'],
    ],
    [
      'env list items (JSON): the name lines stay (an emptied name is no env var)',
      JSON.stringify(
        {
          env: [
            {name: 'AWS_ACCESS_KEY_ID', value: ID},
            {name: 'AWS_SECRET_ACCESS_KEY', value: SECRET},
          ],
        },
        null,
        2,
      ),
      ['pair 5 AWS_ACCESS_KEY_ID true 5,9'],
    ],
  ])('%s', (_, text, expected) => expect(summary(text)).toEqual(expected))

  it.each([
    ['a key id alone is an id', `id = ${ID}`, ['id 1 id']],
    ['a key id in prose is an id', `the key ${ID} was rotated`, ['id 1 null']],
    ['a secret that is a CI reference is no secret', `access_key = "${ID}"\nsecret_key = "\${{ secrets.X }}"`, ['id 1 access_key']],
    [
      'an environment reference is no secret',
      `accessKeyId: ${ID}\nsecretAccessKey: process.env.AWS_SECRET_ACCESS_KEY`,
      ['id 1 accessKeyId'],
    ],
    ['a variable name is no secret', `AWS_ACCESS_KEY_ID=${ID}\nAWS_SECRET_ACCESS_KEY=MY_SECRET_VARIABLE`, ['id 1 AWS_ACCESS_KEY_ID']],
    [
      "AWS's documented example is an example",
      'AKIAIOSFODNN7EXAMPLE\nsecret = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      ['example 1 null'],
    ],
    [
      'an env list item named otherwise is no secret',
      `- name: AWS_ACCESS_KEY_ID\n  value: ${ID}\n- name: DATABASE_PASSWORD\n  value: ${SECRET}`,
      ['id 2 AWS_ACCESS_KEY_ID'],
    ],
    ["a secret six lines away is not this key's", `key = ${ID}\n\n\n\n\n\nsecret = ${SECRET}`, ['id 1 key']],
    ['no key id: nothing', `secret = ${SECRET}`, []],
  ])('%s', (_, text, expected) => expect(summary(text)).toEqual(expected))

  it('INI pairs within a section however far apart (s3cmd sorts its keys), never across sections', () => {
    const text = `[default]\naccess_key = ${ID}\n${'x = 1\n'.repeat(20)}secret_key = ${SECRET}\n[other]\naccess_key = AKIAEMULATORROOT0001\n`
    expect(summary(text, {ini: true})).toEqual(['pair 2 access_key true 2,23', 'id 25 access_key'])
  })

  it('shell start-up syntax: fish set, fish universal variables, csh setenv; line numbers kept', () => {
    const fish = `# c\nset -gx AWS_ACCESS_KEY_ID ${ID}\nset -x AWS_SECRET_ACCESS_KEY ${SECRET}\n`
    expect(summary(normaliseShell(fish))).toEqual(['pair 2 AWS_ACCESS_KEY_ID true 2,3'])
    const universal = `SETUVAR --export AWS_ACCESS_KEY_ID:${ID}\nSETUVAR --export AWS_SECRET_ACCESS_KEY:${SECRET}\n`
    expect(summary(normaliseShell(universal))).toEqual(['pair 1 AWS_ACCESS_KEY_ID true 1,2'])
    const csh = `setenv AWS_ACCESS_KEY_ID ${ID}\r\nsetenv AWS_SECRET_ACCESS_KEY ${SECRET}\r\n`
    expect(summary(normaliseShell(csh))).toEqual(['pair 1 AWS_ACCESS_KEY_ID true 1,2'])
  })

  it('histories: zsh extended, fish, aws configure set, PowerShell Set-AWSCredential; line numbers kept', () => {
    expect(
      summary(normaliseHistory(`: 1700000000:0;ls\n: 1700000001:0;export AWS_ACCESS_KEY_ID=${ID} AWS_SECRET_ACCESS_KEY=${SECRET}\n`)),
    ).toEqual(['pair 2 AWS_ACCESS_KEY_ID true 2'])
    expect(
      summary(
        normaliseHistory(`- cmd: set -gx AWS_ACCESS_KEY_ID ${ID}\n  when: 1\n- cmd: set -gx AWS_SECRET_ACCESS_KEY ${SECRET}\n  when: 2\n`),
      ),
    ).toEqual(['pair 1 AWS_ACCESS_KEY_ID true 1,3'])
    const configure = `aws configure set aws_access_key_id ${ID} --profile old\naws configure set --profile old old.aws_secret_access_key "${SECRET}"\n`
    expect(summary(normaliseHistory(configure))).toEqual(['pair 1 aws_access_key_id true 1,2'])
    expect(summary(normaliseHistory(`Set-AWSCredential -AccessKey ${ID} -SecretKey ${SECRET} -StoreAs default\n`))).toEqual([
      'pair 1 AccessKey true 1',
    ])
    // Far into a long history: line numbers kept (only lines near a key id are read).
    const long = `${'ls\n'.repeat(5000)}export AWS_ACCESS_KEY_ID=${ID}\n${'pwd\n'.repeat(3)}export AWS_SECRET_ACCESS_KEY=${SECRET}\n${'ls\n'.repeat(5000)}`
    expect(summary(normaliseHistory(long))).toEqual(['pair 5001 AWS_ACCESS_KEY_ID true 5001,5005'])
    // Not a key: a command that names the variable without a value.
    expect(summary(normaliseHistory(`echo ${ID}\necho $AWS_SECRET_ACCESS_KEY\n`))).toEqual(['id 1 null'])
  })

  it("a history entry's lines: bash's time stamp before it, fish's when and paths after it", () => {
    const bash = ['ls', '#1700000000', 'export AWS_ACCESS_KEY_ID=x', 'pwd']
    expect(historyEntryLines(bash, [3])).toEqual([2, 3])
    const fish = ['- cmd: a', '  when: 1', '- cmd: set -gx AWS_ACCESS_KEY_ID x', '  when: 2', '  paths:', '    - x', '- cmd: b']
    expect(historyEntryLines(fish, [3])).toEqual([3, 4, 5, 6])
  })

  it("a command of several lines goes whole where the history joins them: zsh's \\, PowerShell's backtick", () => {
    // zsh writes each line break inside a command as \ at the end of the line; left alone, line 3 would join line 5.
    const zsh = [
      ': 1700000000:0;ls',
      ': 1700000001:0;aws s3 ls \\',
      '  --region eu-west-1 \\',
      '  AWS_SECRET_ACCESS_KEY=x',
      ': 1700000002:0;pwd',
    ]
    expect(historyEntryLines(zsh, [4], historyContinuation({tool: 'zsh', path: '/h/.zsh_history'}, zsh.join('\n')))).toEqual([2, 3, 4])
    expect(historyEntryLines(zsh, [2], '\\')).toEqual([2, 3, 4])
    const ps = ['Get-Date', 'Set-AWSCredential `', '  -AccessKey x `', '  -SecretKey y', 'Get-Location']
    expect(historyEntryLines(ps, [3, 4], historyContinuation({tool: 'PowerShell', path: 'C:/h.txt'}, ps.join('\r\n')))).toEqual([2, 3, 4])
    // $HISTFILE is zsh's when it holds zsh's extended format; bash's lines are each a command.
    expect(historyContinuation({tool: 'shell', path: '/h/hist'}, zsh.join('\n'))).toBe('\\')
    expect(historyContinuation({tool: 'shell', path: '/h/.bash_history'}, 'ls \\\nexport X=1\n')).toBeUndefined()
    expect(historyEntryLines(['ls \\', 'export AWS_SECRET_ACCESS_KEY=x', 'pwd'], [2], undefined)).toEqual([2])
  })

  it("s3ql's backend-login and backend-password", () => {
    const hits = storeHits(`[s3]\nbackend-login: ${ID}\nbackend-password: ${SECRET}\n`, {format: 'ini', secretNames: /secret|password/i})
    expect(hits.map((h) => h.type)).toEqual(['pair'])
  })
})

describe('removeKeyLines: the key lines go, every other byte stays', () => {
  it.each([
    [
      'shell exports, CRLF kept',
      `a=1\r\nexport AWS_ACCESS_KEY_ID=${ID}\r\nexport AWS_SECRET_ACCESS_KEY=${SECRET}\r\nb=2`,
      [2, 3],
      'a=1\r\nb=2',
    ],
    [
      'INI lines, comments kept',
      `[default]\n# mine\naccess_key = ${ID}\nregion = x\nsecret_key = ${SECRET}\n`,
      [3, 5],
      '[default]\n# mine\nregion = x\n',
    ],
    [
      'JSON members are emptied (the JSON stays valid)',
      `{\n  "accessKey": "${ID}",\n  "secretKey": "${SECRET}"\n}\n`,
      [2, 3],
      '{\n  "accessKey": "",\n  "secretKey": ""\n}\n',
    ],
    ['an s3fs line', `other:AKIAEMULATORROOT0001:x\n${ID}:${SECRET}`, [2], 'other:AKIAEMULATORROOT0001:x\n'],
    [
      'Kubernetes env list items, the list and its other items kept',
      `env:\n- name: AWS_ACCESS_KEY_ID\n  value: ${ID}\n- name: AWS_SECRET_ACCESS_KEY\n  value: ${SECRET}\n- name: AWS_REGION\n  value: eu-west-1\n`,
      [2, 3, 4, 5],
      'env:\n- name: AWS_REGION\n  value: eu-west-1\n',
    ],
    [
      'fish set with a comment',
      `set -gx AWS_ACCESS_KEY_ID ${ID} # work\nset -gx AWS_SECRET_ACCESS_KEY ${SECRET}\necho hi\n`,
      [1, 2],
      'echo hi\n',
    ],
  ])('%s', (_, before, lines, after) => expect(removeKeyLines(before, lines, ID)).toEqual({text: after}))

  it("a history's entries go whole, whatever the command around the key", () => {
    const history = `ls\naws configure set aws_access_key_id ${ID}\ngit status\n`
    expect(removeKeyLines(history, [2], ID, {whole: true})).toEqual({text: 'ls\ngit status\n'})
    expect(removeKeyLines(history, [2], ID)).toEqual({error: 'line 2 holds more than the key: edit it by hand'})
  })

  it('refuses when the key is no longer on those lines, or a line holds more than the key', () => {
    expect(removeKeyLines(`a=1\nb=2\n`, [1], ID)).toEqual({error: 'the key is no longer there (the file changed since)'})
    expect(removeKeyLines(`{"accessKey": "${ID}", "secretKey": "${SECRET}"}\n`, [1], ID)).toEqual({
      error: 'line 1 holds more than the key: edit it by hand',
    })
  })
})

describe('readBounded: a file up to a bound, and whether it was cut', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-bounded-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  it.each([
    ['empty', 0, 10, false],
    ['smaller than the bound', 7, 10, false],
    ['exactly the bound', 10, 10, false],
    ['one byte past it', 11, 10, true],
    ['far past it', 5000, 10, true],
  ])('%s', async (_, size, max, cut) => {
    const path = join(dir, `f${size}`)
    writeFileSync(path, 'x'.repeat(size))
    expect(await readBounded(path, max)).toEqual({text: 'x'.repeat(Math.min(size, max)), truncated: cut})
  })
})

describe('walkTextFiles: every text file, bounded, skips said', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-walk-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('reads text whatever its name, tells binaries by content, skips dependency dirs and links, and stops at the total bound', () => {
    writeFileSync(join(dir, 'a.weird-extension'), 'text one\n')
    writeFileSync(join(dir, 'b.png'), 'text that is named like an image\n')
    writeFileSync(join(dir, 'c.txt'), Buffer.from([0x00, 0x01, 0x02, 0x00, 0xff, 0xfe]))
    writeFileSync(join(dir, 'd.log'), 'y'.repeat(300))
    mkdirSync(join(dir, 'node_modules'))
    writeFileSync(join(dir, 'node_modules', 'x.js'), 'x')
    symlinkSync('/etc', join(dir, 'etc-link'))
    mkdirSync(join(dir, 'z'))
    writeFileSync(join(dir, 'z', 'late.txt'), 'never read: the total bound was reached\n')
    const files: Array<[string, number, boolean]> = []
    const skips: Array<[string, SkipReason]> = []
    const result = walkTextFiles(
      dir,
      {maxFileBytes: 100, maxTotalBytes: 140, maxEntries: 100},
      {
        file: (p, _b, n, truncated) => files.push([p.slice(dir.length + 1), n, truncated]),
        skip: (p, r) => skips.push([p.slice(dir.length + 1), r]),
      },
    )
    expect(files).toEqual([
      ['a.weird-extension', 9, false],
      ['b.png', 33, false],
      ['d.log', 100, true],
    ])
    expect(skips).toEqual([
      ['c.txt', 'binary'],
      ['etc-link', 'symlink'],
      ['node_modules', 'dependency-or-vcs-dir'],
    ])
    expect(result.stopped).toBe('after 140 bytes read')
  })
})

describe('severity of aws login sessions (issue 23, item 3)', () => {
  const at = {file: '~/.aws/config', line: 4, profile: 'console', variable: null}
  it('a login_session naming the root is critical; another principal is info', () => {
    const root = rateFinding({kind: 'login-session-profile', location: at, detail: 'arn:aws:iam::111111111111:root'}, undefined)
    expect(root).toMatchObject({severity: 'critical', account: '111111111111', principalKind: 'root'})
    const user = rateFinding({kind: 'login-session-profile', location: at, detail: 'arn:aws:iam::111111111111:user/alice'}, undefined)
    expect(user).toMatchObject({severity: 'info', principalKind: 'iam-user'})
  })
  it("a login cache whose credentials STS names as the root's is critical", () => {
    const draft = {
      kind: 'login-cache' as const,
      location: {...at, line: null, profile: null},
      holds: ['role-credentials'],
      status: 'valid' as const,
    }
    expect(
      rateFinding(draft, {status: 'active', account: '111111111111', arn: 'arn:aws:iam::111111111111:root', principalKind: 'root'})
        .severity,
    ).toBe('critical')
    expect(
      rateFinding(draft, {status: 'active', account: '1', arn: 'arn:aws:sts::1:assumed-role/x/y', principalKind: 'assumed-role'}).severity,
    ).toBe('medium')
  })
})

describe('HOME and USERPROFILE apart on Windows (issue 24 item 4)', () => {
  const base = mkdtempSync(join(tmpdir(), 'keyless-home-differs-'))
  afterAll(() => rmSync(base, {recursive: true, force: true}))
  const env = {
    HOME: join(base, 'home'),
    USERPROFILE: join(base, 'profile'),
    AWS_CONFIG_FILE: join(base, 'none', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(base, 'none', 'credentials'),
  }

  it('audit says so on Windows, as a medium finding whose fix names both folders; nothing on Linux', async () => {
    const {takeInventory} = await import('../../src/audit/inventory.js')
    const kinds = async (platform: NodeJS.Platform) =>
      (await takeInventory({env, offline: true, scan: [], platform})).entries.map((e) => e.finding)
    const win = (await kinds('win32')).filter((f) => f.kind === 'home-differs')
    expect(win).toHaveLength(1)
    expect(win[0]).toMatchObject({severity: 'medium', location: {variable: 'HOME'}})
    expect(win[0]!.fix).toContain(`HOME (${env.HOME}) and USERPROFILE (${env.USERPROFILE}) differ`)
    expect((await kinds('linux')).some((f) => f.kind === 'home-differs')).toBe(false)
    // The same folder written another way (case, a trailing separator) is not a difference.
    const same = {...env, HOME: env.USERPROFILE.toUpperCase() + '\\'}
    const again = await takeInventory({env: same, offline: true, scan: [], platform: 'win32'})
    expect(again.entries.some((e) => e.finding.kind === 'home-differs')).toBe(false)
  })
})
