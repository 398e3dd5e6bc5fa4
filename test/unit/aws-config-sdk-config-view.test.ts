import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {externalDataInterceptor, loadSharedConfigFiles} from '@smithy/core/config'
import fc from 'fast-check'
import {afterAll, describe, expect, it} from 'vitest'

import {readConfigForProfiles} from '../../src/aws-config/sdk-config-read.js'
import {configForProfiles} from '../../src/aws-config/sdk-config-view.js'

// whoami hands the AWS SDK's STS client the config file without other profiles' sections (issue 22: the SDK parsed
// the whole file once per setting). Differential test against the SDK's own reading: for every profile kept (and
// default), every [sso-session] and [services] section, the SDK reads the same values from the narrowed file as from
// the whole one, and nothing that is not in the whole one.

const NAMES = ['default', 'dev', 'prod', 'acct-1.Admin', 'sso-session.x', 'services.y', '__proto__', 'a b', '']
const name = fc.constantFrom(...NAMES)
const header = fc.oneof(
  name.map((n) => `[profile ${n}]`),
  name.map((n) => `[profile "${n}"]`),
  name.map((n) => `[profile '${n}']`),
  name.map((n) => `  [profile ${n}] ; note`),
  name.map((n) => `[profile ${n}]# not a comment`),
  name.map((n) => `[ profile ${n}]`),
  name.map((n) => `[profile\t${n}]`),
  name.map((n) => `[sso-session ${n}]`),
  name.map((n) => `[services ${n}]`),
  name.map((n) => `[${n}]`),
  fc.constantFrom('[default]', '[profile', '[]', '#[profile dev]', 'x = [profile dev]'),
)
const body = fc.oneof(
  fc.constantFrom('region = us-east-1', 'region=eu-west-1', 'Region = x', 's3 =', '  max_concurrent_requests = 20'),
  fc.constantFrom('sso_session = x', 'source_profile = dev', '; comment', '# comment', 'key = v ; c', '', '   ', 'junk'),
  fc.constantFrom('sts =', '  endpoint_url = https://localhost', 'use_fips_endpoint = true', 'endpoint_url = http://e'),
)
const line = fc.oneof({weight: 1, arbitrary: header}, {weight: 3, arbitrary: body})
const ending = fc.constantFrom('\n', '\r\n', '\r', '\n\n')
const config = fc.array(fc.tuple(line, ending), {maxLength: 40}).map((lines) => lines.map(([l, e]) => l + e).join(''))

let files = 0
/** What the SDK makes of a config file (its loadSharedConfigFiles, as every client setting reads it). */
async function sdkReading(text: string): Promise<Record<string, Record<string, string | undefined>>> {
  const path = `/nonexistent/keyless-sdk-view-${files++}`
  externalDataInterceptor.interceptFile(path, text)
  const {configFile} = await loadSharedConfigFiles({configFilepath: path, filepath: `${path}.credentials`})
  return configFile as Record<string, Record<string, string | undefined>>
}

describe("the config file whoami hands the AWS SDK's STS client", () => {
  it('reads, for the profiles kept, default, sso-sessions and services, as the whole file does', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.subarray(NAMES), async (text, kept) => {
        const keep = new Set(kept)
        const whole = await sdkReading(text)
        const narrowed = await sdkReading(configForProfiles(text, keep))
        const wanted = (key: string) => keep.has(key) || key === 'default' || key.startsWith('sso-session.') || key.startsWith('services.')
        for (const key of Object.keys(whole).filter(wanted)) expect(narrowed[key]).toStrictEqual(whole[key])
        for (const key of Object.keys(narrowed)) expect(narrowed[key]).toStrictEqual(whole[key])
      }),
      {numRuns: 2000},
    )
  })

  it('leaves out the other profiles of a large organisation', () => {
    const profiles = Array.from({length: 3000}, (_, n) => `[profile acct-${n}.Admin]\nregion = us-east-1\n`)
    const text = `[default]\nregion = eu-west-1\n${profiles.join('')}[sso-session acme]\nsso_region = us-east-1\n`
    expect(configForProfiles(text, new Set(['acct-7.Admin']))).toBe(
      '[default]\nregion = eu-west-1\n[profile acct-7.Admin]\nregion = us-east-1\n[sso-session acme]\nsso_region = us-east-1\n',
    )
  })
})

