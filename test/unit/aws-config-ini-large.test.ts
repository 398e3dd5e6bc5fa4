import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {ConfigSyntaxError} from '../../src/aws-config/errors.js'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readSsoSessionSection, readSsoSessionSectionText} from '../../src/aws-config/session-section.js'
import {
  type ConfigDocument,
  type ConfigSection,
  configRecords,
  findSection,
  findSsoSessionSection,
  getKey,
  parseConfig,
  serializeConfig,
} from '../../src/aws-config/ini.js'
import {parseConfig as referenceParse} from '../helpers/ini-reference.js'

// The parser was rewritten for speed (issue 22); test/helpers/ini-reference.ts is the parser as it was, kept as
// the reference: the new one must build the very same model. Timing itself is in `npm run bench`.

/** A config of `sections` sections of every kind keyless meets, about 100 bytes each, with CRLF, comments, nesting. */
function largeConfig(sections: number): string {
  const out: string[] = ['# a large organisation', '[default]', 'region = us-east-1', '']
  for (let n = 0; out.length < sections * 6; n++) {
    const id = String(100_000_000_000 + n * 7919)
    switch (n % 10) {
      case 0:
        out.push(
          `[sso-session s${n}]`,
          `sso_start_url = https://s${n}.awsapps.com/start`,
          'sso_region : eu-west-1',
          'keyless_store=keychain',
        )
        break
      case 1:
        out.push(
          `[profile "quoted ${n}"]  `,
          '; a comment',
          `Region = us-west-2`,
          's3 =',
          '  max_concurrent_requests = 20',
          '\tsigned = yes',
        )
        break
      case 2:
        out.push(`[profile two words ${n}]`, `  [indented ${n}]`, `x = y`, '', '# dropped by botocore')
        break
      case 3:
        out.push(`[services svc${n}]`, 'ec2 =', '  endpoint_url = https://localhost')
        break
      case 4:
        out.push(`[plain section ${n}] trailing text`, 'key: value with = and : inside   ', '    continued line')
        break
      default:
        out.push(
          `[profile acct-${n}.AdministratorAccess]`,
          `credential_process = /usr/local/bin/keyless credential-process --session acme --account-id ${id} --role-name AdministratorAccess`,
          'region = us-east-1',
          'keyless_session = acme',
          '',
        )
    }
  }
  // Every line ending botocore reads, mixed, and no final newline.
  return out.map((line, i) => line + (i % 7 === 0 ? '\r\n' : i % 13 === 0 ? '\r' : '\n')).join('') + '[profile last]\nregion = x'
}

/** The model a document gives, as plain data (a parsed document makes its sections and lines on demand). */
const plain = (doc: ConfigDocument) => ({
  bom: doc.bom,
  lines: doc.lines,
  sections: doc.sections,
  eol: doc.eol,
  finalNewline: doc.finalNewline,
  ignored: doc.ignored,
})

/** The model the previous parser gives, and the same bytes back; or the very error it throws. */
function expectAsReference(text: string): void {
  let reference: ReturnType<typeof referenceParse> | Error
  try {
    reference = referenceParse(text)
  } catch (error) {
    reference = error as Error
  }
  if (reference instanceof Error) {
    expect(() => parseConfig(text)).toThrow(reference.message)
    return
  }
  expect(plain(parseConfig(text))).toStrictEqual(reference)
  expect(serializeConfig(parseConfig(text))).toBe(text)
}

