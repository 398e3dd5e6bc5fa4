import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {ConfigSyntaxError} from '../../src/aws-config/errors.js'
import {configWarnings, getKey, parseConfig, serializeConfig, shlexSplit} from '../../src/aws-config/ini.js'

const ROUND_TRIP: Array<[string, string]> = [
  ['empty', ''],
  ['only blank lines', '\n\n'],
  ['comments before any section', '# hello\n; there\n\n[default]\nregion = us-east-1\n'],
  ['CRLF', '[default]\r\nregion = us-east-1\r\n\r\n[profile a]\r\noutput = json\r\n'],
  ['mixed endings and a lone CR', '[default]\nregion = x\r\noutput = json\rcli_pager =\n'],
  ['no final newline', '[default]\nregion = us-east-1'],
  ['BOM', '\ufeff[default]\nregion = us-east-1\n'],
  ['nested s3', '[default]\ns3 =\n  max_concurrent_requests = 20\n\n  # note\n  addressing_style = path\nregion = x\n'],
  ['UTF-8', '# café ☕\n[profile équipe]\noutput = json # not a comment\n'],
  ['colon delimiter, tabs, odd spacing', '[default]\nregion:us-east-1\n\toutput\t=\tjson  \n'],
  [
    'services and sso-session',
    '[services dev]\ns3 =\n  endpoint_url = http://localhost\n[sso-session acme]\nsso_start_url = https://a.b/start\n',
  ],
  ['header with trailing text', '[profile a] ; comment\nregion = x\n'],
  // A CR that ends the file is a lone CR (old Mac line ending), not half of a CRLF: no LF may be added.
  ['a lone CR at the very end', '[profile a]\nregion = x\r'],
  ['a blank line of a lone CR at the end', '[profile a]\r\n\r'],
]

describe('parseConfig round trip', () => {
  it.each(ROUND_TRIP)('%s: serialise(parse(text)) === text', (_, text) => {
    expect(serializeConfig(parseConfig(text))).toBe(text)
  })
})

