import {describe, expect, it} from 'vitest'

import {afterFixLine, auditFailure, beforeFixLine, summaryLine} from '../../src/audit/render.js'
import type {AuditReport} from '../../src/audit/types.js'
import {keylessConversionBlocker} from '../../src/aws-config/remove-keys.js'

const report = (critical: number, high: number, medium: number, info: number): AuditReport => ({
  findings: [],
  summary: {critical, high, medium, info},
})

describe('the closing line after --fix agrees with the exit code and the stderr line (issue 21 items 3 and 10)', () => {
  it.each([
    // [left, changed, notApplied, closing line, stderr line or undefined (exit 0)]
    [report(0, 0, 0, 2), true, 0, '2 findings: 0 critical, 0 high, 0 medium, 2 info. Nothing left to fix.', undefined],
    [report(0, 0, 0, 0), true, 0, 'No AWS credentials left on this machine.', undefined],
    [
      report(0, 0, 0, 2),
      true,
      1,
      '2 findings: 0 critical, 0 high, 0 medium, 2 info. 1 fix could not be applied (see above).',
      '1 fix could not be applied (see above); fix the cause and run: keyless audit --fix',
    ],
    [
      report(0, 1, 1, 0),
      true,
      0,
      '2 findings: 0 critical, 1 high, 1 medium, 0 info. Fix what is left by hand: each finding says how.',
      'audit --fix left 0 critical and 1 high finding; fix what is left by hand: each finding says how',
    ],
    [
      report(1, 1, 0, 0),
      true,
      2,
      '2 findings: 1 critical, 1 high, 0 medium, 0 info. 2 fixes could not be applied (see above). Fix what is left by hand: each finding says how.',
      'audit --fix left 1 critical and 1 high findings (and 2 fixes could not be applied); fix what is left by hand: each finding says how',
    ],
    [
      report(0, 0, 1, 0),
      true,
      0,
      '1 finding: 0 critical, 0 high, 1 medium, 0 info. Fix what is left by hand: each finding says how.',
      undefined,
    ],
    [
      report(0, 1, 0, 0),
      false,
      0,
      'Nothing changed. Fix what is left by hand: each finding says how.',
      'audit --fix left 0 critical and 1 high finding; fix what is left by hand: each finding says how',
    ],
  ])('%o changed=%s notApplied=%i', (left, changed, notApplied, closing, stderr) => {
    const line = afterFixLine(left, {changed, notApplied})
    expect(line).toBe(closing)
    if (notApplied > 0) expect(line).not.toMatch(/Nothing/)
    const failure = auditFailure(left, {fix: true, failed: left.summary.critical + left.summary.high > 0, notApplied})
    expect(failure && `${failure.message}; ${failure.hint}`).toBe(stderr)
  })

  it('before --fix asks, the inventory ends with the counts only; a plain audit still points at --fix', () => {
    expect(beforeFixLine(report(1, 0, 0, 1))).toBe('2 findings: 1 critical, 0 high, 0 medium, 1 info.')
    expect(summaryLine(report(1, 0, 0, 1))).toBe(
      '2 findings: 1 critical, 0 high, 0 medium, 1 info. Remove what --fix can: keyless audit --fix',
    )
    expect(auditFailure(report(1, 0, 0, 1), {fix: false, failed: true, notApplied: 0})).toEqual({
      message: 'audit found 1 critical and 0 high finding',
      hint: 'run: keyless audit --fix',
      exit: 3,
    })
  })
})

describe('keylessConversionBlocker: what keeps a profile from becoming a keyless profile', () => {
  const config = [
    '[profile sso]',
    'sso_session = acme',
    '[profile proc]',
    'credential_process = other-tool',
    '[profile chain]',
    'role_arn = arn:aws:iam::111111111111:role/x',
    'source_profile = base',
    '[profile keyed]',
    'aws_access_key_id = AKIAEXAMPLE',
    'aws_secret_access_key = x',
    'region = eu-west-1',
    '[profile mine.ReadOnlyAccess]',
    'credential_process = keyless credential-process',
    'keyless_session = acme',
    '[profile plain]',
    'region = eu-west-1',
    '',
  ].join('\n')
  it.each([
    ['sso', false, 'sso_session'],
    ['proc', false, 'credential_process'],
    ['chain', false, 'role_arn'],
    ['keyed', false, 'aws_access_key_id'],
    ['keyed', true, undefined], // its own keys are the ones being removed
    ['mine.ReadOnlyAccess', false, undefined], // keyless's own: re-pointed
    ['plain', false, undefined],
    ['absent', false, undefined], // a new [profile absent] is appended
  ])('[profile %s] (keys removed first: %s): %s', (name, keysRemovedFirst, blocker) => {
    expect(keylessConversionBlocker(config, name, {keysRemovedFirst})).toBe(blocker)
  })
})
