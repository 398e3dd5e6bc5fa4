import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterAll, describe, expect, it} from 'vitest'

import {configForProfiles} from '../../src/aws-config/sdk-config-view.js'
import {loadAwsFiles, parseConfigFile, parseCredentialsFile, parseIni, type Section} from '../../src/identity/aws-files.js'

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

// whoami reads the config file for the profiles it keeps (its own, default's, AWS_PROFILE's), without the others'
// sections (issue 22); any other name, or the listing of every name, comes from the whole file. Differential test
// against the whole file's reading (held to the eager reader above): every name and listing the same, in any order.
describe('whoami reading the config file for the profiles it keeps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-aws-files-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  let n = 0

  it('answers every profile and sso-session, and lists them, as the whole file does', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.subarray(NAMES), fc.boolean(), async (text, kept, listFirst) => {
        const configFile = join(dir, `config-${n++}`)
        writeFileSync(configFile, text)
        const keep = new Set(kept)
        const env = {HOME: dir, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none')}
        const files = await loadAwsFiles(env, keep)
        const whole = parseConfigFile(text)
        expect(files.configText).toBe(configForProfiles(text, keep))
        if (listFirst) expect(plain(files.configProfiles)).toEqual(plain(whole.configProfiles))
        for (const name of NAMES) {
          expect(name in files.configProfiles).toBe(name in whole.configProfiles)
          expect(files.configProfiles[name]).toEqual(whole.configProfiles[name])
          expect(name in files.ssoSessions).toBe(name in whole.ssoSessions)
          expect(files.ssoSessions[name]).toEqual(whole.ssoSessions[name])
        }
        expect(plain(files.configProfiles)).toEqual(plain(whole.configProfiles))
        expect(plain(files.ssoSessions)).toEqual(plain(whole.ssoSessions))
      }),
      {numRuns: 1500},
    )
  })

  it('a missing config file is an empty one', async () => {
    const files = await loadAwsFiles(
      {HOME: dir, AWS_CONFIG_FILE: join(dir, 'missing'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none')},
      new Set(['dev']),
    )
    expect(files.configText).toBe('')
    expect(files.configProfiles.dev).toBeUndefined()
    expect(Object.keys(files.configProfiles)).toEqual([])
  })
})
