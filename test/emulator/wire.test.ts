/**
 * The bytes on the wire, checked by hand where the SDK hides them: the error header and bodies of each protocol
 * and the STS XML documents. (Behaviour is tested through the real clients in oidc/portal/sts.test.ts.)
 */
import {Sha256} from '@aws-crypto/sha256-js'
import {SignatureV4} from '@smithy/signature-v4'
import {XMLParser} from 'fast-xml-parser'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type EmulatorHandle, startEmulator} from '../helpers/emulator.js'

let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})

async function signedSts(body: string, secretAccessKey: string) {
  const url = new URL(emulator.url)
  const signer = new SignatureV4({
    credentials: {accessKeyId: 'AKIAEMULATORROOT0001', secretAccessKey},
    region: 'us-east-1',
    service: 'sts',
    sha256: Sha256,
  })
  const request = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: {host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8'},
    body,
  })
  return fetch(`${emulator.url}/`, {method: 'POST', headers: request.headers, body})
}

describe('wire format', () => {
  it('sso-oidc errors: status, x-amzn-ErrorType, {error, error_description}', async () => {
    const response = await fetch(`${emulator.url}/token`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({clientId: 'nope', clientSecret: 'nope', grantType: 'refresh_token', refreshToken: 'x'}),
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidClientException')
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({error: 'invalid_client', error_description: expect.any(String)})
  })

  it('portal errors: status, x-amzn-ErrorType, {message}', async () => {
    const response = await fetch(`${emulator.url}/assignment/accounts?max_result=10`, {headers: {'x-amz-sso_bearer_token': 'nope'}})
    expect(response.status).toBe(401)
    expect(response.headers.get('x-amzn-errortype')).toBe('UnauthorizedException')
    expect(await response.json()).toEqual({message: 'Session token not found or invalid'})
  })

  it('STS GetCallerIdentity: XML in the 2011-06-15 namespace', async () => {
    const response = await signedSts('Action=GetCallerIdentity&Version=2011-06-15', 'emulator-root-secret-0000000000000000000')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/xml')
    const text = await response.text()
    expect(text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/,
    )
    const doc = new XMLParser().parse(text)
    expect(doc.GetCallerIdentityResponse.GetCallerIdentityResult).toEqual({
      Arn: 'arn:aws:iam::111111111111:root',
      UserId: 111111111111,
      Account: 111111111111,
    })
    expect(doc.GetCallerIdentityResponse.ResponseMetadata.RequestId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('STS errors: <ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/>', async () => {
    const response = await signedSts('Action=GetCallerIdentity&Version=2011-06-15', 'wrong')
    expect(response.status).toBe(403)
    const doc = new XMLParser().parse(await response.text())
    expect(doc.ErrorResponse.Error).toEqual({
      Type: 'Sender',
      Code: 'SignatureDoesNotMatch',
      Message: expect.stringContaining('does not match'),
    })
    expect(doc.ErrorResponse.RequestId).toMatch(/^[0-9a-f-]{36}$/)
    const unsigned = await fetch(`${emulator.url}/`, {method: 'POST', body: 'Action=GetCallerIdentity&Version=2011-06-15'})
    expect(unsigned.status).toBe(403)
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>')
  })

  it('unknown routes: 404 UnknownOperationException', async () => {
    const response = await fetch(`${emulator.url}/nowhere`)
    expect(response.status).toBe(404)
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException')
  })
})