// whoami reads that file through a small buffer rather than as one string (issue 22): readConfigForProfiles must give
// what configForProfiles gives from the whole file decoded as whoami decoded it (readFile, then toString('utf8')),
// for any bytes: a BOM, invalid UTF-8, characters of 2 to 4 bytes, blanks that are not ASCII before a header, CRLF and
// lone CRs, no final line break, and, with reads of 1 to 48 bytes, a header, a line break or a character split
// between two reads, and lines longer than the buffer.
describe('the config file whoami hands the SDK, read through a small buffer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-sdk-read-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  let n = 0
  /** readConfigForProfiles of a file holding `bytes`. */
  const readThrough = (bytes: Buffer, keep: ReadonlySet<string>, chunkBytes?: number) => {
    const path = join(dir, `config-${n++}`)
    writeFileSync(path, bytes)
    return readConfigForProfiles(path, keep, chunkBytes)
  }

  const text = fc.oneof(
    {weight: 4, arbitrary: line},
    fc.constantFrom(
      '\u3000[profile dev]', // an ideographic space: blank to the trim, 3 bytes
      '\u00a0 [profile prod]',
      '\ufeff[profile dev]',
      'é = [profile dev]',
      '[profile dév]',
      '[profile acct-1.Admin] \u3000',
      '[profile acct-1.Admin]\u2028',
      `[profile ${'x'.repeat(70)}]`,
      `region = ${'y'.repeat(90)}`,
      '[profile dev]]',
      '[[profile dev]',
      '[profile dev] [x]',
      '[profile  dev]',
    ),
  )
  const raw = fc.constantFrom(
    [0xff], // never UTF-8
    [0xc3], // the first of 2 bytes, alone
    [0xe3, 0x80], // 2 of the 3 bytes of U+3000
    [0xed, 0xa0, 0x80], // an encoded surrogate
    [0xf0, 0x9f, 0x98, 0x80], // U+1F600, 4 bytes
    [0xe2, 0x80, 0xa8], // U+2028
  )
  const piece = fc.oneof(
    {weight: 5, arbitrary: text.map((t) => Buffer.from(t))},
    raw.map((bytes) => Buffer.from(bytes)),
  )
  const bytesOfFile = fc
    .tuple(
      fc.boolean(),
      fc.array(fc.tuple(fc.array(piece, {minLength: 1, maxLength: 3}), fc.constantFrom('\n', '\r\n', '\r', '\n\n', '')), {maxLength: 30}),
    )
    .map(([bom, lines]) =>
      Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), ...lines.flatMap(([pieces, end]) => [...pieces, Buffer.from(end)])]),
    )

  it('is configForProfiles of the whole file decoded, for any bytes and any size of read', () => {
    fc.assert(
      fc.property(bytesOfFile, fc.subarray(NAMES), fc.option(fc.integer({min: 1, max: 48})), (bytes, kept, chunkBytes) => {
        const keep = new Set(kept)
        expect(readThrough(bytes, keep, chunkBytes ?? undefined)).toBe(configForProfiles(bytes.toString('utf8'), keep))
      }),
      {numRuns: 3000},
    )
  })

  it('reads a large organisation to the few hundred bytes kept, and an empty file to nothing', () => {
    const profiles = Array.from({length: 3000}, (_, k) => `[profile acct-${k}.Admin]\r\nregion = us-east-1\r\n`)
    const whole = `\ufeff[default]\r\nregion = eu-west-1\r\n${profiles.join('')}[sso-session acme]\r\nsso_region = us-east-1`
    const keep = new Set(['acct-7.Admin', 'acct-2999.Admin'])
    const kept = readThrough(Buffer.from(whole), keep)
    expect(kept).toBe(configForProfiles(whole, keep))
    expect(kept).toBe(
      '\ufeff[default]\r\nregion = eu-west-1\r\n[profile acct-7.Admin]\r\nregion = us-east-1\r\n' +
        '[profile acct-2999.Admin]\r\nregion = us-east-1\r\n[sso-session acme]\r\nsso_region = us-east-1',
    )
    expect(readThrough(Buffer.alloc(0), keep)).toBe('')
  })
})