describe('the AWS config parser on a large file', () => {
  it('gives the same model as the previous parser for a 1 MB config of 10,000 sections and round-trips it byte for byte', () => {
    const text = largeConfig(10_000)
    const doc = parseConfig(text)
    expect(text.length).toBeGreaterThan(1_000_000)
    expect(doc.sections.length).toBeGreaterThanOrEqual(10_000)
    expect(plain(doc)).toStrictEqual(referenceParse(text))
    expect(serializeConfig(doc)).toBe(text)
    const bom = '\ufeff' + text.replaceAll(/\r\n?/g, '\n')
    expect(plain(parseConfig(bom))).toStrictEqual(referenceParse(bom))
    expect(serializeConfig(parseConfig(bom))).toBe(bom)
  }, 300_000) // comparing two models of 60,000 lines takes seconds on a busy machine

  it('finds a profile or sso-session by name without the others, as the same object the whole list holds', () => {
    const text = largeConfig(2_000)
    const looked = parseConfig(text)
    // Looked up first, on a document whose sections were not made yet; then held against the whole list.
    const names = referenceParse(text)
      .sections.filter((s) => s.type === 'profile' || s.type === 'sso-session')
      .map((s) => [s.type, s.name] as const)
    expect(names.length).toBeGreaterThan(1_000)
    const found = names.map(([type, name]) => findSection(looked, type, name))
    for (const [k, [type, name]] of names.entries()) {
      expect(found[k]).toBe(looked.sections.find((s) => s.type === type && s.name === name))
    }
    expect(findSection(looked, 'profile', 'no such profile')).toBeUndefined()
    expect(findSection(looked, 'sso-session', 'acct-5.AdministratorAccess')).toBeUndefined()
    expect(findSection(looked, 'profile', 'quoted 1')?.header).toBe('profile "quoted 1"')
  })

  it('reads key lines as the previous parser does, on the fast path for synced lines and off it (random files)', () => {
    // The scanner takes `name = value` lines of a synced profile through one regex match; near misses take the
    // general path. Both must give the reference model, or fail with its line and reason (a key set twice).
    const name = fc.constantFrom(
      'region',
      'Region',
      'REGION',
      'credential_process',
      'keyless_session',
      'a',
      'x9_',
      's3',
      'rÉgion',
      '9lives',
    )
    const delimiter = fc.constantFrom(' = ', '=', ' =', '= ', '  =  ', ' : ', ':', '\t=\t', ' = = ')
    const value = fc.constantFrom('us-east-1', 'x', '', ' ', 'a b', 'trailing ', 'tab\t', 'é', 'v\u0085', 'v\x1c', '"q"', 'a = b : c', '~')
    const keyLine = fc.tuple(fc.constantFrom('', '', '', ' ', '\t'), name, delimiter, value).map((parts) => parts.join(''))
    const line = fc.oneof(
      {weight: 8, arbitrary: keyLine},
      {weight: 1, arbitrary: fc.constantFrom('[profile p]', '[profile q]', '[default]', '[sso-session s]', '[profile "p"]')},
      {weight: 1, arbitrary: fc.constantFrom('', '# c', '  nested = 1')},
      // A section of many keys, whose names the scanner keeps in a set until the next header, whichever path takes it.
      {weight: 1, arbitrary: fc.constant(Array.from({length: 17}, (_, k) => `many${k} = v`).join('\n'))},
    )
    const file = fc
      .tuple(fc.array(fc.tuple(line, fc.constantFrom('\n', '\n', '\n', '\r\n', '\r')), {maxLength: 25}), fc.boolean())
      .map(([lines, ascii]) => '[profile start]\n' + lines.map(([l, e]) => (ascii ? l.replace(/[^\0-\x7f]/g, 'e') : l) + e).join(''))
    fc.assert(
      fc.property(file, (text) => expectAsReference(text)),
      {numRuns: 3000},
    )
  })

  it('gives the same model as the previous parser, or the same error, on any mix of lines (random files)', () => {
    const piece = fc.constantFrom(
      '[default]',
      '[profile a]',
      '[profile "a"]',
      "[profile 'b c']",
      '[profile a b]',
      '[sso-session s]',
      '[services x]',
      '[x]',
      '[]',
      '[unclosed',
      '[profile a] trailing',
      ' [indented]',
      'region = us-east-1',
      'Region=eu-west-1',
      'k : v',
      's3 =',
      '  max = 1',
      '\tsigned = yes',
      '  no equals',
      '# c',
      '; c',
      '  # c',
      '',
      ' ',
      '\t',
      'v\u0085',
      '\u00a0x = 1',
      'x = [profile a]',
      '= v',
      'k =',
      'k = v = w',
      'ключ = значение',
      '\u2028',
      'a\u0000b = c',
    )
    const eol = fc.constantFrom('\n', '\r\n', '\r', '\n\r', '')
    const file = fc
      .tuple(fc.boolean(), fc.array(fc.tuple(piece, eol), {maxLength: 30}))
      .map(([bom, lines]) => (bom ? '\ufeff' : '') + lines.map(([l, e]) => l + e).join(''))
    fc.assert(
      fc.property(file, (text) => expectAsReference(text)),
      {numRuns: 3000},
    )
  })

  it('fails where the previous parser fails, with the same line and reason', () => {
    const base = largeConfig(300).split('\n')
    const bad = [
      '[profile acct-5.AdministratorAccess]',
      'REGION = dup',
      'no delimiter',
      '[]',
      '[unclosed',
      '= novalue',
      '  nested-no-eq',
      ' ',
      '[profile acct-15.AdministratorAccess]',
      '[profile "acct-25.AdministratorAccess"]',
      'Credential_Process = twice, written differently',
      'rÉgion = non-ASCII',
      '[services svc3]',
      '[default]',
    ]
    for (const [k, line] of bad.entries()) {
      const lines = [...base]
      lines.splice(100 + k * 97, 0, line)
      expectAsReference(lines.join('\n'))
    }
  })
})

