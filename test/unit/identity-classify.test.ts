import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {classifyArn, classifyKey, formatTimeLeft, maskAccessKeyId} from '../../src/identity/classify.js'

describe('classifyArn', () => {
  it.each([
    ['arn:aws:iam::111111111111:root', {kind: 'root', account: '111111111111'}],
    ['arn:aws-cn:iam::111111111111:root', {kind: 'root', account: '111111111111'}],
    ['arn:aws:iam::222222222222:user/terraform-deployer', {kind: 'iam-user', account: '222222222222', name: 'terraform-deployer'}],
    ['arn:aws:iam::222222222222:user/ci/deployers/bot', {kind: 'iam-user', account: '222222222222', name: 'bot'}],
    [
      'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/demo.user',
      {kind: 'sso-role', account: '111111111111', name: 'AdministratorAccess', sessionName: 'demo.user'},
    ],
    [
      'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Read_Only_Access_0123456789abcdef/demo@example.com',
      {kind: 'sso-role', account: '111111111111', name: 'Read_Only_Access', sessionName: 'demo@example.com'},
    ],
    [
      'arn:aws:sts::333333333333:assumed-role/deploy/aws-sdk-js-1700000000000',
      {kind: 'assumed-role', account: '333333333333', name: 'deploy', sessionName: 'aws-sdk-js-1700000000000'},
    ],
    // Not a 16-hex suffix: an ordinary role someone named like the SSO ones.
    [
      'arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_fake/me',
      {kind: 'assumed-role', account: '333333333333', name: 'AWSReservedSSO_fake', sessionName: 'me'},
    ],
    ['arn:aws:sts::444444444444:federated-user/alice', {kind: 'federated-user', account: '444444444444', name: 'alice'}],
    ['arn:aws:iam::555555555555:role/x', {kind: 'unknown', account: '555555555555'}],
    ['not an arn', {kind: 'unknown', account: ''}],
    ['arn:aws:iam::12345:root', {kind: 'unknown', account: ''}],
  ])('%s', (arn, expected) => {
    expect(classifyArn(arn)).toEqual(expected)
  })
})

describe('classifyKey', () => {
  it('tells long-term from temporary keys by prefix', () => {
    expect(classifyKey('AKIAEMULATORROOT0001', false)).toBe('long-term')
    expect(classifyKey('AKIAEMULATORROOT0001', true)).toBe('long-term')
    expect(classifyKey('ASIAEXAMPLE000000001', true)).toBe('temporary')
    expect(classifyKey('ASIAEXAMPLE000000001', false)).toBe('temporary')
    expect(classifyKey('XYZ123', true)).toBe('temporary')
    expect(classifyKey('XYZ123', false)).toBe('unknown')
  })
})

describe('maskAccessKeyId', () => {
  it('keeps the first and last four characters of a 20-character key', () => {
    expect(maskAccessKeyId('AKIAEMULATORROOT0001')).toBe('AKIA************0001')
  })
  it('never reveals more than eight characters, and keeps the length', () => {
    fc.assert(
      fc.property(fc.string({minLength: 0, maxLength: 64}), (key) => {
        const masked = maskAccessKeyId(key)
        expect(masked.length).toBe(key.length)
        expect(masked.replace(/\*/g, '').length).toBeLessThanOrEqual(Math.min(8, key.length))
        if (key.length > 8) expect(masked.slice(4, -4)).toBe('*'.repeat(key.length - 8))
      }),
    )
  })
})

describe('formatTimeLeft', () => {
  const now = new Date('2025-01-01T12:00:00Z')
  it.each([
    ['2025-01-01T11:59:00Z', 'expired'],
    ['2025-01-01T12:00:00Z', 'expired'],
    ['2025-01-01T12:00:30Z', 'under a minute'],
    ['2025-01-01T12:42:59Z', '42m'],
    ['2025-01-01T15:05:00Z', '3h 05m'],
  ])('%s', (at, expected) => {
    expect(formatTimeLeft(new Date(at), now)).toBe(expected)
  })
})
