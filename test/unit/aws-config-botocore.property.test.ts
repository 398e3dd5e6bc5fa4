import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {ConfigSyntaxError} from '../../src/aws-config/errors.js'
import {getKey, parseConfig} from '../../src/aws-config/ini.js'
import {syncProfiles, type WantedProfile} from '../../src/aws-config/profiles.js'
import {botocoreParse, hasBotocore} from '../helpers/botocore.js'

// keyless accepts what the AWS CLI accepts, with the AWS CLI's own parser (botocore) as the oracle. Random config
// files mix what users write (comments, indentation, tabs, `=` and `:` spacing, nested blocks, CRLF, a BOM, section
// names botocore ignores, a user profile holding a name keyless wants, keyless profiles holding user keys), and
// some get one bad line. Then, for each file:
// - botocore reads it: `profiles sync` succeeds, botocore reads every section that is not keyless's exactly as
//   before, and every profile keyless wrote has the intended credential_process;
// - botocore refuses it: keyless refuses it too, naming the line configparser names.
// Not generated: a `[DEFAULT]` section (configparser copies its keys into every section, so botocore checks its
// nested blocks only when another section exists and does not override the key; keyless checks them always).
// The cases are drawn up front so that botocore runs once per batch (two Python processes in all), not per case.

const SESSION = 'acme'
const POOL: WantedProfile[] = [
  ['sandbox.AdministratorAccess', '111111111111', 'AdministratorAccess'],
  ['staging.PowerUserAccess', '222222222222', 'PowerUserAccess'],
  ['production.ReadOnlyAccess', '333333333333', 'ReadOnlyAccess'],
].map(([name, accountId, roleName]) => ({
  name: name as string,
  accountId: accountId as string,
  roleName: roleName as string,
  keys: {
    credential_process: `"/usr/local/bin/keyless" credential-process --session ${SESSION} --account-id ${accountId} --role-name ${roleName}`,
    region: 'us-east-1',
    keyless_session: SESSION,
  },
}))

const indent = fc.constantFrom('', '', '', '', '', ' ', '  ', '\t')
const delimiter = fc.constantFrom(' = ', '=', ' =', '= ', '\t=\t', ': ', ':', ' : ')
const comment = fc.constantFrom('# a comment', '; another', '   # indented', '\t; tabbed', '# café ☕', '#', '')
const keyLine = (name: string, value: string) => fc.tuple(indent, delimiter).map(([lead, d]) => [`${lead}${name}${d}${value}`])
/** User keys, each one or more lines (a nested block is a key with an empty value and indented `k = v` lines). */
const userKey = fc.oneof(
  keyLine('region', 'eu-west-1'),
  keyLine('output', 'json'),
  keyLine('cli_pager', ''),
  keyLine('note', 'value # not a comment for botocore'),
  keyLine('role_arn', 'arn:aws:iam::123456789012:role/x'),
  fc
    .tuple(fc.constantFrom('  ', '\t', '    '), fc.constantFrom(' = ', '='))
    .map(([ind, d]) => ['s3 =', `${ind}max_concurrent_requests${d}20`, `${ind}# inside`, '', `${ind}addressing_style${d}path`]),
)
/** A section body: keys with comments and blank lines between; names unique per section (botocore's rule). */
const body = fc.array(fc.tuple(fc.array(comment, {maxLength: 2}), userKey), {maxLength: 4}).map((items) => {
  const seen = new Set<string>()
  return items
    .filter(([, lines]) => {
      const name = lines[0]!.trim().split(/[\s=:]/)[0]!
      return !seen.has(name) && !!seen.add(name)
    })
    .flatMap(([c, lines]) => [...c, ...lines])
})

/** [header, the profile or session it names (for uniqueness), or '' for the rest]. */
const HEADERS: Array<[string, string]> = [
  ['[default]', 'default'],
  ['[profile dev]', 'profile dev'],
  ['[profile "my dev"]', 'profile my dev'],
  ["[profile 'équipe']", 'profile équipe'],
  ['[profile  spaced  ]', 'profile spaced'],
  ['[profiles legacy]', 'profile legacy'],
  ['[profile sandbox.AdministratorAccess]', 'profile sandbox.AdministratorAccess'],
  ['[sso-session acme]', 'sso-session acme'],
  ['[services local]', ''],
  ['[preview]', ''],
  ['[ profile padded ]', ''],
  ['[profile] trailing text', 'header profile'],
  // Sections botocore ignores: kept as they are.
  ['[profile two words]', ''],
  ['[profile]', 'header profile'],
  ['[profile "open]', ''],
  ['[sso-session a b]', ''],
  ['[profilex]', ''],
]
const userSection = fc.tuple(fc.constantFrom(...HEADERS), body).map(([[header, id], b]) => ({id: id || header, lines: [header, ...b]}))

const keylessSection = fc
  .tuple(
    fc.constantFrom(SESSION, SESSION, 'other'),
    fc.constantFrom(...POOL.map((p) => p.name), 'gone.Role'),
    fc.constantFrom(...POOL.map((p) => [p.accountId, p.roleName] as const), ['444444444444', 'GoneRole'] as const),
    fc.boolean(),
    body,
  )
  .map(([session, name, [account, role], withRegion, extra]) => ({
    id: `profile ${name}`,
    lines: [
      `[profile ${name}]`,
      `credential_process = "/old/keyless" credential-process --session ${session} --account-id ${account} --role-name ${role}`,
      ...(withRegion ? ['region = ap-south-1'] : []),
      ...extra.filter((l) => !/^\s*region\s*[=:]/.test(l)),
      `keyless_session = ${session}`,
    ],
  }))

