import fc from 'fast-check'
import {spawn} from 'node:child_process'
import {chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {afterAll, describe, expect, it, vi} from 'vitest'

import type {ConfigRecords} from '../../src/aws-config/ini.js'
import {takeInventory} from '../../src/audit/inventory.js'
import {reportJsonPieces, writeReportJson} from '../../src/audit/json.js'
import {CHUNK_BYTES} from '../../src/audit/json-out.js'
import {KeylessProfiles, mergeRuns, plainFinding} from '../../src/audit/keyless-profiles.js'
import {renderReport} from '../../src/audit/render.js'
import {compareFindings, rateFinding} from '../../src/audit/severity.js'
import {scanProfiles} from '../../src/audit/profile-scan.js'
import {awsFileDrafts} from '../../src/audit/sources.js'
import type {AuditReport, Finding} from '../../src/audit/types.js'
import {terminalSafeJson} from '../../src/errors.js'

// Issue 22: `keyless audit` with the 3,000 profiles of a large organisation. What changed for speed must not change
// a byte of what audit reports.

const keylessProfile = (n: number, file = '~/.aws/config'): Finding =>
  rateFinding(
    {kind: 'keyless-profile', location: {file, line: 5 * n + 6, profile: `acme-${n}.AdministratorAccess`, variable: null}},
    undefined,
  )

const report = (findings: Finding[]): AuditReport => {
  const summary = {critical: 0, high: 0, medium: 0, info: 0}
  for (const f of findings) summary[f.severity]++
  return {findings, summary}
}

describe('audit --json in pieces (issue 22): the same bytes as the whole document', () => {
  const many = (count: number) => Array.from({length: count}, (_, n) => keylessProfile(n))
  // Text from files that must reach no terminal raw (C1 controls, direction controls, line separators), in a late piece.
  const hostile = {
    ...keylessProfile(1000),
    title: 'credential_process profile [x\u0085y] runs /opt/tool\u202e\u2028\u009b31m',
    location: {file: '~/.aws/config', line: 9999, profile: 'x\u0085y', variable: null, job: null},
  }
  const cases: Array<[string, unknown]> = [
    ['no finding', report([])],
    ['one finding', report(many(1))],
    ['more than a chunk holds', report(many(150))],
    [
      'a name longer than a chunk holds',
      report([...many(3), {...keylessProfile(3), location: {...keylessProfile(3).location, profile: 'p'.repeat(70_000)}}, ...many(3)]),
    ],
    ['3,000 keyless profiles and text to escape', report([...many(2999), hostile])],
    [
      'after --fix: what was done follows the summary',
      {...report(many(250)), fixed: [{action: 'removed', kind: 'config-file-key'}], leftAlone: []},
    ],
    ['a value that is not a report', {error: {message: 'x\u0085'}}],
    ['findings not first', {summary: {info: 1}, findings: many(3)}],
    ['null', null],
  ]
  it.each(cases)('%s', (_name, value) => {
    const pieces = reportJsonPieces(value)
    expect(Buffer.concat(pieces).toString('utf8')).toBe(terminalSafeJson(value) + '\n')
    // No piece is the whole report of many findings: each fits the one reused buffer.
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(CHUNK_BYTES)
  })

  it('writes a piece at a time as a slow reader takes them, and resolves once the last one is written', async () => {
    const value = report([...many(1234), hostile])
    const chunks: Buffer[] = []
    let pending = 0
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk)
        pending++
        setTimeout(() => {
          pending--
          done()
        }, 1)
      },
    })
    await writeReportJson(value, slow)
    expect(pending).toBe(0)
    expect(Buffer.concat(chunks).toString('utf8')).toBe(terminalSafeJson(value) + '\n')
    expect(chunks.length).toBeGreaterThan(5)
  })

  it('writes the UTF-8 bytes of the text, ASCII pieces and pieces with any other character alike', async () => {
    const profiles = new KeylessProfiles(
      {
        sectionName: (n: number) => (n === 150 ? 'caf\u00e9-\ud83d\ude00' : `p${n}`),
        sectionStart: (n: number) => n * 3,
      } as unknown as ConfigRecords,
      '~/.aws/config',
      '/home/u/.aws/config',
    )
    for (let n = 0; n < 250; n++) profiles.add(n, 0)
    const findings: Finding[] = Array.from({length: 250}, (_, n) => profiles.item(n))
    findings.splice(10, 0, {...keylessProfile(7), title: 'r\u00e9sum\u00e9 \u2028'})
    const value = report(findings)
    const bytes: Buffer[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes.push(chunk)
        done()
      },
    })
    await writeReportJson(value, sink)
    expect(Buffer.concat(bytes).toString('utf8')).toBe(terminalSafeJson({...value, findings: findings.map(plainFinding)}) + '\n')
  })

  it('stops when the reader is gone, without waiting for ever', async () => {
    const closed = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), {code: 'EPIPE'}))
      },
    })
    closed.on('error', () => {})
    await writeReportJson(report(many(500)), closed)
    expect(closed.destroyed).toBe(true)
  })
})

