import {randomUUID} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'

/** A request as the protocol handlers see it: already read in full. */
export interface ApiRequest {
  method: string
  /** Path without the query string, e.g. `/assignment/accounts`. */
  path: string
  /** The raw query string without `?` (SigV4 needs it as sent). */
  rawQuery: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
  /** `http://127.0.0.1:PORT`: where this emulator listens (for verificationUri). */
  baseUrl: string
}

/** What a handler answers; server.ts writes it. */
export interface ApiResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: {'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers},
    body: value === undefined ? '' : JSON.stringify(value),
  }
}

/**
 * An AWS restJson1 error: the status of the model's `httpError`, the shape name in `x-amzn-ErrorType`
 * (which the SDKs and botocore read first), and the modelled members as the body.
 */
export function restJsonError(status: number, errorType: string, body: Record<string, string>): ApiResponse {
  return json(status, body, {'x-amzn-errortype': errorType})
}

export function html(status: number, body: string): ApiResponse {
  return {status, headers: {'content-type': 'text/html; charset=utf-8'}, body}
}

/** Parses a JSON request body into an object; undefined when it is not a JSON object. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return {}
  try {
    const value: unknown = JSON.parse(body.toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export function header(request: ApiRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(',') : value
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