describe('parseConfig classification', () => {
  it('classifies every line and keeps its own ending', () => {
    const doc = parseConfig('# c\r\n[default]\r\ns3 =\n  max = 20\n\n; x\n[profile a]\nregion = us-east-1')
    expect(doc.lines.map((l) => [l.kind, l.eol])).toEqual([
      ['comment', '\r\n'],
      ['section', '\r\n'],
      ['key', '\n'],
      ['subkey', '\n'],
      ['blank', '\n'],
      ['comment', '\n'],
      ['section', '\n'],
      ['key', ''],
    ])
    expect(doc.finalNewline).toBe(false)
    expect(doc.sections.map((s) => ({type: s.type, name: s.name, start: s.start, bodyEnd: s.bodyEnd, end: s.end}))).toEqual([
      {type: 'default', name: 'default', start: 1, bodyEnd: 4, end: 6},
      {type: 'profile', name: 'a', start: 6, bodyEnd: 8, end: 8},
    ])
    expect(doc.sections[0]?.keys).toEqual([{name: 's3', value: '', line: 2, end: 4}])
  })

  it('picks the dominant line ending for new lines', () => {
    expect(parseConfig('[a]\r\nb = c\r\nd = e\n').eol).toBe('\r\n')
    expect(parseConfig('[a]\nb = c\nd = e\r\n').eol).toBe('\n')
    expect(parseConfig('').eol).toBe('\n')
    expect(parseConfig('').finalNewline).toBe(true)
  })

  it('reads values as botocore does: no inline comments, case-insensitive names, first = or :', () => {
    const doc = parseConfig('[profile x]\nRegion = us-east-1 # primary\nsso_start_url = https://a.b/start\ncolon: v=1\n')
    const s = doc.sections[0]!
    expect(getKey(s, 'region')).toBe('us-east-1 # primary')
    expect(getKey(s, 'sso_start_url')).toBe('https://a.b/start')
    expect(getKey(s, 'colon')).toBe('v=1')
  })

  it('splits profile names like shlex', () => {
    // As botocore: the prefix is tested with startswith on the untrimmed header, the name is shlex's 2nd word.
    const doc = parseConfig('[profile "my name"]\na = b\n[sso-session \'q\']\n[ profile   spaced ]\n[profilex]\n[profiles y ]\n')
    expect(doc.sections.map((s) => [s.type, s.name])).toEqual([
      ['profile', 'my name'],
      ['sso-session', 'q'],
      ['other', ' profile   spaced '],
      ['ignored', 'profilex'],
      ['profile', 'y'],
    ])
    expect(shlexSplit('a "b c" d\\ e')).toEqual(['a', 'b c', 'd e'])
    expect(shlexSplit('a "b\\$c\\"" \'\'')).toEqual(['a', 'b\\$c"', ''])
    expect(shlexSplit('a\u00a0b')).toEqual(['a\u00a0b'])
    expect(shlexSplit('a "b')).toBeUndefined()
  })

  it('keeps sections botocore ignores as they are and says why, with their line', () => {
    const text = '[default]\nregion = x\n[profile two words]\nregion = y\n[profile]\n[sso-session "open]\nk = v\n'
    const doc = parseConfig(text)
    expect(serializeConfig(doc)).toBe(text)
    expect(doc.sections.map((s) => s.type)).toEqual(['default', 'ignored', 'ignored', 'ignored'])
    expect(configWarnings(doc, '~/.aws/config')).toEqual([
      '~/.aws/config line 3: the AWS CLI and SDKs ignore "[profile two words]" (a profile name with a space; quote it: [profile "NAME"]): kept as it is',
      '~/.aws/config line 5: the AWS CLI and SDKs ignore "[profile]" (no profile name; write [profile NAME]): kept as it is',
      '~/.aws/config line 6: the AWS CLI and SDKs ignore "[sso-session \\"open]" (an unbalanced quote or a trailing backslash): kept as it is',
    ])
    expect(configWarnings(parseConfig('\ufeff[default]\n'))).toEqual([
      'config line 1: starts with a UTF-8 byte order mark, which the AWS CLI cannot read (the SDKs can): kept as it is',
    ])
  })

  it('is linear: a 1 MB line without "=" (spaces, tabs, brackets) is read or refused at once', () => {
    const mb = 1 << 20
    for (const line of ['x'.repeat(mb), `a${' '.repeat(mb)}b`, 'a \t'.repeat(mb / 3), '['.repeat(mb), `[profile a${' '.repeat(mb)}b]`]) {
      for (const text of [`[default]\n${line}\n`, `[default]\nk =\n  ${line}\n`, `[default]\nk = v\n  ${line}\n`, `${line}\n`]) {
        try {
          const doc = parseConfig(text)
          expect(serializeConfig(doc)).toBe(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigSyntaxError)
          expect((error as ConfigSyntaxError).message.length).toBeLessThan(300)
        }
      }
    }
    // The quadratic parser took 12 s for 40,000 spaces; this whole test, 20 MB of text, takes well under a second.
  })

  it('treats an indented line after a header as a key, and after a key as its continuation', () => {
    const doc = parseConfig('[a]\n  x = 1\n    y = 2\nz = 3\n')
    expect(doc.lines.map((l) => l.kind)).toEqual(['section', 'key', 'subkey', 'key'])
  })
})

