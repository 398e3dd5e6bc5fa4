import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {findSsoSessionSection} from '../../src/aws-config/ini.js'
import {plainSsoSession} from '../../src/aws-config/plain-session-section.js'
import {ssoSessionOf} from '../../src/aws-config/session-section.js'

// Issue 22: credential-process's cache hit reads its session's section with plainSsoSession, and with the parser
// only where that declines. Wherever the small reader answers, it must answer what the parser makes of the same
// text; random section texts are built from every odd shape the parser treats specially (indented and continued
// lines, nested blocks, headers quoted, indented, repeated or of another section, key case and spacing, `:`
// delimiters, repeated keys, CRLF and lone CR, a BOM, tabs, non-ASCII blanks and letters, no final newline).

const NAME = 'acme'

const PLAIN_KEYS = [
  'sso_start_url',
  'sso_region',
  'sso_registration_scopes',
  'keyless_store',
  'keyless_login_flow',
  'keyless_template',
  'keyless_command',
  'region',
  'output',
]
const VALUES = [
  'https://acme.awsapps.com/start',
  'us-east-1',
  'sso:account:access',
  'sso:account:access, openid',
  ' , ',
  'keychain',
  'kernel',
  'device-code',
  'a = b',
  'x:y',
  'value # not a comment',
  '"quoted"',
  "'single'",
  '=',
  '',
]

const plainKeyLine = fc
  .tuple(fc.constantFrom(...PLAIN_KEYS), fc.constantFrom(...VALUES))
  .map(([k, v]) => (v === '' ? `${k} =` : `${k} = ${v}`))
const plainLine = fc.oneof(
  {weight: 8, arbitrary: plainKeyLine},
  {weight: 1, arbitrary: fc.constantFrom('', '# a comment', '; another', '#', '# [sso-session acme]')},
)

const ODD_LINES = [
  '  sso_region = eu-west-1',
  '\tcontinued',
  '  max_attempts = 3',
  'SSO_Region = eu-west-2',
  'sso_region=eu-west-3',
  'sso_region  =  eu-west-4',
  'sso_region = eu-west-5  ',
  'sso_region = eu-west-6\t',
  'sso_region: eu-west-7',
  'sso_region : ap-south-1',
  'sso_region = eu\u00a0west',
  'sso_region = \u00e9t\u00e9',
  'sso_start_url = https://b.example/start',
  'keyless_store = kernel',
  '  # indented comment',
  '   ',
  '\u00a0',
  'not a key line',
  '= no name',
  '[sso-session acme]',
  '  [sso-session acme]',
  '[sso-session "acme"]',
  '[sso-session other]',
  '[profile acme]',
  '[default]',
  '[sso-session acme',
  '[]',
  's3 =',
  'k\u0130 = dotted',
]
const oddLine = fc.oneof(plainKeyLine, fc.constantFrom(...ODD_LINES))

const HEADERS = [
  `[sso-session ${NAME}]`,
  `[sso-session ${NAME}]`,
  `[sso-session ${NAME}]  `,
  ` [sso-session ${NAME}]`,
  `[sso-session  ${NAME}]`,
  `[sso-session '${NAME}']`,
  `[sso-session ${NAME}] # comment`,
  `[sso-session other]`,
  '[default]',
]

function text(header: string, lines: string[], eol: string, bom: boolean, finalEol: boolean): string {
  return (bom ? '\ufeff' : '') + [header, ...lines].join(eol) + (finalEol ? eol : '')
}

/** The parser's answer as credential-process reads it: the session, undefined, or the error's name. */
function parserAnswer(input: string): unknown {
  try {
    const section = findSsoSessionSection(input, NAME)
    return section && ssoSessionOf(section)
  } catch (error) {
    return `throws ${(error as Error).name}`
  }
}

describe('plainSsoSession against the parser (issue 22)', () => {
  it('answers, when it answers, what the parser makes of any section text', () => {
    let answeredOdd = 0
    fc.assert(
      fc.property(
        fc.constantFrom(...HEADERS),
        fc.array(fc.oneof({weight: 3, arbitrary: plainLine}, {weight: 1, arbitrary: oddLine}), {maxLength: 10}),
        fc.constantFrom('\n', '\n', '\r\n', '\r'),
        fc.nat(9),
        fc.boolean(),
        (header, lines, eol, bom, finalEol) => {
          const input = text(header, lines, eol, bom < 2, finalEol)
          const small = plainSsoSession(input, NAME)
          if (small !== undefined) {
            answeredOdd++
            expect(small).toEqual(parserAnswer(input))
          }
        },
      ),
      {numRuns: 10_000},
    )
    // Not vacuous: it answers for the plain ones among them.
    expect(answeredOdd).toBeGreaterThan(200)
    console.log(`plainSsoSession answered ${answeredOdd} of 10,000 mixed sections`)
  })

  it('answers for most plain sections, as readSsoSessionSectionText returns them, and agrees', () => {
    let answered = 0
    let runs = 0
    // Each key once (a key written twice is the parser's error), with comments and empty lines between.
    const keys = fc.uniqueArray(plainKeyLine, {selector: (line) => line.split(' ')[0], maxLength: 9})
    const others = fc.array(fc.constantFrom('', '# a comment', '; another'), {maxLength: 3})
    const section = fc.tuple(keys, others).map(([k, o]) => k.flatMap((line, i) => (i < o.length ? [o[i] as string, line] : [line])))
    fc.assert(
      fc.property(section, fc.boolean(), (lines, finalEol) => {
        runs++
        const input = text(`[sso-session ${NAME}]`, lines, '\n', false, finalEol)
        const small = plainSsoSession(input, NAME)
        const parsed = parserAnswer(input)
        if (small !== undefined) {
          answered++
          expect(small).toEqual(parsed)
        }
      }),
      {numRuns: 2000},
    )
    // Only a value with blanks around it (` , `) makes it decline here.
    expect(answered).toBeGreaterThan(runs / 2)
    console.log(`plainSsoSession answered ${answered} of ${runs} plain sections`)
  })

  it('reads the section profiles sync writes, and declines another session or a section it cannot read alone', () => {
    const synced =
      '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access'
    expect(plainSsoSession(synced, NAME)).toEqual({
      name: 'acme',
      startUrl: 'https://acme.awsapps.com/start',
      region: 'us-east-1',
      scopes: ['sso:account:access'],
    })
    expect(plainSsoSession(synced, 'other')).toBeUndefined()
    expect(plainSsoSession(synced + '\n[sso-session acme]', NAME)).toBeUndefined()
    expect(plainSsoSession(synced + '\n  keyless_store = kernel', NAME)).toBeUndefined()
    expect(plainSsoSession(synced + '\nkeyless_store = kernel\nkeyless_store = keychain', NAME)).toBeUndefined()
  })
})
