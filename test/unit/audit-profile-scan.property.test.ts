import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {ConfigSyntaxError} from '../../src/aws-config/errors.js'
import {configRecords, parseConfig} from '../../src/aws-config/ini.js'
import {type ProfileRecords, scanProfiles} from '../../src/audit/profile-scan.js'
import {OWN_CREDENTIAL_KEYS, PROFILE_KEYS} from '../../src/audit/sources.js'

// Issue 22: audit reads a file of plain shapes with its own scan (profile-scan.ts), any other with the lossless
// parser. Where the scan reads a file, everything audit asks of it must be what the parser's records answer, to the
// key numbers; a file the parser refuses (audit's `unreadable` finding, with its line) the scan must refuse too.
// Random files are built from every odd shape: comments (`#`, `;`, indented), blank and blank-looking lines, nested
// sub-sections and continuation lines, CRLF and lone CR, key case and spacing, keys and sections written twice,
// headers botocore splits or drops, a missing final newline, a byte order mark, UTF-8, lines the parser refuses, and
// the synced profile's three keys (the scan's one-match shape) with keys before, after and twice.

const SYNCED = (name: string) => [
  `[profile ${name}]`,
  `credential_process = "/usr/local/lib/node_modules/keyless/bin/run.js" credential-process --session acme --account-id 100000000000 --role-name ${name}`,
  'region = us-east-1',
  'keyless_session = acme',
]

const HEADERS = [
  '[default]',
  '[profile a]',
  '[profile b.Admin]',
  '[profile x]',
  '[sso-session acme]',
  '[sso-session a]',
  '[services local]',
  '[services]',
  '[servicesx]',
  '[foo]',
  '[a]',
  '[Default]',
  '[default ]',
  '[profile "a"]',
  "[profile 'q r']",
  '[profile a b]',
  '[profile]',
  '[profilex]',
  '[profiles]',
  '[sso-sessionx]',
  '[sso-session]',
  '[profile a] # trailing',
  '[profile a]  ',
  ' [profile c]',
  '\t[default]',
  '[]',
  '[unclosed',
  '[a]b]',
  '[profile é]',
  '[profile\ta]',
  '[profile  a]',
  '[profile a\\b]',
  '[[profile a]',
]

const KEYS = [
  'credential_process = "/k/run.js" credential-process --session acme',
  'credential_process = /opt/other-tool --flag',
  'region = us-east-1',
  'keyless_session = acme',
  'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'aws_session_token = token',
  'aws_security_token = token',
  'login_session = arn:aws:iam::111111111111:root',
  'role_arn = arn:aws:iam::111111111111:role/x',
  'credential_source = Ec2InstanceMetadata',
  'sso_start_url = https://acme.awsapps.com/start',
  'sso_region = us-east-1',
  'sso_session = acme',
  'sso_ = x',
  'ssox = y',
  'sso_x = é ☕',
  'output = json',
  'note = a = b : c',
  'Region = eu-west-1',
  'REGION = eu-west-1',
  'region=eu-west-1',
  'region =eu-west-1',
  'region: eu-west-1',
  'region  =  eu-west-1',
  'region = eu-west-1 ',
  'region = ',
  'region =',
  's3 =',
  '  max_concurrent_requests = 20',
  '\taddressing_style = path',
  '    # inside a block',
  '  nonsense',
  'keyless_session = acme\u2028',
  'aws_access_key_id = \u00a0AKIA',
  'région = x',
  '_key = x',
  '1key = x',
]

const OTHER_LINES = [
  '',
  '',
  '# a comment',
  '; another',
  '   # indented',
  '\t; tabbed',
  '#',
  '# café ☕',
  '   ',
  '\t',
  'just words',
  '= no name',
  ':x',
]

const line = fc.oneof(
  {weight: 2, arbitrary: fc.constantFrom(...HEADERS).map((l) => [l])},
  {weight: 6, arbitrary: fc.constantFrom(...KEYS).map((l) => [l])},
  {weight: 3, arbitrary: fc.constantFrom(...OTHER_LINES).map((l) => [l])},
  {weight: 3, arbitrary: fc.constantFrom('a', 'b.Admin', 'x', 'y', 'z.Read').map(SYNCED)},
)