describe('audit --json to a file descriptor (issue 22): one reused buffer, writeSync, the stream where it must', () => {
  const many = (count: number) => Array.from({length: count}, (_, n) => keylessProfile(n))
  const value = report([...many(1500), {...keylessProfile(2000), title: 'r\u00e9sum\u00e9 \u2028'}, ...many(1500)])
  const expected = terminalSafeJson(value) + '\n'
  const dir = mkdtempSync(join(tmpdir(), 'keyless-json-out-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  /** A stream standing for stdout with that descriptor, which records what is written through it. */
  const standIn = (fd: number, extra: object = {}) => {
    const written: Buffer[] = []
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk)
        done()
      },
    })
    return {out: Object.assign(out, {fd}, extra), written}
  }

  it('a file: every byte through its descriptor, none through the stream', async () => {
    const file = join(dir, 'report.json')
    const fd = openSync(file, 'w')
    const {out, written} = standIn(fd)
    await writeReportJson(value, out)
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe(expected)
    expect(written).toEqual([])
  })

  it.each([
    ['on Windows', 'win32', {}],
    ['a terminal', 'linux', {isTTY: true}],
  ] as const)('%s: through the stream, though it has a descriptor', async (_name, platform, extra) => {
    const file = join(dir, `${platform}.json`)
    const fd = openSync(file, 'w')
    const {out, written} = standIn(fd, extra)
    await writeReportJson(value, out, platform)
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe('')
    expect(Buffer.concat(written).toString('utf8')).toBe(expected)
  })

  /** A child reading stdin as `script` says, its stdin socket (non-blocking, as Node.js makes it) standing for stdout. */
  const reader = (script: string) => {
    const child = spawn('sh', ['-c', script], {stdio: ['pipe', 'pipe', 'inherit']})
    const output: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => output.push(d))
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
    const socket = child.stdin as unknown as Writable & {_handle: {fd: number}}
    const writes = vi.spyOn(socket, 'write')
    return {socket: Object.assign(socket, {fd: socket._handle.fd}), output, exited, writes}
  }

  it('a non-blocking socket whose reader waits: what does not fit waits in the stream (EAGAIN), nothing lost', async () => {
    const {socket, output, exited, writes} = reader('sleep 0.5; cat')
    await writeReportJson(value, socket)
    // The socket holds far less than the 1.6 MB report: its writes failed with EAGAIN until the reader woke.
    expect(writes).toHaveBeenCalled()
    socket.end()
    await exited
    expect(Buffer.concat(output).toString('utf8')).toBe(expected)
  })

  it('a reader that goes away (EPIPE): resolves, quietly, with what it took', async () => {
    const {socket, output, exited} = reader('head -c 100')
    await writeReportJson(value, socket)
    await exited
    expect(Buffer.concat(output).toString('utf8')).toBe(expected.slice(0, 100))
  })
})

