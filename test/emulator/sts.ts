/**
 * STS GetCallerIdentity over awsQuery: a form-encoded POST / (or GET /?Action=...), XML answers and XML errors,
 * SigV4 checked against the secret the emulator issued or the fixture's static keys.
 */
import {randomUUID} from 'node:crypto'

import {Sha256} from '@aws-crypto/sha256-js'
import {SignatureV4} from '@smithy/signature-v4'

import {queryError, xmlResponse} from './aws-query.js'
import {type ApiRequest, type ApiResponse, header} from './http.js'
import {handleAssumeRole} from './sts-assume-role.js'
import {handleAssumeRoleWithWebIdentity} from './sts-web-identity.js'
import type {EmulatorState, IssuedCredentials} from './state.js'

export const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/'
const API_VERSION = '2011-06-15'

/** STS's awsQuery error. */
export function stsError(status: number, code: string, message: string): ApiResponse {
  return queryError(NAMESPACE, status, code, message)
}

/** `POST /` with `Action=GetCallerIdentity&Version=2011-06-15`. */
export async function handleSts(state: EmulatorState, request: ApiRequest): Promise<ApiResponse> {
  const params = request.method === 'POST' ? new URLSearchParams(request.body.toString('utf8')) : request.query
  const action = params.get('Action')
  if (action === 'AssumeRole') return handleAssumeRole(state, request, params)
  if (action === 'AssumeRoleWithWebIdentity') return handleAssumeRoleWithWebIdentity(state, request, params)
  if (action !== 'GetCallerIdentity') {
    return stsError(400, 'InvalidAction', `Could not find operation ${action ?? '(none)'} for version ${API_VERSION}`)
  }
  state.count('GetCallerIdentity')
  if (params.get('Version') !== API_VERSION) {
    return stsError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? '(none)'}`)
  }
  const checked = await authenticate(state, request)
  if ('status' in checked) return checked
  const requestId = randomUUID()
  return xmlResponse(
    200,
    {
      GetCallerIdentityResponse: {
        '@_xmlns': NAMESPACE,
        GetCallerIdentityResult: {Arn: checked.arn, UserId: checked.userId, Account: checked.account},
        ResponseMetadata: {RequestId: requestId},
      },
    },
    requestId,
  )
}

interface ParsedAuthorization {
  accessKeyId: string
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/

function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const m = AUTHORIZATION.exec(value.trim())
  if (!m) return undefined
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  }
}

/** `20240102T030405Z` -> Date */
function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null
  if (!m) return undefined
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
}

/** The caller's principal, or the error STS would give. Order as AWS: key known, token valid, unexpired, signature.
 * IAM (iam.ts) checks its callers the same way. */
export async function authenticate(state: EmulatorState, request: ApiRequest): Promise<IssuedCredentials | ApiResponse> {
  const authorization = header(request, 'authorization')
  if (!authorization) return stsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token')
  const auth = parseAuthorization(authorization)
  const signingDate = parseAmzDate(header(request, 'x-amz-date'))
  if (!auth || !signingDate) {
    return stsError(
      400,
      'IncompleteSignature',
      'Authorization header requires Credential, SignedHeaders, Signature and an X-Amz-Date header',
    )
  }
  const credentials = state.credentials.get(auth.accessKeyId)
  // AWS answers an inactive key exactly as a deleted one (nothing tells an attacker the key exists).
  if (!credentials || credentials.inactive)
    return stsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
  const sessionToken = header(request, 'x-amz-security-token')
  if (credentials.sessionToken !== sessionToken) {
    return stsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
  }
  if (credentials.expiresAtMs !== undefined && credentials.expiresAtMs <= state.nowMs()) {
    return stsError(400, 'ExpiredToken', 'The security token included in the request is expired')
  }
  const expected = await expectedSignature(request, auth, signingDate, credentials.secretAccessKey)
  if (expected !== auth.signature) {
    return stsError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
  }
  return credentials
}

/**
 * Re-signs the request as received with the SDK's own signer and the secret we hold: only the headers the
 * client listed in SignedHeaders, the scope (date, region, service) it claimed, the body bytes it sent.
 */
async function expectedSignature(
  request: ApiRequest,
  auth: ParsedAuthorization,
  signingDate: Date,
  secretAccessKey: string,
): Promise<string> {
  const headers: Record<string, string> = {}
  for (const name of auth.signedHeaders) {
    const value = header(request, name)
    if (value !== undefined) headers[name] = value
  }
  const query: Record<string, string | string[]> = {}
  for (const [key, value] of new URLSearchParams(request.rawQuery)) {
    const existing = query[key]
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]
  }
  const signer = new SignatureV4({
    credentials: {accessKeyId: auth.accessKeyId, secretAccessKey},
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    applyChecksum: false,
  })
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: request.path,
      query,
      headers,
      body: new Uint8Array(request.body),
    },
    {signingDate, signableHeaders: new Set(auth.signedHeaders)},
  )
  const m = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))
  return m?.[1] ?? ''
}
