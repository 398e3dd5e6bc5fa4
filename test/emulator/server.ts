/**
 * The Identity Center emulator's HTTP server: one port, routed by method and path to sso-oidc, the SSO portal,
 * STS, the approval page and the `/_emulator/*` control endpoints.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {authorize, authorizeDecision} from './authorize.js'
import {approvalDecision, approvalPage, control} from './control.js'
import {defaultFixture, type Fixture, generateAccounts, loadFixture} from './fixture.js'
import {type ApiRequest, type ApiResponse, restJsonError} from './http.js'
import {federation} from './federation.js'
import {consoleHome, oauth} from './console-session.js'
import {handleIam, isIamRequest} from './iam.js'
import {createToken, registerClient, startDeviceAuthorization} from './oidc.js'
import {getRoleCredentials, listAccountRoles, listAccounts, logout} from './portal.js'
import {DEFAULTS, type EmulatorConfig, EmulatorState} from './state.js'
import {handleSts} from './sts.js'

/** Options of startEmulator() and (as kebab-case flags) of `npm run emulator`. All optional. */
export interface EmulatorOptions {
  /** 0 (the default) picks a free port. The server always binds 127.0.0.1. */
  port?: number
  /** A fixture object, or the path of a fixture JSON file; default: PRODUCT.md's default fixture. */
  fixture?: Fixture | string
  /** With rolesPerAccount: replace the fixture's accounts with N generated ones. */
  accounts?: number
  rolesPerAccount?: number
  autoApprove?: boolean
  latencyMs?: number
  rateLimit?: number
  faultRate?: number
  faultSeed?: number
  accessTokenTtl?: number
  rotateRefreshTokens?: boolean
  deviceInterval?: number
  deviceExpiresIn?: number
  roleCredentialsTtl?: number
  clientSecretTtl?: number
  /** Log one line per request (method, path, status, no secrets) to stderr. */
  verbose?: boolean
}

export function resolveConfig(options: EmulatorOptions): EmulatorConfig {
  let fixture = typeof options.fixture === 'string' ? loadFixture(options.fixture) : structuredClone(options.fixture ?? defaultFixture())
  if (options.accounts !== undefined || options.rolesPerAccount !== undefined) {
    fixture = {...fixture, accounts: generateAccounts(options.accounts ?? 1, options.rolesPerAccount ?? 1)}
  }
  const faultRate = options.faultRate ?? DEFAULTS.faultRate
  if (faultRate < 0 || faultRate > 1) throw new Error('fault rate must be between 0 and 1')
  return {
    fixture,
    autoApprove: options.autoApprove ?? false,
    latencyMs: options.latencyMs ?? DEFAULTS.latencyMs,
    rateLimit: options.rateLimit ?? DEFAULTS.rateLimit,
    faultRate,
    faultSeed: options.faultSeed ?? DEFAULTS.faultSeed,
    accessTokenTtlSeconds: options.accessTokenTtl ?? DEFAULTS.accessTokenTtlSeconds,
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    deviceIntervalSeconds: options.deviceInterval ?? DEFAULTS.deviceIntervalSeconds,
    deviceExpiresInSeconds: options.deviceExpiresIn ?? DEFAULTS.deviceExpiresInSeconds,
    roleCredentialsTtlSeconds: options.roleCredentialsTtl ?? DEFAULTS.roleCredentialsTtlSeconds,
    clientSecretTtlSeconds: options.clientSecretTtl ?? DEFAULTS.clientSecretTtlSeconds,
    verbose: options.verbose ?? false,
  }
}

type Handler = (state: EmulatorState, request: ApiRequest) => ApiResponse | Promise<ApiResponse>

/** The AWS operations, keyed `METHOD path`. */
const API_ROUTES: Record<string, Handler> = {
  'POST /client/register': registerClient,
  'POST /device_authorization': startDeviceAuthorization,
  'POST /token': createToken,
  'GET /assignment/accounts': listAccounts,
  'GET /assignment/roles': listAccountRoles,
  'GET /federation/credentials': getRoleCredentials,
  'POST /logout': logout,
  'POST /federation': federation,
  'GET /federation': federation,
  'POST /': handleSts,
  'GET /': handleSts,
}

const PAGE_ROUTES: Record<string, Handler> = {
  'GET /device': approvalPage,
  'POST /device': approvalDecision,
  'GET /authorize': authorize,
  'POST /authorize': authorizeDecision,
  'GET /oauth': oauth,
  'GET /console': consoleHome,
}

export interface RunningEmulator {
  url: string
  port: number
  state: EmulatorState
  server: Server
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function dispatch(state: EmulatorState, request: ApiRequest): Promise<ApiResponse> {
  if (request.path.startsWith('/_emulator/')) return control(state, request)
  const route = `${request.method} ${request.path}`
  const page = PAGE_ROUTES[route]
  if (page) return page(state, request)
  // IAM and STS share `POST /` (the query protocol); the signing scope or API version tells them apart.
  const api = isIamRequest(request) ? handleIam : API_ROUTES[route]
  const sts = api === handleSts
  if (sts) state.stsPeak = Math.max(state.stsPeak, ++state.stsInFlight)
  try {
    if (state.config.latencyMs > 0) await sleep(state.config.latencyMs)
    if (!api) return restJsonError(404, 'UnknownOperationException', {message: `No operation for ${route}`})
    return await api(state, request)
  } finally {
    if (sts) state.stsInFlight--
  }
}

/** Starts an emulator on 127.0.0.1 and resolves once it accepts connections. */
export async function startEmulatorServer(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const state = new EmulatorState(resolveConfig(options))
  let baseUrl = ''
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now()
    void (async () => {
      let response: ApiResponse
      try {
        const url = new URL(req.url ?? '/', baseUrl)
        const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : ''
        response = await dispatch(state, {
          method: req.method ?? 'GET',
          path: url.pathname,
          rawQuery,
          query: url.searchParams,
          headers: req.headers,
          body: await readBody(req),
          baseUrl,
        })
      } catch (error) {
        response = restJsonError(500, 'InternalServerException', {message: `emulator error: ${(error as Error).message}`})
      }
      if (state.config.verbose) {
        // Method, path and status only: query strings, headers and bodies may hold tokens.
        const path = (req.url ?? '/').split('?')[0]
        process.stderr.write(`${req.method} ${path} ${response.status} ${Math.round(performance.now() - started)}ms\n`)
      }
      res.writeHead(response.status, {...response.headers, 'content-length': Buffer.byteLength(response.body)})
      res.end(response.body)
    })()
  })
  // The SDKs keep connections alive; without this close() would wait for their idle timeout.
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const {port} = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${port}`
  return {
    url: baseUrl,
    port,
    state,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