describe('keyless profiles kept as numbers (issue 22): the same findings, the same --json bytes', () => {
  /** Every character terminalSafeJson or JSON.stringify escapes, lone surrogates, the template's marks as text. */
  const odd = fc.constantFrom(
    '"',
    '\\',
    '\u0000',
    '\u0001',
    '\n',
    '\t',
    '\u001f',
    '\u007f',
    '\u0085',
    '\u009b',
    '\u009f',
    '\u061c',
    '\u200e',
    '\u200f',
    '\u2028',
    '\u2029',
    '\u202a',
    '\u202e',
    '\u2066',
    '\u2069',
    '\ud800',
    '\udfff',
    '\ud83d\ude00',
    'é',
    '\\u0000',
    '2147483647',
    '[',
    ']',
    ' ',
  )
  const text = fc.array(fc.oneof({weight: 3, arbitrary: fc.string({maxLength: 6})}, {weight: 2, arbitrary: odd}), {maxLength: 6})
  const name = fc.oneof(
    text.map((parts) => parts.join('')),
    fc.string({unit: 'binary', maxLength: 8}),
    fc.constant('acme-1.Admin'),
  )

  /** Profiles as a scan would hold them: names and header lines by section number. */
  function profilesOf(file: string, entries: Array<[string, number]>): KeylessProfiles {
    const records = {sectionName: (s: number) => entries[s]![0], sectionStart: (s: number) => entries[s]![1]}
    const profiles = new KeylessProfiles(records as unknown as ConfigRecords, file, '/home/u/.aws/config')
    for (let s = 0; s < entries.length; s++) profiles.add(s, 0)
    return profiles
  }

  it('writes each keyless profile as the serialiser writes its finding (random names, files, lines, other findings between)', () => {
    const other = (n: number): Finding =>
      rateFinding({kind: 'sso-profile', location: {file: '~/.aws/config', line: n, profile: `sso-${n}`, variable: null}}, undefined)
    fc.assert(
      fc.property(
        fc.oneof(
          text.map((parts) => '~/' + parts.join('')),
          fc.constant('~/.aws/config'),
        ),
        fc.array(fc.tuple(name, fc.nat({max: 1_000_000})), {minLength: 1, maxLength: 260}),
        fc.array(fc.nat({max: 300}), {maxLength: 8}),
        (file, entries, between) => {
          const profiles = profilesOf(file, entries)
          const findings: Finding[] = []
          for (let j = 0; j < profiles.count; j++) {
            findings.push(profiles.item(j))
            for (const at of between) if (at === j) findings.push(other(j))
          }
          const value = {...report(findings), fixed: []}
          const expected = terminalSafeJson({...value, findings: findings.map(plainFinding)}) + '\n'
          expect(Buffer.concat(reportJsonPieces(value)).toString('utf8')).toBe(expected)
          // Any other serialiser sees the findings themselves.
          expect(terminalSafeJson(value) + '\n').toBe(expected)
          expect(findings.map((f) => ({...plainFinding(f), title: f.title, location: f.location}))).toStrictEqual(
            findings.map(plainFinding),
          )
        },
      ),
      {numRuns: 300},
    )
  })

  it('writes the keyless profiles of a scanned file from its text as the serialiser writes them (random names, lines, files)', () => {
    // Every character a scanned header's name may hold (HEADER in profile-scan.ts), and the chunk's edges: names that
    // end a 64 KB chunk or do not fit in one.
    const headerChar = fc.constantFrom(...'!#$%&()*+,-./09:;<=>?@AZ[^_`az{|}~'.split(''))
    const scannedName = fc.oneof(
      fc.string({unit: headerChar, minLength: 1, maxLength: 12}),
      fc.nat({max: 70_000}).map((n) => 'p'.repeat(n + 1)),
    )
    const gap = fc.constantFrom('', '\n', '# a comment\n', '\n\n; another\n')
    const other = (n: number): Finding =>
      rateFinding({kind: 'sso-profile', location: {file: '~/.aws/config', line: n, profile: `sso-${n}`, variable: null}}, undefined)
    fc.assert(
      fc.property(
        fc.constantFrom('~/.aws/config', '~/caf\u00e9/config', '~/\ud83d\ude00 \u2028'),
        fc.uniqueArray(scannedName, {minLength: 1, maxLength: 40}),
        fc.array(gap, {minLength: 40, maxLength: 40}),
        fc.array(fc.nat({max: 40}), {maxLength: 4}),
        fc.nat({max: 250}),
        (file, names, gaps, between, copies) => {
          let text = '[sso-session acme]\nsso_region = us-east-1\n'
          for (const [j, name] of names.entries())
            text += `${gaps[j]}[profile ${name}]\ncredential_process = "/usr/bin/keyless" credential-process\nkeyless_session = acme\n`
          const scan = scanProfiles(text, ['credential_process'])
          expect(scan).toBeDefined()
          const profiles = new KeylessProfiles(scan!, file, '/home/u/.aws/config')
          for (let s = 1; s < scan!.sectionCount; s++) profiles.add(s, 0)
          expect(profiles.names()).toBeDefined()
          const findings: Finding[] = []
          // The same profiles over again: more than a chunk holds.
          for (let round = 0; round <= copies % 3; round++)
            for (let j = 0; j < profiles.count; j++) {
              findings.push(profiles.item(j))
              for (const at of between) if (at === j) findings.push(other(j))
            }
          const value = report(findings)
          const expected = terminalSafeJson({...value, findings: findings.map(plainFinding)}) + '\n'
          const pieces = reportJsonPieces(value)
          expect(Buffer.concat(pieces).toString('utf8')).toBe(expected)
          for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(CHUNK_BYTES)
        },
      ),
      {numRuns: 150},
    )
  })

  it('puts them where one sort of every finding did: ties with findings of the same line in the order they were found; --json too, from the merge plan', async () => {
    const base = mkdtempSync(join(tmpdir(), 'keyless-audit-order-'))
    try {
      const config = join(base, 'config')
      const lines = ['[default]', 'credential_process = k', 'keyless_session = acme', 'role_arn = arn:aws:iam::1:role/R']
      for (let n = 0; n < 400; n++) {
        const kind = n % 7
        lines.push(`[profile p${n}]`)
        if (kind !== 3) lines.push('credential_process = "/usr/bin/keyless" credential-process', 'keyless_session = acme')
        else lines.push('credential_process = /usr/bin/other')
        if (kind === 1) lines.push('role_arn = arn:aws:iam::1:role/R')
        if (kind === 2) lines.push('login_session = arn:aws:iam::1:user/u')
        if (kind === 4) lines.push('sso_session = acme')
        if (kind === 5) lines.push('aws_access_key_id = ASIAEMULATORTEMP0001', 'aws_secret_access_key = s', 'aws_session_token = t')
      }
      // The last section another kind of profile's: a finding after every keyless profile.
      lines.push('[profile last]', 'credential_process = /usr/bin/other')
      writeFileSync(config, lines.join('\n') + '\n')
      chmodSync(config, 0o644)
      // The same file as the credentials file too: its keys are found twice, in two lists.
      for (const credentials of [join(base, 'none'), config]) {
        const env = {HOME: base, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials}
        const {report: got, entries} = await takeInventory({env, offline: true, scan: []})
        // --json writes the report from its parts, where the merge plan puts the keyless profiles: never reading its
        // findings, which would make an object of each.
        const lazy = Object.getOwnPropertyDescriptor(got, 'findings')!
        Object.defineProperty(got, 'findings', {
          ...lazy,
          get: () => {
            throw new Error('the findings were read')
          },
        })
        const json = Buffer.concat(reportJsonPieces(got)).toString('utf8')
        Object.defineProperty(got, 'findings', lazy)
        const drafts = await awsFileDrafts(env)
        const expected = drafts.map((d) => rateFinding(d, d.key ? {status: 'unchecked'} : undefined)).sort(compareFindings)
        expect(got.findings.map(plainFinding)).toStrictEqual(expected)
        expect(json).toBe(terminalSafeJson({...got, findings: expected}) + '\n')
        expect(got.findings.filter((f) => f.kind === 'keyless-profile')).toHaveLength(344)
        expect(entries.some((e) => e.finding.kind === 'keyless-profile')).toBe(false)
      }
    } finally {
      rmSync(base, {recursive: true, force: true})
    }
  })
})

