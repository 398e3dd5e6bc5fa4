/**
 * The console's browser session, as the sign-in host keeps it in a cookie: `Action=login` at /federation sets it
 * (one federated session per browser profile: a second sign-in replaces the first), `GET /oauth?Action=logout`
 * (https://REGION.signin.aws.amazon.com/oauth?Action=logout&redirect_uri=...) clears it and redirects to
 * `redirect_uri` (only to a page of the sign-in or console hosts, never anywhere else), and `GET /console` shows
 * which role the browser's cookie is signed in as (the stand-in for reopening the console later in that profile).
 * The cookie lasts 12 hours (the longest console session), so a browser keeps it on disk as it keeps AWS's.
 */
import {randomBytes} from 'node:crypto'

import {type ApiRequest, type ApiResponse, escapeHtml, header, html} from './http.js'
import type {EmulatorState} from './state.js'

export const SESSION_COOKIE = 'aws-console-session'

/** Each emulator's console sessions: cookie value to the role session's ARN. */
const sessions = new WeakMap<EmulatorState, Map<string, string>>()

function sessionsOf(state: EmulatorState): Map<string, string> {
  let map = sessions.get(state)
  if (!map) sessions.set(state, (map = new Map()))
  return map
}

/** A new console session for `arn`: the Set-Cookie header that hands it to the browser. */
export function startConsoleSession(state: EmulatorState, arn: string): string {
  const id = randomBytes(24).toString('base64url')
  sessionsOf(state).set(id, arn)
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200`
}

function cookieSession(state: EmulatorState, request: ApiRequest): {id: string; arn: string} | undefined {
  const cookies = header(request, 'cookie') ?? ''
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (name !== SESSION_COOKIE) continue
    const id = rest.join('=')
    const arn = sessionsOf(state).get(id)
    if (arn) return {id, arn}
  }
  return undefined
}

/** `GET /oauth?Action=logout[&redirect_uri=]`: ends the browser's console session, then redirects or says so. */
export function oauth(state: EmulatorState, request: ApiRequest): ApiResponse {
  if (request.query.get('Action') !== 'logout')
    return {status: 400, headers: {'content-type': 'text/plain; charset=utf-8'}, body: 'Bad Request: unknown Action\n'}
  state.count('ConsoleLogout')
  const session = cookieSession(state, request)
  if (session) sessionsOf(state).delete(session.id)
  const cleared = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`
  const next = request.query.get('redirect_uri')
  if (next) {
    let target: URL
    try {
      target = new URL(next, request.baseUrl)
    } catch {
      return {status: 400, headers: {'content-type': 'text/plain; charset=utf-8'}, body: 'Bad Request: redirect_uri\n'}
    }
    const allowed =
      target.origin === new URL(request.baseUrl).origin || (target.protocol === 'https:' && /(^|\.)aws\.amazon\.com$/.test(target.hostname))
    if (!allowed) return {status: 400, headers: {'content-type': 'text/plain; charset=utf-8'}, body: 'Bad Request: redirect_uri\n'}
    return {status: 302, headers: {location: target.href, 'set-cookie': cleared, 'cache-control': 'no-store'}, body: ''}
  }
  return {
    ...html(200, '<!doctype html><title>Signed out</title><h1 id="signed-out">You have signed out</h1>\n'),
    headers: {'content-type': 'text/html; charset=utf-8', 'set-cookie': cleared},
  }
}

/** `GET /console`: the role this browser profile is signed in to the console as, if any. */
export function consoleHome(state: EmulatorState, request: ApiRequest): ApiResponse {
  const session = cookieSession(state, request)
  if (!session) return html(200, '<!doctype html><title>AWS Management Console (emulator)</title><p id="signed-in">none</p>\n')
  return html(
    200,
    `<!doctype html><title>AWS Management Console (emulator)</title><p>Signed in as <code id="signed-in">${escapeHtml(session.arn)}</code></p>\n`,
  )
}
