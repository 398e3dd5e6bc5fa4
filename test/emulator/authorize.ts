/**
 * The browser side of the authorization-code grant: `GET /authorize` (the URL the client sends the browser to)
 * and the approval page's form, `POST /authorize`. Validation follows RFC 6749 4.1.2.1: a bad client_id or
 * redirect_uri is shown as an error page and never redirected to; any other bad parameter is redirected back
 * to the (valid) redirect_uri as `error=...`.
 */
import {type ApiRequest, type ApiResponse, escapeHtml, html} from './http.js'
import {grantsOf} from './oidc.js'
import type {AuthRequest, EmulatorState} from './state.js'

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;margin-right:1rem;padding:.5rem 1.5rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`
}

function redirect(location: string): ApiResponse {
  return {status: 302, headers: {location, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store'}, body: ''}
}

/** `redirect_uri` with the answer's parameters added (code and state, or error and state). */
function back(redirectUri: string, params: Record<string, string | undefined>): ApiResponse {
  const url = new URL(redirectUri)
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value)
  return redirect(url.toString())
}

/** The request's redirect_uri matches a registered one: same scheme, host and path; any port on loopback (RFC 8252 7.3). */
function matchesRegistered(redirectUri: string, registered: string[]): boolean {
  let url: URL
  try {
    url = new URL(redirectUri)
  } catch {
    return false
  }
  if (url.hash || url.username || url.password) return false
  return registered.some((r) => {
    const reg = new URL(r)
    const loopback = reg.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(reg.hostname)
    return (
      url.protocol === reg.protocol && url.hostname === reg.hostname && url.pathname === reg.pathname && (loopback || url.port === reg.port)
    )
  })
}

/** `GET /authorize?response_type=code&client_id&redirect_uri&scopes&state&code_challenge&code_challenge_method=S256` */
export function authorize(state: EmulatorState, request: ApiRequest): ApiResponse {
  state.count('Authorize')
  const q = request.query
  const clientId = q.get('client_id') ?? ''
  const registration = state.registrations.get(clientId)
  if (!registration || registration.expiresAt <= state.nowSeconds()) {
    return html(400, page('Invalid request', '<p id="error">Unknown or expired client_id.</p>'))
  }
  if (!grantsOf(registration).includes('authorization_code')) {
    return html(400, page('Invalid request', '<p id="error">The client is not registered for the authorization_code grant.</p>'))
  }
  const redirectUri = q.get('redirect_uri') ?? ''
  if (!matchesRegistered(redirectUri, registration.redirectUris ?? [])) {
    return html(400, page('Invalid request', '<p id="error">redirect_uri does not match a registered redirect URI.</p>'))
  }
  const clientState = q.get('state') ?? undefined
  const fail = (error: string, description: string) => back(redirectUri, {error, error_description: description, state: clientState})
  if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code')
  if (q.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256')
  const codeChallenge = q.get('code_challenge') ?? ''
  if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
    return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)')
  const scopes = (q.get('scopes') ?? '').split(/[\s,]+/).filter(Boolean)
  if (scopes.some((s) => !registration.scopes.includes(s))) return fail('invalid_scope', 'scopes must be among the registered scopes')
  const pending = {clientId, redirectUri, state: clientState, codeChallenge, scopes: scopes.length > 0 ? scopes : registration.scopes}
  if (state.config.autoApprove) return back(redirectUri, {code: state.issueAuthCode(pending), state: clientState})
  const request_ = state.startAuthRequest(pending)
  return html(200, approvalPage(state, registration.clientName, request_))
}

function approvalPage(state: EmulatorState, clientName: string, request: AuthRequest): string {
  return page(
    'Allow access?',
    `<p>Signed in as <strong>${escapeHtml(state.config.fixture.user)}</strong> at ${escapeHtml(state.config.fixture.startUrl)}.</p>
<p><strong>${escapeHtml(clientName)}</strong> asks for access with the scopes ${escapeHtml(request.scopes.join(', '))}.</p>
<form method="post" action="/authorize">
<input type="hidden" name="request_id" value="${escapeHtml(request.id)}">
<button type="submit" name="action" value="allow" id="allow">Allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
</form>`,
  )
}

/** `POST /authorize` (form `request_id`, `action=allow|deny`): what the Allow and Deny buttons send. */
export function authorizeDecision(state: EmulatorState, request: ApiRequest): ApiResponse {
  const form = new URLSearchParams(request.body.toString('utf8'))
  const action = form.get('action')
  if (action !== 'allow' && action !== 'deny') return html(400, page('Bad request', '<p>Choose Allow or Deny.</p>'))
  const pending = state.authRequests.get(form.get('request_id') ?? '')
  if (!pending || pending.expiresAtMs <= state.nowMs()) {
    return html(404, page('Request not found', '<p>This authorization request is unknown, expired or already answered.</p>'))
  }
  state.authRequests.delete(pending.id)
  if (action === 'deny')
    return back(pending.redirectUri, {error: 'access_denied', error_description: 'The user denied the request', state: pending.state})
  return back(pending.redirectUri, {code: state.issueAuthCode(pending), state: pending.state})
}