describe('mergeRuns: the merge plan as stretches of one kind', () => {
  it('walks every finding once, in the order the plan gives, in the fewest stretches', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.array(fc.nat(40), {maxLength: 12}), (profiles, raw) => {
        // A plan: for each other finding, how many profiles come before it (never fewer than for the one before).
        const plan = Int32Array.from([...raw].sort((a, b) => a - b).map((n) => Math.min(n, profiles)))
        const runs = mergeRuns(plan, plan.length, profiles)
        // What the plan says, one item at a time: profiles before each finding, then the rest.
        const expected: string[] = []
        let j = 0
        plan.forEach((before, i) => {
          for (; j < before; j++) expected.push(`p${j}`)
          expected.push(`o${i}`)
        })
        for (; j < profiles; j++) expected.push(`p${j}`)
        const walked = runs.flatMap(({profiles: isProfiles, from, to}) =>
          Array.from({length: to - from}, (_, k) => `${isProfiles ? 'p' : 'o'}${from + k}`),
        )
        expect(walked).toEqual(expected)
        for (const [k, run] of runs.entries()) {
          expect(run.to).toBeGreaterThan(run.from)
          if (k > 0) expect(run.profiles).not.toBe(runs[k - 1]!.profiles)
        }
      }),
    )
  })
})

