import {externalDataInterceptor, loadSharedConfigFiles} from '@smithy/core/config'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

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
