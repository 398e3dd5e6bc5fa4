import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {parseConfig} from '../../src/aws-config/ini.js'
import {removeStaticKeys} from '../../src/aws-config/remove-keys.js'

// Random credentials files (profiles with and without keys, comments, blank lines, nested blocks, CRLF), then
// removeStaticKeys for a random set of profiles. Properties: the result is the input with lines deleted and
// nothing added or changed; every line of a profile not asked for survives; no key line is left in a profile
// asked for; a second removal changes nothing.

const NAMES = ['default', 'dev', 'prod', 'ci', 'équipe']
const KEY_LINES = ['aws_access_key_id = AKIAEMULATORUSER0001', 'aws_secret_access_key = secret/with+chars=', 'aws_session_token = tok']
const OTHER = ['region = eu-west-1', 'output = json', '# a comment', '; another', '', 's3 =\n  max_concurrent_requests = 20']

const section = fc.tuple(fc.constantFrom(...NAMES), fc.shuffledSubarray([...KEY_LINES, ...OTHER]))
const file = fc
  .tuple(
    fc.uniqueArray(section, {selector: ([name]) => name, maxLength: 5}),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
    fc.array(fc.constantFrom('# top', ''), {maxLength: 2}),
  )
  .map(([sections, eol, finalNewline, top]) => {
    const lines = [...top, ...sections.flatMap(([name, body]) => [`[${name}]`, ...body.flatMap((l) => l.split('\n'))])]
    const text = lines.join(eol)
    return finalNewline && text ? text + eol : text
  })

const isSubsequence = (small: string[], big: string[]): boolean => {
  let i = 0
  for (const line of big) if (i < small.length && small[i] === line) i++
  return i === small.length
}

describe('removeStaticKeys (property)', () => {
  it('only deletes lines, keeps every other profile whole, leaves no key behind, and is idempotent', () => {
    fc.assert(
      fc.property(file, fc.subarray(NAMES), (text, wanted) => {
        const {text: out} = removeStaticKeys(text, wanted, {file: 'credentials'})
        const lines = (t: string) => t.split(/\r\n|\n/).filter((l, i, all) => i < all.length - 1 || l !== '')
        expect(isSubsequence(lines(out), lines(text))).toBe(true)
        const before = parseConfig(text)
        const after = parseConfig(out)
        for (const s of before.sections) {
          const body = (doc: typeof before, name: string) => {
            const sec = doc.sections.find((x) => x.header === name)
            return sec ? doc.lines.slice(sec.start, sec.bodyEnd).map((l) => l.text) : undefined
          }
          if (!wanted.includes(s.header)) expect(body(after, s.header)).toEqual(body(before, s.header))
          else {
            const kept = after.sections.find((x) => x.header === s.header)
            expect(kept?.keys.some((k) => k.name.startsWith('aws_')) ?? false).toBe(false)
          }
        }
        expect(removeStaticKeys(out, wanted, {file: 'credentials'}).text).toBe(out)
      }),
      {numRuns: 300},
    )
  })
})
