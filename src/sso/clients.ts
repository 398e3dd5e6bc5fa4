import type {SSOClient} from '@aws-sdk/client-sso'
import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'
import {Transform} from 'node:stream'

import {narrowSdkConfigToProfileInUse} from '../aws-config/sdk-config-view.js'
import {AWS_CALL_DEADLINE_MS, AWS_CONNECT_TIMEOUT_MS, AWS_RESPONSE_TIMEOUT_MS} from '../timing.js'
import {debugEnabled, sdkLogger} from '../ui/debug.js'
import {recordServerDate, type ServerClock} from './clock.js'
import {clientSso, clientSsoOidc} from '../sdk-modules.js'

/**
 * Largest answer keyless reads from an AWS endpoint. Its biggest real answers (a page of 100 accounts, a token
 * reply) are a few tens of kilobytes; an endpoint sending more is not AWS, and reading it would cost memory.
 */
export const MAX_AWS_RESPONSE_BYTES = 1024 * 1024

/** The HTTP settings every AWS client of keyless uses: connection and response timeouts (src/timing.ts). */
export const AWS_HTTP_OPTIONS = {
  connectionTimeout: AWS_CONNECT_TIMEOUT_MS,
  requestTimeout: AWS_RESPONSE_TIMEOUT_MS,
  socketTimeout: AWS_RESPONSE_TIMEOUT_MS,
  throwOnRequestTimeout: true,
}

/** An answer larger than MAX_AWS_RESPONSE_BYTES (mapped to one line by explainSdkError). */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError'
  constructor() {
    super(`the answer is larger than ${MAX_AWS_RESPONSE_BYTES / 1024 / 1024} MB`)
  }
}

/** A call that did not complete within AWS_CALL_DEADLINE_MS (networkCause says "timed out"). */
export class CallDeadlineError extends Error {
  override name = 'TimeoutError'
  readonly code = 'ETIMEDOUT'
  constructor(ms: number) {
    super(`no complete answer within ${ms / 1000} s`)
  }
}

interface SendingClient {
  send: (...args: never[]) => Promise<unknown>
  middlewareStack: {add: (mw: never, options: {step: 'deserialize'; priority: 'low'; name: string}) => void}
}

/**
 * One rule for every AWS call keyless makes (Identity Center's OIDC and portal, STS): answers are capped at
 * MAX_AWS_RESPONSE_BYTES while they stream in, and each `send` ends by AWS_CALL_DEADLINE_MS whatever the server
 * does (silent, dripping a byte at a time, retried), with the caller's own abort signal still honoured.
 */
export function withCallLimits<C>(client: C, deadlineMs = AWS_CALL_DEADLINE_MS): C {
  const c = client as unknown as SendingClient
  // Innermost in the deserialize step: sees the raw HTTP answer before the SDK reads its body.
  c.middlewareStack.add(
    ((next: (args: unknown) => Promise<{response: {headers?: Record<string, string>; body?: unknown}}>) => async (args: unknown) => {
      const result = await next(args)
      const response = result.response
      if (Number(response.headers?.['content-length']) > MAX_AWS_RESPONSE_BYTES) {
        ;(response.body as {destroy?: () => void})?.destroy?.()
        throw new ResponseTooLargeError()
      }
      const body = response.body as NodeJS.ReadableStream | undefined
      if (body && typeof body.pipe === 'function') response.body = capped(body)
      return result
    }) as never,
    {step: 'deserialize', priority: 'low', name: 'keylessResponseCap'},
  )
  const send = c.send.bind(c) as (command: unknown, options?: {abortSignal?: AbortSignal}) => Promise<unknown>
  c.send = (async (command: unknown, options?: {abortSignal?: AbortSignal}) => {
    const deadline = new AbortController()
    const signal = options?.abortSignal ? AbortSignal.any([options.abortSignal, deadline.signal]) : deadline.signal
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new CallDeadlineError(deadlineMs)
        deadline.abort(error)
        reject(error)
      }, deadlineMs)
    })
    try {
      return await Promise.race([send(command, {...options, abortSignal: signal}), expired])
    } finally {
      clearTimeout(timer)
    }
  }) as never
  return client
}

function capped(body: NodeJS.ReadableStream): Transform {
  let seen = 0
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > MAX_AWS_RESPONSE_BYTES) {
        ;(body as {destroy?: () => void}).destroy?.()
        return done(new ResponseTooLargeError())
      }
      done(null, chunk)
    },
  })
  body.on('error', (error) => limiter.destroy(error))
  return body.pipe(limiter)
}

export interface OidcClientOptions {
  /** Overall deadline of each call (default AWS_CALL_DEADLINE_MS); the response timeout follows it. */
  deadlineMs?: number
  /** SDK attempts per call (default the SDK's 3). */
  maxAttempts?: number
}

/**
 * The AWS SDK clients keyless talks to Identity Center with, created lazily: importing the SDK costs
 * tens of milliseconds that credential-process's cached path must not pay. The SDK itself honours
 * AWS_ENDPOINT_URL (how the tests and the demo reach the emulator).
 */
export async function oidcClient(region: string, options: OidcClientOptions = {}): Promise<SSOOIDCClient & {serverClock: ServerClock}> {
  await narrowSdkConfigToProfileInUse()
  const {SSOOIDCClient} = clientSsoOidc()
  const deadlineMs = options.deadlineMs ?? AWS_CALL_DEADLINE_MS
  // A longer deadline also needs a longer silence allowed, or the response timeout would end the call first.
  const http = options.deadlineMs
    ? {...AWS_HTTP_OPTIONS, requestTimeout: deadlineMs + 1000, socketTimeout: deadlineMs + 1000}
    : AWS_HTTP_OPTIONS
  const client = Object.assign(
    new SSOOIDCClient({
      region,
      requestHandler: http,
      ...(options.maxAttempts ? {maxAttempts: options.maxAttempts} : {}),
      ...(debugEnabled() ? {logger: sdkLogger} : {}),
    }),
    {serverClock: {} as ServerClock},
  )
  // Keep the Date header of every response: the only view of AWS's clock that unsigned OIDC calls give.
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args)
      const headers = (result.response as {headers?: Record<string, string>}).headers
      recordServerDate(client.serverClock, headers?.date)
      return result
    },
    {step: 'deserialize', name: 'keylessServerClock'},
  )
  return withCallLimits(client, deadlineMs)
}

export async function portalClient(region: string, options: {maxAttempts?: number} = {}): Promise<SSOClient> {
  await narrowSdkConfigToProfileInUse()
  const {SSOClient} = clientSso()
  return withCallLimits(
    new SSOClient({region, ...options, requestHandler: AWS_HTTP_OPTIONS, ...(debugEnabled() ? {logger: sdkLogger} : {})}),
  )
}
