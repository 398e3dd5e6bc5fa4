import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {getKey, parseConfig, type ConfigDocument} from '../../src/aws-config/ini.js'
import {parseCredentialProcess, syncProfiles, type WantedProfile} from '../../src/aws-config/profiles.js'

// Random but valid AWS config files mixing everything a user may have, plus keyless profiles of this session
// ("acme") and of another one, then a sync with a random wanted set. Properties: every line keyless does not own
// survives in order byte for byte, nothing else appears, the result is what was asked for, and syncing again
// changes nothing.

const POOL: WantedProfile[] = [
  ['sandbox.AdministratorAccess', '111111111111', 'AdministratorAccess'],
  ['sandbox.ReadOnlyAccess', '111111111111', 'ReadOnlyAccess'],
  ['staging.PowerUserAccess', '222222222222', 'PowerUserAccess'],
  ['production.ReadOnlyAccess', '333333333333', 'ReadOnlyAccess'],
].map(([name, accountId, roleName]) => ({
  name: name as string,
  accountId: accountId as string,
  roleName: roleName as string,
  keys: {
    credential_process: `"/usr/local/bin/keyless" credential-process --session acme --account-id ${accountId} --role-name ${roleName}`,
    region: 'us-east-1',
    keyless_session: 'acme',
  },
}))

const userLine = fc.constantFrom('# a comment', '; another', '   # indented comment', '', '  ', '# café ☕ ünïcode')
const userKeys = fc.subarray(
  [
    ['region = eu-west-1'],
    ['output = json'],
    ['s3 =', '  max_concurrent_requests = 20', '  # inside', '  addressing_style = path'],
    ['cli_pager='],
    ['role_arn: arn:aws:iam::123456789012:role/x'],
    ['note = value # not a comment for botocore'],
  ],
  {minLength: 0},
)

/** A section body: some keys, with comments and blank lines sprinkled between them. */
const body = (keys: fc.Arbitrary<string[][]>): fc.Arbitrary<string[]> =>
  fc
    .tuple(keys, fc.array(fc.array(userLine, {maxLength: 2}), {minLength: 7, maxLength: 7}))
    .map(([ks, gaps]) => ks.flatMap((k, i) => [...(gaps[i] ?? []), ...k]).concat(gaps[6] ?? []))

const userSection = fc.tuple(
  fc.constantFrom(
    '[default]',
    '[profile dev]',
    '[profile prod]',
    '[profile équipe]',
    '[profile sandbox.AdministratorAccess]',
    '[services local]',
    '[sso-session acme]',
    '[preview]',
  ),
  body(userKeys),
)

const keylessSection = fc
  .tuple(
    fc.constantFrom('acme', 'acme', 'other'),
    fc.constantFrom(...POOL.map((p) => p.name), 'gone.Role', 'renamed-by-template'),
    fc.constantFrom(...POOL.map((p) => [p.accountId, p.roleName] as const), ['444444444444', 'GoneRole'] as const),
    fc.boolean(),
    body(fc.subarray([['output = json'], ['cli_pager =']])),
  )
  .map(([session, name, [account, role], withRegion, extra]) => [
    `[profile ${name}]`,
    `credential_process = "/old/keyless" credential-process --session ${session} --account-id ${account} --role-name ${role}`,
    ...(withRegion ? ['region = ap-south-1'] : []),
    ...extra,
    `keyless_session = ${session}`,
  ])

const configText = fc
  .record({
    preamble: fc.array(userLine, {maxLength: 3}),
    sections: fc.uniqueArray(
      fc.oneof(
        userSection.map(([h, b]) => [h, ...b]),
        keylessSection,
      ),
      {
        maxLength: 8,
        selector: (lines) => (lines[0] as string).replace('[profile ', '[').replace(' ', ''),
      },
    ),
    eol: fc.constantFrom('\n', '\r\n', 'mixed'),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    seed: fc.array(fc.boolean(), {minLength: 200, maxLength: 200}),
  })
  .map(({preamble, sections, eol, bom, finalNewline, seed}) => {
    const lines = [...preamble, ...sections.flat()]
    const text = lines
      .map((l, i) => l + (i === lines.length - 1 && !finalNewline ? '' : eol === 'mixed' ? (seed[i % 200] ? '\r\n' : '\n') : eol))
      .join('')
    return (bom ? '\ufeff' : '') + text
  })

