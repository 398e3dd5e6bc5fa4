/**
 * What is not AWS: the device approval page (the browser side of the device flow) and the `/_emulator/*`
 * endpoints tests use to steer and inspect the emulator.
 */
import {resetIam} from './iam.js'
import {type ApiRequest, type ApiResponse, escapeHtml, html, json, parseJsonObject} from './http.js'
import type {EmulatorState} from './state.js'
import {mintWebIdentityToken} from './sts-web-identity.js'

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}code{font-size:1.6rem;letter-spacing:.2rem}button{font-size:1rem;margin-right:1rem;padding:.5rem 1.5rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`
}

/** `GET /device?user_code=XXXX-XXXX`: the page verificationUriComplete opens. */
export function approvalPage(state: EmulatorState, request: ApiRequest): ApiResponse {
  const userCode = request.query.get('user_code')
  if (!userCode) {
    return html(
      200,
      page(
        'Authorize request',
        `<form method="post" action="/device"><label>Code <input name="user_code" autofocus></label>
<button type="submit" name="action" value="approve">Approve</button><button type="submit" name="action" value="deny">Deny</button></form>`,
      ),
    )
  }
  const device = state.deviceByUserCode(userCode)
  if (!device || device.status !== 'pending' || device.expiresAtMs <= state.nowMs()) {
    return html(404, page('Code not found', `<p>The code ${escapeHtml(userCode)} is unknown, expired or already used.</p>`))
  }
  const user = state.config.fixture.user
  return html(
    200,
    page(
      'Authorize request',
      `<p>Signed in as <strong>${escapeHtml(user)}</strong> at ${escapeHtml(state.config.fixture.startUrl)}.</p>
<p>Confirm this code matches the one shown by your application:</p>
<p><code id="user-code">${escapeHtml(device.userCode)}</code></p>
<form method="post" action="/device">
<input type="hidden" name="user_code" value="${escapeHtml(device.userCode)}">
<button type="submit" name="action" value="approve" id="approve">Approve</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
</form>`,
    ),
  )
}

/** `POST /device` (form `user_code`, `action=approve|deny`): what the Approve and Deny buttons send. */
export function approvalDecision(state: EmulatorState, request: ApiRequest): ApiResponse {
  const form = new URLSearchParams(request.body.toString('utf8'))
  const userCode = form.get('user_code') ?? ''
  const action = form.get('action')
  if (action !== 'approve' && action !== 'deny') return html(400, page('Bad request', '<p>Choose Approve or Deny.</p>'))
  if (!state.decide(userCode, action === 'approve')) {
    return html(404, page('Code not found', `<p>The code ${escapeHtml(userCode)} is unknown, expired or already used.</p>`))
  }
  const title = action === 'approve' ? 'Request approved' : 'Request denied'
  return html(200, page(title, '<p id="result">You can close this window.</p>'))
}

/** `/_emulator/*` */
export function control(state: EmulatorState, request: ApiRequest): ApiResponse {
  const route = `${request.method} ${request.path}`
  const input = request.method === 'POST' ? parseJsonObject(request.body) : {}
  if (!input) return json(400, {error: 'body must be a JSON object'})
  switch (route) {
    case 'GET /_emulator/stats':
      return json(200, state.stats)
    case 'GET /_emulator/concurrency':
      return json(200, {sts: {inFlight: state.stsInFlight, peak: state.stsPeak}})
    case 'GET /_emulator/issued':
      return json(200, {secrets: [...state.issued]})
    case 'GET /_emulator/polls':
      return json(200, state.pollReport())
    case 'GET /_emulator/fixture':
      return json(200, {...state.config.fixture, accounts: state.assignedAccounts()})
    case 'POST /_emulator/reset':
      state.reset()
      resetIam(state)
      return json(200, {ok: true})
    case 'POST /_emulator/revoke-all':
      state.revokeAllTokens()
      return json(200, {ok: true})
    case 'POST /_emulator/approve':
    case 'POST /_emulator/deny': {
      if (typeof input.userCode !== 'string') return json(400, {error: 'userCode is required'})
      const ok = state.decide(input.userCode, route.endsWith('approve'))
      return ok ? json(200, {ok: true}) : json(404, {error: `no pending device authorization with user code ${input.userCode}`})
    }
    case 'POST /_emulator/assignments': {
      const {accountId, roleName, assigned, accountName} = input
      if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId) || typeof roleName !== 'string' || typeof assigned !== 'boolean') {
        return json(400, {error: 'expected {"accountId": "<12 digits>", "roleName": "...", "assigned": true|false}'})
      }
      const account = state.setAssignment(accountId, roleName, assigned, typeof accountName === 'string' ? accountName : undefined)
      return json(200, {account})
    }
    case 'POST /_emulator/clock': {
      const seconds = input.advanceSeconds
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        return json(400, {error: 'expected {"advanceSeconds": <non-negative number>}'})
      }
      state.clockOffsetMs += seconds * 1000
      return json(200, {nowMs: state.nowMs()})
    }
    case 'POST /_emulator/web-identity-token': {
      // The emulator as an OIDC identity provider (an EKS cluster, GitHub Actions): a token for STS's
      // AssumeRoleWithWebIdentity, accepted where the account has an IAM OIDC provider for `issuer`.
      const {issuer, subject, audience = 'sts.amazonaws.com', expiresInSeconds = 3600} = input
      if (typeof issuer !== 'string' || !/^https:\/\/[^/\s]+/.test(issuer) || typeof subject !== 'string' || typeof audience !== 'string') {
        return json(400, {error: 'expected {"issuer": "https://...", "subject": "...", "audience"?: "...", "expiresInSeconds"?: n}'})
      }
      if (typeof expiresInSeconds !== 'number' || !Number.isFinite(expiresInSeconds)) {
        return json(400, {error: 'expiresInSeconds must be a number'})
      }
      return json(200, {token: mintWebIdentityToken(state, {issuer, subject, audience, expiresInSeconds})})
    }
    default:
      return json(404, {error: `no control endpoint ${route}`})
  }
}