describe('the human report of 3,000 keyless profiles (issue 22)', () => {
  it('is one line naming the first profiles, cut at 100 characters', () => {
    const text = renderReport(report(Array.from({length: 3000}, (_, n) => keylessProfile(n))), {colour: false})
    const names = Array.from({length: 3000}, (_, n) => `acme-${n}.AdministratorAccess`).join(', ')
    expect(text).toBe(
      `INFO (3000)\n  3000 keyless profiles: ${names.slice(0, 97)}...  (~/.aws/config)\n\n3000 findings: 0 critical, 0 high, 0 medium, 3000 info. Nothing to fix.\n`,
    )
    // Short lists are shown whole.
    const short = (name: string) => ({...keylessProfile(0), location: {file: '~/.aws/config', line: 1, profile: name, variable: null}})
    const four = renderReport(report(['dev', 'prod', 'stage', 'test'].map(short)), {colour: false})
    expect(four).toContain('  4 keyless profiles: dev, prod, stage, test  (~/.aws/config)\n')
  })

  it('is printed from the scan, without a finding per keyless profile: the same text, summary and --json as from the findings', async () => {
    const base = mkdtempSync(join(tmpdir(), 'keyless-audit-human-'))
    try {
      for (const count of [0, 1, 3, 4, 400]) {
        const config = join(base, `config-${count}`)
        // Other findings of every severity between the keyless profiles, info ones too (they are listed after the line).
        const lines = ['[profile sso-first]', 'sso_session = acme', '[sso-session acme]', 'sso_start_url = https://acme.awsapps.com/start']
        for (let n = 0; n < count; n++) {
          lines.push(`[profile acme-${n}.Admin]`, 'credential_process = "/usr/bin/keyless" credential-process', 'keyless_session = acme')
          if (n % 97 === 5) lines.push(`[profile other-${n}]`, 'credential_process = /usr/bin/other')
          if (n % 131 === 7) lines.push(`[profile key-${n}]`, 'aws_access_key_id = AKIAEMULATORKEY00001', 'aws_secret_access_key = s')
        }
        lines.push('[profile role-last]', 'role_arn = arn:aws:iam::1:role/R', 'source_profile = sso-first')
        writeFileSync(config, lines.join('\n') + '\n')
        chmodSync(config, 0o644)
        const env = {HOME: base, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(base, 'none')}
        const made = vi.spyOn(KeylessProfiles.prototype, 'item')
        try {
          const {report: got} = await takeInventory({env, offline: true, scan: []})
          const text = [false, true].map((colour) => renderReport(got, {colour}))
          // Issue 22: 3,000 keyless profiles are one line and a count; none of their findings is made for it (3 or
          // fewer are listed one by one, from their findings).
          expect(made).toHaveBeenCalledTimes(count > 3 ? 0 : count)
          const plain: AuditReport = {findings: [...got.findings], summary: report(got.findings).summary}
          expect(made).toHaveBeenCalledTimes(count)
          expect(text).toStrictEqual([false, true].map((colour) => renderReport(plain, {colour})))
          expect(got.summary).toStrictEqual(plain.summary)
          expect(terminalSafeJson(got)).toBe(terminalSafeJson({findings: plain.findings.map(plainFinding), summary: plain.summary}))
          if (count > 3) expect(text[0]!).toContain(`  ${count} keyless profiles: acme-0.Admin, acme-1.Admin`)
          else expect(text[0]!.split('keyless profile [acme-')).toHaveLength(count + 1)
        } finally {
          made.mockRestore()
        }
      }
    } finally {
      rmSync(base, {recursive: true, force: true})
    }
  })
})

