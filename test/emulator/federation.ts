/**
 * The AWS sign-in federation endpoint (`/federation`, as at https://<region>.signin.aws.amazon.com/federation):
 * `Action=getSigninToken` (POST form, or GET with a query string) exchanges the temporary credentials the emulator
 * issued for a SigninToken; `GET ?Action=login&...&SigninToken=` spends that token once, within 15 minutes, and
 * shows a stand-in "console" page naming the assumed-role ARN.
 */
import {type ApiRequest, type ApiResponse, escapeHtml, html, json} from './http.js'
import type {EmulatorState} from './state.js'
import {startConsoleSession} from './console-session.js'

/** A sign-in token is good for 15 minutes (AWS IAM User Guide, "custom identity broker"). */
export const SIGNIN_TOKEN_TTL_MS = 15 * 60 * 1000

function badRequest(message: string): ApiResponse {
  return {status: 400, headers: {'content-type': 'text/plain; charset=utf-8'}, body: `Bad Request: ${message}\n`}
}

function params(request: ApiRequest): URLSearchParams {
  if (request.method !== 'POST') return request.query
  const form = new URLSearchParams(request.body.toString('utf8'))
  // AWS reads the query string of a POST too; the form wins.
  const merged = new URLSearchParams(request.query)
  for (const [k, v] of form) merged.set(k, v)
  return merged
}

export function federation(state: EmulatorState, request: ApiRequest): ApiResponse {
  const p = params(request)
  const action = p.get('Action')
  if (action === 'getSigninToken') return getSigninToken(state, p)
  if (action === 'login' && request.method === 'GET') return login(state, p)
  return badRequest(`unknown Action ${action ?? '(none)'}`)
}

function getSigninToken(state: EmulatorState, p: URLSearchParams): ApiResponse {
  state.count('GetSigninToken')
  let session: {sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown}
  try {
    session = JSON.parse(p.get('Session') ?? '') as typeof session
  } catch {
    return badRequest('Session is not JSON')
  }
  const issued = typeof session.sessionId === 'string' ? state.credentials.get(session.sessionId) : undefined
  // Only temporary credentials (with a session token) can sign in to the console, and only the exact triple issued.
  if (!issued || !issued.sessionToken || issued.secretAccessKey !== session.sessionKey || issued.sessionToken !== session.sessionToken) {
    return badRequest('the session credentials are not valid')
  }
  if (issued.expiresAtMs !== undefined && issued.expiresAtMs <= state.nowMs()) return badRequest('the session credentials have expired')
  const token = state.issueSigninToken(issued.arn)
  return json(200, {SigninToken: token})
}

function login(state: EmulatorState, p: URLSearchParams): ApiResponse {
  state.count('ConsoleLogin')
  const token = p.get('SigninToken') ?? ''
  const record = state.signinTokens.get(token)
  if (!record || record.used || state.nowMs() - record.issuedAtMs > SIGNIN_TOKEN_TTL_MS) {
    return html(
      400,
      '<!doctype html><title>Sign-in failed</title><h1 id="error">Your sign-in token is invalid, expired or already used</h1>\n',
    )
  }
  record.used = true
  const destination = p.get('Destination') ?? ''
  const page = html(
    200,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AWS Management Console (emulator)</title></head>
<body><h1>AWS Management Console (emulator)</h1>
<p>Signed in as <code id="arn">${escapeHtml(record.arn)}</code></p>
<p>Destination: <code id="destination">${escapeHtml(destination)}</code></p>
<p>Issuer: <code id="issuer">${escapeHtml(p.get('Issuer') ?? '')}</code></p>
</body></html>
`,
  )
  // The browser is now signed in as this role: one console session per browser profile, the last sign-in wins.
  return {...page, headers: {...page.headers, 'set-cookie': startConsoleSession(state, record.arn)}}
}