/** Non-blank lines outside this session's keyless profiles, as text + NUL + line ending. */
function protectedLines(doc: ConfigDocument, session: string): string[] {
  const owned = new Set<number>()
  for (const s of doc.sections) {
    if (s.type === 'profile' && getKey(s, 'keyless_session') === session) for (let i = s.start; i < s.bodyEnd; i++) owned.add(i)
  }
  // The very last line of a file takes the file's final-newline style (kept as the user had it), so its
  // ending is not compared: mark it by dropping it.
  return doc.lines
    .map((l, i) => (!owned.has(i) && l.kind !== 'blank' ? l.text + '\u0000' + (i === doc.lines.length - 1 ? '' : l.eol) : undefined))
    .filter((l): l is string => l !== undefined)
}

const sameLines = (before: string[], after: string[]): void => {
  expect(after.length).toBe(before.length)
  for (const [i, line] of before.entries()) {
    // A line that had no ending (the old last line) may gain one when something is appended after it.
    if (line.endsWith('\u0000') || (after[i] as string).endsWith('\u0000')) {
      expect((after[i] as string).split('\u0000')[0]).toBe(line.split('\u0000')[0])
    } else expect(after[i]).toBe(line)
  }
}

describe('syncProfiles properties', () => {
  it('keeps every line it does not own, byte for byte and in order, and is idempotent', () => {
    fc.assert(
      fc.property(configText, fc.subarray(POOL), fc.boolean(), (text, profiles, prune) => {
        const before = parseConfig(text)
        const first = syncProfiles(text, {session: 'acme', profiles, prune})
        const after = parseConfig(first.text)

        sameLines(protectedLines(before, 'acme'), protectedLines(after, 'acme'))
        expect(after.bom).toBe(before.bom)
        if (after.lines.length > 0) expect(after.finalNewline).toBe(before.finalNewline)

        // What was asked for is there: every wanted profile not skipped is a keyless profile with its command.
        for (const p of profiles) {
          const s = after.sections.find((x) => x.type === 'profile' && x.name === p.name)
          expect(s, p.name).toBeDefined()
          if (first.skipped.includes(p.name)) continue
          expect(getKey(s!, 'keyless_session')).toBe('acme')
          expect(getKey(s!, 'credential_process')).toBe(p.keys.credential_process)
          expect(getKey(s!, 'region')).toBeDefined()
        }
        // With prune, no keyless profile of this session points at an unwanted role; other sessions' are all kept.
        const wanted = new Set(profiles.map((p) => `${p.accountId}/${p.roleName}`))
        const other = (d: ConfigDocument): string[] => d.sections.filter((s) => getKey(s, 'keyless_session') === 'other').map((s) => s.name)
        expect(other(after)).toEqual(other(before))
        if (prune) {
          for (const s of after.sections.filter((x) => getKey(x, 'keyless_session') === 'acme')) {
            const t = parseCredentialProcess(getKey(s, 'credential_process'))!
            expect(wanted.has(`${t.accountId}/${t.roleName}`)).toBe(true)
          }
        }

        const second = syncProfiles(first.text, {session: 'acme', profiles, prune})
        expect(second.text).toBe(first.text)
        expect([...second.added, ...second.updated, ...second.removed, ...second.renamed.map((r) => r.to)]).toEqual([])
      }),
      {numRuns: Number(process.env.KEYLESS_PROPERTY_RUNS) || 400},
    )
  })
})
