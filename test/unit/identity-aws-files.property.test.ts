import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {parseConfigFile, parseCredentialsFile, parseIni, type Section} from '../../src/identity/aws-files.js'

// whoami's reading of the AWS files (the JS SDK's rules) became lazy for issue 22: the headers are found by jumping
// from "[" to "[", and a section is read the first time it is asked for. Differential test against the eager reader
// it replaced (below, as it was): the same sections, names and values for any file.

function referenceParseIni(text: string): Array<[string, Section]> {
  const sections: Array<[string, Section]> = []
  let current: Section | undefined
  let subSection: string | undefined
  for (const rawLine of text.split(/\r?\n/)) {
    const uncommented = rawLine.includes(';') || rawLine.includes('#') ? (rawLine.split(/(?:^|\s)[;#]/)[0] ?? '') : rawLine
    const line = uncommented.trim()
    if (line.startsWith('[') && line.endsWith(']')) {
      const header = line.slice(1, -1).trim()
      if (header === '__proto__' || header === 'profile __proto__') {
        current = undefined
        continue
      }
      current = {}
      subSection = undefined
      sections.push([header, current])
      continue
    }
    if (!current) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (value === '') {
      subSection = key
      continue
    }
    if (subSection && rawLine.trimStart() === rawLine) subSection = undefined
    current[subSection ? `${subSection}.${key}` : key] = value
  }
  return sections
}

function referenceConfigFile(text: string) {
  const configProfiles: Record<string, Section> = {}
  const ssoSessions: Record<string, Section> = {}
  for (const [header, section] of referenceParseIni(text)) {
    if (header === 'default') configProfiles.default = {...configProfiles.default, ...section}
    const prefixed = /^(profile|sso-session)\s+(["']?)([\w\-@+.%:/]+)\2$/.exec(header)
    if (!prefixed) continue
    const [, kind, , name = ''] = prefixed
    const target = kind === 'profile' ? configProfiles : ssoSessions
    target[name] = {...target[name], ...section}
  }
  return {configProfiles, ssoSessions}
}

function referenceCredentialsFile(text: string): Record<string, Section> {
  const profiles: Record<string, Section> = {}
  for (const [header, section] of referenceParseIni(text)) profiles[header] = {...profiles[header], ...section}
  return profiles
}

/** A record as plain data: its own names and values, read the way whoami's code reads them. */
const plain = (record: Record<string, Section>) => Object.fromEntries(Object.keys(record).map((k) => [k, {...record[k]}]))

// 'de' and 'profile' are in other headers' text: a lookup finds sections by the name in their header, not by a substring.
const NAMES = ['default', 'dev', 'prod', 'acct-1.Admin', 'a b', '', 'toString', '__proto__', 'de', 'profile']
const name = fc.constantFrom(...NAMES)
const header = fc.oneof(
  name.map((n) => `[profile ${n}]`),
  name.map((n) => `[profile "${n}"]`),
  name.map((n) => `  [profile ${n}] ; note`),
  name.map((n) => `[profile ${n}]# not a comment`),
  name.map((n) => `[ profile ${n} ]`),
  name.map((n) => `[sso-session ${n}]`),
  name.map((n) => `[${n}]`),
  fc.constantFrom('[default]', '[profile', '[]', '#[profile dev]', 'x = [profile dev]', '\t[dev]', 'k = v [x]'),
)
const body = fc.oneof(
  fc.constantFrom('region = us-east-1', 'region=eu-west-1', 'Region = x', 's3 =', '  max_concurrent_requests = 20', '[k = v'),
  fc.constantFrom('aws_access_key_id = AKIA1', '; comment', '# comment', 'key = v ; c', 'key = v;c', '', '   ', 'junk', '=x'),
)
const line = fc.oneof({weight: 1, arbitrary: header}, {weight: 3, arbitrary: body})
const ending = fc.constantFrom('\n', '\r\n', '\r', '\n\n')
const file = fc.array(fc.tuple(line, ending), {maxLength: 40}).map((lines) => lines.map(([l, e]) => l + e).join(''))

describe("whoami's reading of the AWS files (the JS SDK's rules)", () => {
  it('reads the same sections, names and values as the eager reader it replaced, for any file', () => {
    fc.assert(
      fc.property(file, fc.boolean(), (text, lookFirst) => {
        expect(parseIni(text)).toEqual(referenceParseIni(text))
        const config = parseConfigFile(text)
        const reference = referenceConfigFile(text)
        const credentials = parseCredentialsFile(text)
        const referenceCredentials = referenceCredentialsFile(text)
        // A section looked up by name before any listing reads the same as one listed.
        if (lookFirst) {
          const pairs = [
            [config.configProfiles, reference.configProfiles],
            [config.ssoSessions, reference.ssoSessions],
            [credentials, referenceCredentials],
          ] as const
          for (const [lazy, eager] of pairs) {
            for (const n of NAMES) {
              expect(n in lazy).toBe(Object.hasOwn(eager, n))
              expect(lazy[n]).toEqual(Object.hasOwn(eager, n) ? eager[n] : undefined)
            }
          }
        }
        expect(plain(config.configProfiles)).toEqual(plain(reference.configProfiles))
        expect(plain(config.ssoSessions)).toEqual(plain(reference.ssoSessions))
        expect(plain(credentials)).toEqual(plain(referenceCredentials))
      }),
      {numRuns: 2000},
    )
  })

  it('a name that is not a section is not one, even a property every object inherits', () => {
    const {configProfiles} = parseConfigFile('[profile dev]\nregion = x\n')
    expect(configProfiles.toString).toBeUndefined()
    expect('toString' in configProfiles).toBe(false)
    expect(Object.keys(configProfiles)).toEqual(['dev'])
    expect({...configProfiles.dev}).toEqual({region: 'x'})
  })
})