// findSsoSessionSection (credential-process's cache hit) must read the section exactly as parseConfig does (its
// line indexes count from the header, so the keys are compared by name and value).
const SESSION = 'acme'
const keysOf = (section: ConfigSection | undefined) => section?.keys.map(({name, value}) => ({name, value}))
const eol = fc.constantFrom('\n', '\r\n', '\r')
const blank = fc.constantFrom('', ' ', '\t', '   ')
const indent = fc.constantFrom('', '', '', ' ', '  ', '\t', '\u00a0', '\u3000', '\f')
const sessionHeader = fc.constantFrom(
  `[sso-session ${SESSION}]`,
  `[sso-session "${SESSION}"]`,
  `[sso-session '${SESSION}']`,
  `[sso-session  ${SESSION} ]`,
  `[sso-sessionX ${SESSION}]`,
  `[sso-session ${SESSION}] trailing`,
  `[sso-session ${SESSION}`,
  `[sso-session ${SESSION} extra]`,
  `[sso-session ${SESSION}x]`,
  `# [sso-session ${SESSION}]`,
  `key = [sso-session ${SESSION}]`,
  `[ sso-session ${SESSION}]`,
  // Found in two parts ([sso-, then session): part of a mention, and a mention right after a part.
  `[sso-sess ${SESSION}]`,
  `[sso-[sso-session ${SESSION}]`,
  `[sso-`,
)
const otherHeader = fc.constantFrom('[default]', '[profile dev]', '[sso-session other]', '[services s]', '[profile "a b"]', '[x]')
const keyLine = fc
  .tuple(
    fc.constantFrom('sso_start_url', 'SSO_Region', 'sso_region', 'keyless_store', 'Keyless_Store', 's3', 'x'),
    fc.constantFrom(' = ', '=', ': ', ' :', '\t=\t'),
    fc.constantFrom('https://acme.awsapps.com/start', 'us-east-1', '', 'kernel-keyring', 'a = b : c', ' spaced  ', '[sso-session acme]'),
  )
  .map(([k, d, v]) => `${k}${d}${v}`)
const line = fc.oneof(
  {weight: 2, arbitrary: sessionHeader},
  {weight: 2, arbitrary: otherHeader},
  {weight: 6, arbitrary: keyLine},
  {weight: 1, arbitrary: fc.constantFrom('# comment', '; comment', '  # indented comment', 'not a key', '[]', '\ufeff[x]')},
  {weight: 2, arbitrary: blank},
)
const config = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(indent, line, eol), {maxLength: 30}), fc.boolean())
  .map(([bom, lines, finalEol]) => {
    const text = lines.map(([i, l, e]) => i + l + e).join('')
    return (bom ? '\ufeff' : '') + (finalEol ? text : text.replace(/(\r\n|\n|\r)$/, ''))
  })