const ERRORS: Array<[string, string, number, RegExp]> = [
  ['missing ]', '[default]\nregion = x\n\n# c\n\n\n[profile\n', 7, /line 7: "\[profile" is not a section header \(missing "\]"\)/],
  ['missing ] on line 1', '[profile\n', 1, /line 1: "\[profile" is not a section header \(missing "\]"\)/],
  ['empty header', '[default]\n[]\n', 2, /empty section header/],
  [
    'duplicate section',
    '[profile a]\nx = 1\n[profile b]\n[profile  "a"]\n',
    4,
    /line 4: duplicate section \[profile a\] \(first at line 1\)/,
  ],
  ['duplicate default', '[default]\n[default]\n', 2, /duplicate section \[default\]/],
  ['key before any section', '# c\nregion = us-east-1\n[default]\n', 2, /line 2: "region = us-east-1" is outside any section/],
  ['neither', '[default]\nregion = x\njust words\n', 3, /line 3: "just words" is neither a section header/],
  ['no name before =', '[default]\n = x\n', 2, /has no name before the "="/],
  ['duplicate key', '[default]\nregion = a\nREGION = b\n', 3, /"REGION" is set twice in \[default\] \(first at line 2\)/],
  ['nested line without =', '[default]\ns3 =\n  nonsense\n', 3, /not a "name = value" line inside the nested "s3" block/],
  ['nested line with ":" only', '[default]\ns3 =\n  addressing_style: path\n', 3, /inside the nested "s3" block/],
  ['the same profile written twice', '[profile a]\n[profiles a]\n', 2, /line 2: duplicate section \[profile a\] \(first at line 1\)/],
  ['NUL bytes on a line of their own', '[default]\nregion = x\n\0\0\0binary', 3, /line 3: "\\u0000\\u0000\\u0000binary" is neither/],
]

describe('ConfigSyntaxError', () => {
  it.each(ERRORS)('%s names the line', (_, text, line, message) => {
    let error: unknown
    try {
      parseConfig(text, {path: '~/.aws/config'})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigSyntaxError)
    const e = error as ConfigSyntaxError
    expect(e.line).toBe(line)
    expect(e.message).toMatch(/^~\/\.aws\/config line \d+: /)
    expect(e.message).toMatch(message)
    expect(e.fix).toBe(`fix line ${line} of ~/.aws/config, then run the command again`)
    expect(e.toLine()).toContain(`~/.aws/config line ${line}`)
  })

  it('the error message of the brief, exactly', () => {
    expect(() => parseConfig('[a]\n\n\n\n\n\n[profile\n', {path: '~/.aws/config'})).toThrow(
      '~/.aws/config line 7: "[profile" is not a section header (missing "]")',
    )
  })
})

// The same files through botocore's own parser (python3-boto3 is a test dependency): where botocore accepts a
// file, it must see the same sections and values keyless sees.
const botocore = '/usr/lib/python3/dist-packages/botocore/configloader.py'
describe.skipIf(!existsSync(botocore))('agreement with botocore', () => {
  it('reads the same sections, keys and values', () => {
    const texts = ROUND_TRIP.map(([, t]) => t).filter((t) => !t.startsWith('\ufeff'))
    const script = `
import json, sys, tempfile, os
from botocore.configloader import raw_config_parse
out = []
for text in json.load(sys.stdin):
    with tempfile.NamedTemporaryFile('w', delete=False, encoding='utf-8', newline='') as f:
        f.write(text)
    out.append(raw_config_parse(f.name, parse_subsections=False))
    os.unlink(f.name)
print(json.dumps(out))
`
    const boto = JSON.parse(execFileSync('python3', ['-c', script], {input: JSON.stringify(texts)}).toString()) as Array<
      Record<string, Record<string, string>>
    >
    for (const [n, text] of texts.entries()) {
      const doc = parseConfig(text)
      const ours: Record<string, Record<string, string>> = {}
      for (const s of doc.sections) {
        ours[s.header] = {}
        for (const k of s.keys) {
          // botocore joins a key's continuation lines with \n (blank lines included, comments dropped).
          const parts = [k.value]
          for (let i = k.line + 1; i < k.end; i++) {
            const l = doc.lines[i]!
            if (l.kind === 'subkey') parts.push(l.text.trim())
            else if (l.kind === 'blank') parts.push('')
          }
          ours[s.header]![k.name] = parts.join('\n').replace(/\n+$/, '')
        }
      }
      expect(ours, JSON.stringify(text)).toEqual(boto[n])
    }
  })
})