/** A file: its lines, mostly plain (so that the scan reads many of them), with odd ones mixed in. */
const file = fc
  .record({
    plain: fc.boolean(),
    lines: fc.array(line, {maxLength: 24}),
    eol: fc.constantFrom('\n', '\n', '\n', '\r\n', '\r', 'mixed'),
    bom: fc.constantFrom(false, false, false, true),
    finalNewline: fc.constantFrom(true, true, true, false),
    seed: fc.array(fc.boolean(), {minLength: 32, maxLength: 32}),
  })
  .map(({plain, lines, eol, bom, finalNewline, seed}) => {
    const all = lines.flat()
    if (all.length === 0) return ''
    // Mixed: LF mostly, CRLF and a lone CR here and there (a comment's lone CR ends it, for the parser).
    const ending = (n: number) => (eol !== 'mixed' ? eol : seed[n % 32] ? '\n' : seed[(n + 7) % 32] ? '\r\n' : '\r')
    // A plain file: LF, no BOM, final newline (the shapes of every line still vary).
    const text = all.map((l, n) => l + (plain ? '\n' : ending(n))).join('')
    if (plain) return text
    return (bom ? '\ufeff' : '') + (finalNewline ? text : text.replace(/(\r\n|\n|\r)$/, ''))
  })

/** The names audit asks findKey for beyond PROFILE_KEYS. */
const LOOKED_UP = ['region', ...OWN_CREDENTIAL_KEYS, 'output', 's3']

/** Everything audit reads of a file's records (sources.ts, keyless-profiles.ts). */
function reading(records: ProfileRecords) {
  const table = Array.from(records.keysOfEach(PROFILE_KEYS))
  return {
    sections: Array.from({length: records.sectionCount}, (_, s) => ({
      type: records.sectionType(s),
      name: records.sectionName(s),
      header: records.sectionHeader(s),
      start: records.sectionStart(s),
      hasName: records.hasName(s),
      found: LOOKED_UP.map((name) => records.findKey(s, name)),
    })),
    table,
    keys: table.filter((k) => k >= 0).map((k) => ({k, line: records.keyLine(k), value: records.keyValue(k)})),
  }
}

function parsed(text: string): ReturnType<typeof reading> | ConfigSyntaxError {
  try {
    return reading(configRecords(parseConfig(text, {path: '~/.aws/config'}))!)
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return error
    throw error
  }
}

describe("audit's scan of plain files (issue 22): what the parser reads, or nothing", () => {
  it('reads a file as the parser does, to the key numbers, and leaves every other file to the parser', () => {
    let read = 0
    let refusedByBoth = 0
    fc.assert(
      fc.property(file, (text) => {
        const scan = scanProfiles(text, PROFILE_KEYS)
        const parser = parsed(text)
        if (scan === undefined) {
          if (parser instanceof ConfigSyntaxError) refusedByBoth++
          return
        }
        read++
        // The parser refuses it (audit's `unreadable` finding): the scan must not read it.
        expect(parser).not.toBeInstanceOf(ConfigSyntaxError)
        expect(reading(scan)).toEqual(parser)
      }),
      {numRuns: 4000},
    )
    // The generator reaches both sides: files the scan reads, and files with errors it leaves to the parser.
    expect(read).toBeGreaterThan(400)
    expect(refusedByBoth).toBeGreaterThan(400)
  })

  it.each([
    ['a synced profile', SYNCED('a').join('\n') + '\n'],
    ['the same profile twice', [...SYNCED('a'), '', ...SYNCED('a')].join('\n') + '\n'],
    ['a key of a synced profile set again after it', [...SYNCED('a'), 'region = eu-west-1'].join('\n') + '\n'],
    ['a section written twice, plain', '[foo]\na = 1\n[foo]\n'],
    ['a key written twice, plain', '[default]\na = 1\nb = 2\na = 3\n'],
    ['a key before any section', 'region = us-east-1\n[default]\n'],
    ['a lone CR after a comment: the next line is a line', '[default]\n# a comment\rregion = us-east-1\n'],
    ['a byte order mark', '\ufeff[default]\nregion = us-east-1\n'],
  ])('%s: as the parser reads it', (_name, text) => {
    const scan = scanProfiles(text, PROFILE_KEYS)
    const parser = parsed(text)
    // Read by the scan (or left to the parser): as the parser reads it.
    if (parser instanceof ConfigSyntaxError) expect(scan).toBeUndefined()
    else if (scan) expect(reading(scan)).toEqual(parser)
  })

  it('reads the file `profiles sync` writes (3,000 profiles) itself', () => {
    const text =
      '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n\n' +
      Array.from({length: 3000}, (_, n) => SYNCED(`account-${n}.Role`).join('\n') + '\n').join('\n')
    const scan = scanProfiles(text, PROFILE_KEYS)
    expect(scan?.sectionCount).toBe(3001)
    expect(reading(scan!)).toEqual(parsed(text))
  })
})