describe('configRecords: the sections and keys read in place (issue 22: audit makes no section object)', () => {
  /** Names looked up, as callers write them (lower case), and names whose lower case changes length or is ASCII. */
  const probes = ['region', 'credential_process', 'keyless_session', 'sso_', 'sso_start_url', 's', 're', 'k', 'i\u0307x', 'kelvin', '']

  /** Everything a ConfigSection holds, and every probe's answer, as the records give them and as the objects do. */
  function expectAsSections(text: string): void {
    const doc = parseConfig(text)
    const records = configRecords(doc)!
    const both = [...probes, ...probes.map((p) => `${p}*`)]
    const each = records.keysOfEach(both)
    const fromRecords = Array.from({length: records.sectionCount}, (_, s) => {
      const keys = []
      for (let k = records.firstKey(s); k < records.endKey(s); k++) {
        keys.push({
          name: records.keyName(k),
          value: records.keyValue(k),
          line: records.keyLine(k),
          is: probes.filter((p) => records.keyIs(k, p)),
          startsWith: probes.filter((p) => records.keyStartsWith(k, p)),
        })
      }
      return {
        hasName: records.hasName(s),
        // keysOfEach's row is keysOf's answer.
        each: [...each.subarray(s * both.length, (s + 1) * both.length)].map((k) => (k < 0 ? undefined : records.keyValue(k))),
        type: records.sectionType(s),
        name: records.sectionName(s),
        header: records.sectionHeader(s),
        start: records.sectionStart(s),
        keys,
        found: probes.map((p) => (records.findKey(s, p) < 0 ? undefined : records.keyValue(records.findKey(s, p)))),
        // Every probe's key in one call, and with `*` the first key whose name starts with it.
        all: [...records.keysOf(s, [...probes, ...probes.map((p) => `${p}*`)], new Int32Array(probes.length * 2))].map((k) =>
          k < 0 ? undefined : records.keyValue(k),
        ),
        lookedUp: ((type) => (type === 'profile' || type === 'sso-session' ? records.find(type, records.sectionName(s)) : -1))(
          records.sectionType(s),
        ),
      }
    })
    const fromObjects = doc.sections.map((s, index) => ({
      hasName: s.name !== '',
      each: [...probes.map((p) => getKey(s, p)), ...probes.map((p) => s.keys.find((k) => k.name.startsWith(p))?.value)],
      type: s.type,
      name: s.name,
      header: s.header,
      start: s.start,
      keys: s.keys.map((k) => ({
        name: k.name,
        value: k.value,
        line: k.line,
        is: probes.filter((p) => k.name === p),
        startsWith: probes.filter((p) => k.name.startsWith(p)),
      })),
      found: probes.map((p) => getKey(s, p)),
      all: [...probes.map((p) => getKey(s, p)), ...probes.map((p) => s.keys.find((k) => k.name.startsWith(p))?.value)],
      lookedUp: s.type === 'profile' || s.type === 'sso-session' ? index : -1,
    }))
    expect(fromRecords).toStrictEqual(fromObjects)
  }

  it('answers what the section objects hold, for every section and key (random files, every case of names)', () => {
    const piece = fc.constantFrom(
      '[default]',
      '[profile a]',
      "[profile 'b c']",
      '[profile a b]',
      '[profile ""]',
      '[sso-session s]',
      '[services x]',
      '[x]',
      'region = us-east-1',
      'REGION=eu-west-1',
      'Credential_Process = /bin/x',
      'keyless_session = acme',
      'SSO_start_url : https://x',
      'sso_region = y',
      'k : v',
      's3 =',
      '  max = 1',
      '# c',
      '',
      '\u0130X = dotted capital I: two characters lower-cased',
      '\u212Aelvin = the Kelvin sign lower-cases to k',
      'ключ = значение',
    )
    const file = fc.array(piece, {maxLength: 30}).map((lines) => lines.join('\n'))
    fc.assert(
      fc.property(file, (text) => {
        let parsed = true
        try {
          parseConfig(text)
        } catch {
          parsed = false
        }
        if (parsed) expectAsSections(text)
      }),
      {numRuns: 2000},
    )
  })

  it('reads the 10,000 sections of a large file as the objects do', () => {
    expectAsSections(largeConfig(10_000))
  }, 120_000)
})