/** One line that may break the file (or not: it depends on where it lands, which is for botocore to say). */
const BAD_LINES = ['just words', '[unclosed', '= no name', '[]', 'region = again', '  nonsense', 'output: twice']

const configFile = fc
  .record({
    preamble: fc.array(comment, {maxLength: 2}),
    sections: fc.uniqueArray(fc.oneof(userSection, keylessSection), {maxLength: 7, selector: (s) => s.id}),
    eol: fc.constantFrom('\n', '\r\n', 'mixed'),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    bad: fc.oneof({weight: 3, arbitrary: fc.constant(null)}, {weight: 2, arbitrary: fc.tuple(fc.constantFrom(...BAD_LINES), fc.nat())}),
    seed: fc.array(fc.boolean(), {minLength: 64, maxLength: 64}),
  })
  .map(({preamble, sections, eol, bom, finalNewline, bad, seed}) => {
    const lines = [...preamble, ...sections.flatMap((s) => s.lines)]
    if (bad) lines.splice(bad[1] % (lines.length + 1), 0, bad[0])
    const text = lines
      .map((l, i) => l + (i === lines.length - 1 && !finalNewline ? '' : eol === 'mixed' ? (seed[i % 64] ? '\r\n' : '\n') : eol))
      .join('')
    return (bom ? '\ufeff' : '') + text
  })

const RUNS = Number(process.env.KEYLESS_PROPERTY_RUNS) || 400

/** botocore cannot read a byte order mark at all (the SDKs can): it reads the text after it. */
const withoutBom = (text: string) => text.replace(/^\ufeff/, '')

/** Section headers that are this session's keyless profiles (keyless may rewrite, rename or remove them). */
function keylessHeaders(text: string): Set<string> {
  const doc = parseConfig(text)
  return new Set(doc.sections.filter((s) => s.type === 'profile' && getKey(s, 'keyless_session') === SESSION).map((s) => s.header))
}

const omit = (raw: Record<string, unknown>, headers: Set<string>) =>
  Object.fromEntries(Object.entries(raw).filter(([h]) => !headers.has(h)))

describe.skipIf(!hasBotocore)('config files as botocore reads them (property, botocore as oracle)', () => {
  it('sync succeeds on what botocore reads, keeps its reading of every other section, and refuses what it refuses', () => {
    const cases = fc.sample(fc.tuple(configFile, fc.subarray(POOL), fc.boolean()), {
      numRuns: RUNS,
      seed: Number(process.env.KEYLESS_PROPERTY_SEED) || 15,
    })
    const before = botocoreParse(cases.map(([text]) => withoutBom(text)))

    const synced: Array<{index: number; text: string; skipped: string[]}> = []
    let refused = 0
    for (const [index, [text, profiles, prune]] of cases.entries()) {
      const oracle = before[index]!
      const label = JSON.stringify(text)
      let result
      try {
        result = syncProfiles(text, {session: SESSION, profiles, prune, path: 'config'})
      } catch (error) {
        expect(oracle.ok, `keyless refused what botocore reads: ${(error as Error).message}\n${label}`).toBe(false)
        expect(error, label).toBeInstanceOf(ConfigSyntaxError)
        // The line configparser names; botocore checks nested blocks only after configparser has read the whole
        // file, so keyless, reading top down, may name a bad nested line before it.
        const {line, message} = error as ConfigSyntaxError
        if (!oracle.ok && oracle.line !== null && line !== oracle.line) {
          expect(message, label).toMatch(/inside the nested/)
          expect(line, label).toBeLessThan(oracle.line)
        }
        refused++
        continue
      }
      expect(oracle.ok, `keyless accepted what botocore refuses (${oracle.ok ? '' : oracle.error})\n${label}`).toBe(true)
      synced.push({index, text: result.text, skipped: result.skipped})
    }

    const after = botocoreParse(synced.map((s) => withoutBom(s.text)))
    for (const [n, {index, text, skipped}] of synced.entries()) {
      const [original, profiles] = cases[index]!
      const was = before[index]!
      const now = after[n]!
      const label = `${JSON.stringify(original)}\n->\n${JSON.stringify(text)}`
      if (!was.ok || !now.ok) throw new Error(`botocore cannot read keyless's output: ${now.ok ? '' : now.error}\n${label}`)
      const ours = new Set([...keylessHeaders(original), ...keylessHeaders(text)])
      expect(omit(now.raw, ours), label).toEqual(omit(was.raw, ours))
      for (const p of profiles) {
        if (skipped.includes(p.name)) continue
        expect(now.profiles[p.name]?.credential_process, label).toBe(p.keys.credential_process)
      }
    }
    // The generator must exercise both sides.
    process.stderr.write(`botocore oracle: ${synced.length} files synced, ${refused} refused\n`)
    expect(refused).toBeGreaterThan(RUNS / 20)
    expect(synced.length).toBeGreaterThan(RUNS / 2)
  })
})