describe('awsFileDrafts: what each profile of the AWS files is (read in one pass over its keys)', () => {
  const base = mkdtempSync(join(tmpdir(), 'keyless-audit-drafts-'))
  afterAll(() => rmSync(base, {recursive: true, force: true}))

  it('every kind of profile, keys with their region and token, shadowing', async () => {
    mkdirSync(join(base, '.aws'))
    const config = join(base, '.aws', 'config')
    const credentials = join(base, '.aws', 'credentials')
    writeFileSync(
      config,
      [
        '[default]',
        'region = eu-west-1',
        '[profile ours]',
        'credential_process = "/usr/bin/keyless" credential-process --session acme --account-id 1 --role-name R',
        'region = us-east-1',
        'keyless_session = acme',
        '[profile theirs]',
        'Credential_Process = /usr/local/bin/aws-vault export --format=json prod',
        '[profile both]',
        'credential_process = "/usr/bin/keyless" credential-process --session acme --account-id 1 --role-name R',
        'keyless_session = acme',
        'sso_session = acme',
        '[profile sso]',
        'sso_start_url = https://x.awsapps.com/start',
        '[profile console]',
        'login_session = arn:aws:iam::111111111111:root',
        '[profile chain]',
        'role_arn = arn:aws:iam::111111111111:role/R',
        'source_profile = ours',
        '[profile temp]',
        'AWS_ACCESS_KEY_ID = ASIAEMULATORTEMP0001',
        'aws_secret_access_key = temp-secret',
        'aws_security_token = temp-token',
        'region = ap-south-1',
        '[profile plain]',
        'output = json',
        '  ',
        '[profile blank-id]',
        'aws_access_key_id =',
        'aws_secret_access_key = x',
        // A profile named "" is no profile audit reports, keyless or not.
        '[profile ""]',
        'credential_process = "/usr/bin/keyless" credential-process',
        'keyless_session = acme',
        '[sso-session acme]',
        'sso_region = us-east-1',
        '',
      ].join('\n'),
    )
    writeFileSync(
      credentials,
      [
        '[ours]',
        'aws_secret_access_key = long-secret',
        'aws_access_key_id = AKIAEMULATORUSER0001',
        '[default]',
        'aws_access_key_id = AKIAEMULATORUSER0002',
        'aws_secret_access_key = other-secret',
        'aws_session_token = session-token',
        'region = us-west-2',
        '[nokey]',
        'region = us-east-2',
        '',
      ].join('\n'),
    )
    chmodSync(config, 0o600)
    chmodSync(credentials, 0o644)
    const env = {HOME: base, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials}
    const drafts = await awsFileDrafts(env)
    const shown = drafts.map(({kind, location, key, temporary, detail, action, holdsSecret}) => ({
      kind,
      at: `${location.file}:${location.line}:${location.profile}`,
      ...(key ? {key: `${key.accessKeyId}/${key.secretAccessKey}/${key.sessionToken ?? ''}/${key.region ?? ''}`, temporary} : {}),
      ...(detail ? {detail} : {}),
      ...(action ? {action: action.type} : {}),
      ...(holdsSecret !== undefined ? {holdsSecret} : {}),
    }))
    expect(shown).toEqual([
      {
        kind: 'credentials-file-key',
        at: '~/.aws/credentials:3:ours',
        key: 'AKIAEMULATORUSER0001/long-secret//us-east-1',
        temporary: false,
        action: 'remove-key',
      },
      {
        kind: 'shadowed-profile',
        at: '~/.aws/credentials:1:ours',
        detail: 'its key in ~/.aws/credentials wins over the credential_process of ~/.aws/config',
      },
      {
        kind: 'credentials-file-key',
        at: '~/.aws/credentials:5:default',
        key: 'AKIAEMULATORUSER0002/other-secret/session-token/us-west-2',
        temporary: true,
        action: 'remove-key',
      },
      {kind: 'keyless-profile', at: '~/.aws/config:3:ours'},
      {kind: 'credential-process-profile', at: '~/.aws/config:7:theirs', detail: '/usr/local/bin/aws-vault'},
      {kind: 'keyless-profile', at: '~/.aws/config:9:both'},
      {kind: 'shadowed-profile', at: '~/.aws/config:9:both', detail: 'its sso_* keys win over its credential_process'},
      {kind: 'sso-profile', at: '~/.aws/config:13:sso'},
      {kind: 'login-session-profile', at: '~/.aws/config:15:console', detail: 'arn:aws:iam::111111111111:root'},
      {kind: 'assume-role-profile', at: '~/.aws/config:17:chain'},
      {
        kind: 'config-file-key',
        at: '~/.aws/config:21:temp',
        key: 'ASIAEMULATORTEMP0001/temp-secret/temp-token/ap-south-1',
        temporary: true,
        action: 'remove-key',
      },
      {kind: 'file-permissions', at: '~/.aws/credentials:null:null', action: 'chmod', holdsSecret: true},
    ])
  })
})