describe('findSsoSessionSection', () => {
  it('reads the [sso-session] section exactly as parseConfig does (differential, random files)', () => {
    fc.assert(
      fc.property(config, (text) => {
        let full
        try {
          full = findSection(parseConfig(text), 'sso-session', SESSION)
        } catch (error) {
          if (!(error instanceof ConfigSyntaxError)) throw error
          // The whole file is unreadable: the scan answers for the section alone, or fails with the same error.
          try {
            findSsoSessionSection(text, SESSION)
          } catch (scanError) {
            expect(scanError).toBeInstanceOf(ConfigSyntaxError)
          }
          return
        }
        const section = findSsoSessionSection(text, SESSION)
        expect(keysOf(section)).toStrictEqual(keysOf(full))
        expect(section && {header: section.header, name: section.name, type: section.type}).toStrictEqual(
          full && {header: full.header, name: full.name, type: full.type},
        )
      }),
      {numRuns: 3000},
    )
  })

  it('reads the same from the file in chunks (readSsoSessionSection: the cache hit), whatever the chunk size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-ini-'))
    const file = join(dir, 'config')
    try {
      fc.assert(
        fc.property(config, fc.constantFrom(8, 16, 64, 65536), (text, chunk) => {
          writeFileSync(file, text)
          let full
          try {
            full = findSection(parseConfig(text), 'sso-session', SESSION)
          } catch (error) {
            if (!(error instanceof ConfigSyntaxError)) throw error
            try {
              readSsoSessionSection(file, SESSION, chunk)
            } catch (scanError) {
              expect(scanError).toBeInstanceOf(ConfigSyntaxError)
            }
            return
          }
          expect(keysOf(readSsoSessionSection(file, SESSION, chunk))).toStrictEqual(keysOf(full))
        }),
        {numRuns: 1000},
      )
      // What the cache hit sends its keychain read on (onSection): handed over at most once, and the answer is that
      // very text, or else the whole file's (a section the rest of the file replaced), never a third one.
      fc.assert(
        fc.property(config, fc.constantFrom(8, 16, 64, 65536), (text, chunk) => {
          writeFileSync(file, text)
          const seen: string[] = []
          const answer = readSsoSessionSectionText(file, SESSION, chunk, (section) => seen.push(section))
          expect(seen.length).toBeLessThanOrEqual(1)
          expect(answer).toBe(readSsoSessionSectionText(file, SESSION, chunk))
          if (answer === undefined) expect(seen).toEqual([])
          else if (answer !== readFileSync(file, 'utf8')) expect(seen).toEqual([answer])
        }),
        {numRuns: 1000},
      )
      writeFileSync(file, largeConfig(3000) + `\n[sso-session ${SESSION}]\nsso_region = eu-west-1\n[profile after]\nx = 1\n`)
      expect(keysOf(readSsoSessionSection(file, SESSION))).toStrictEqual([{name: 'sso_region', value: 'eu-west-1'}])
      expect(readSsoSessionSection(file, 'missing')).toBeUndefined()
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('refuses what parseConfig refuses about the section itself: a duplicate, a repeated key, a bad line', () => {
    const dup = `[sso-session ${SESSION}]\nsso_region = a\n[profile x]\n[sso-session "${SESSION}"]\n`
    expect(() => findSsoSessionSection(dup, SESSION)).toThrow(/duplicate section \[sso-session acme\] \(first at line 1\)/)
    const twice = `[default]\nx = 1\n\n[sso-session ${SESSION}]\nsso_region = a\nSSO_REGION = b\n`
    expect(() => findSsoSessionSection(twice, SESSION)).toThrow(/line 6: "SSO_REGION" is set twice/)
    const bad = `[sso-session ${SESSION}]\ns3 =\n  no-equals\n`
    expect(() => findSsoSessionSection(bad, SESSION)).toThrow(ConfigSyntaxError)
  })

  it('finds the section in a large file, and nothing when the session is not there', () => {
    const text =
      largeConfig(10_000) +
      `\n[sso-session ${SESSION}]\r\nsso_start_url = https://acme.awsapps.com/start\r\n  # note\r\nsso_region=eu-west-1\n`
    expect(keysOf(findSsoSessionSection(text, SESSION))).toStrictEqual(keysOf(findSection(parseConfig(text), 'sso-session', SESSION)))
    expect(findSsoSessionSection(text, 'missing')).toBeUndefined()
  })
})
