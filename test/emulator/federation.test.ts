import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {consoleDestination, federationEndpoint, getSigninToken, loginUrl, partitionDomains} from '../../src/console/signin.js'

let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})

const issue = () => {
  const c = emulator.state!.issueRoleCredentials('333333333333', 'ReadOnlyAccess')
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken!,
    expiresAt: new Date(c.expiresAtMs!).toISOString(),
    arn: c.arn,
  }
}
const session = (c: {accessKeyId: string; secretAccessKey: string; sessionToken: string}) =>
  JSON.stringify({sessionId: c.accessKeyId, sessionKey: c.secretAccessKey, sessionToken: c.sessionToken})
const post = (form: Record<string, string>) =>
  fetch(`${emulator.url}/federation`, {
    method: 'POST',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams(form).toString(),
  })

describe('emulator /federation', () => {
  it('getSigninToken as a POST form and as a GET; login spends the token once and names the role session', async () => {
    const before = (await emulator.stats()).operations
    const creds = issue()
    const token = await getSigninToken(`${emulator.url}/federation`, creds)
    const viaGet = await fetch(`${emulator.url}/federation?${new URLSearchParams({Action: 'getSigninToken', Session: session(creds)})}`)
    expect(viaGet.status).toBe(200)
    expect(Object.keys((await viaGet.json()) as object)).toEqual(['SigninToken'])
    const url = loginUrl(`${emulator.url}/federation`, token, 'https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1')
    const page = await fetch(url)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`<code id="arn">${creds.arn}</code>`)
    expect(html).toContain('<code id="destination">https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1</code>')
    expect((await fetch(url)).status).toBe(400)
    const after = (await emulator.stats()).operations
    expect(after.GetSigninToken - before.GetSigninToken).toBe(2)
    expect(after.ConsoleLogin - before.ConsoleLogin).toBe(2)
    expect(await emulator.issued()).toContain(token)
  })

  it('refuses credentials it did not issue, long-term keys, a wrong secret or token, and expired credentials', async () => {
    const creds = issue()
    for (const bad of [
      {...creds, secretAccessKey: 'wrong'},
      {...creds, sessionToken: 'wrong'},
      {accessKeyId: 'ASIANOTISSUED0000000', secretAccessKey: 'x', sessionToken: 'y'},
      {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey: 'emulator-root-secret-0000000000000000000', sessionToken: ''},
    ]) {
      expect((await post({Action: 'getSigninToken', Session: session(bad)})).status).toBe(400)
    }
    expect((await post({Action: 'getSigninToken', Session: 'not json'})).status).toBe(400)
    expect((await post({Action: 'nope'})).status).toBe(400)
    await emulator.advanceClock(3601)
    const expired = await post({Action: 'getSigninToken', Session: session(creds)})
    expect(expired.status).toBe(400)
    expect(await expired.text()).toMatch(/expired/)
  })

  it('a sign-in token older than 15 minutes is refused', async () => {
    const token = await getSigninToken(`${emulator.url}/federation`, issue())
    await emulator.advanceClock(15 * 60 + 1)
    expect((await fetch(loginUrl(`${emulator.url}/federation`, token, 'https://console.aws.amazon.com/'))).status).toBe(400)
  })
})

describe('partitions and destinations', () => {
  it('the region-prefixed sign-in host of each partition; AWS_ENDPOINT_URL_SIGNIN, else AWS_ENDPOINT_URL', () => {
    expect(federationEndpoint('eu-west-1', {})).toBe('https://eu-west-1.signin.aws.amazon.com/federation')
    expect(federationEndpoint('us-gov-west-1', {})).toBe('https://us-gov-west-1.signin.amazonaws-us-gov.com/federation')
    expect(federationEndpoint('cn-north-1', {})).toBe('https://cn-north-1.signin.amazonaws.cn/federation')
    expect(federationEndpoint('eu-west-1', {AWS_ENDPOINT_URL: 'http://127.0.0.1:1/', AWS_ENDPOINT_URL_SIGNIN: 'http://127.0.0.1:2'})).toBe(
      'http://127.0.0.1:2/federation',
    )
    expect(federationEndpoint('eu-west-1', {AWS_ENDPOINT_URL: 'http://127.0.0.1:1/'})).toBe('http://127.0.0.1:1/federation')
    expect(partitionDomains('us-gov-east-1').partition).toBe('aws-us-gov')
    expect(partitionDomains('cn-northwest-1').partition).toBe('aws-cn')
  })

  it('destinations: home page, a service name, a path; on the partition console host with the region', () => {
    expect(consoleDestination('us-gov-west-1')).toBe('https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1')
    expect(consoleDestination('cn-north-1', 'ec2')).toBe('https://cn-north-1.console.amazonaws.cn/ec2/home?region=cn-north-1')
    expect(consoleDestination('eu-west-1', 'S3')).toBe('https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1')
    expect(consoleDestination('eu-west-1', '/ec2/home?region=eu-west-2#Instances')).toBe(
      'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-2#Instances',
    )
    for (const bad of ['https://evil.example.com', '//evil.example.com/x', 'a b', '../x'])
      expect(() => consoleDestination('eu-west-1', bad)).toThrow(/neither a service name nor a console path/)
  })
})
