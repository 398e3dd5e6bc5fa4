/**
 * Start the Identity Center emulator for a test: in-process (startEmulator, one per test file on port 0)
 * or as its own process (spawnEmulator, as `npm run emulator` runs it). Both hand back the same EmulatorHandle.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Fixture, FixtureAccount} from '../emulator/fixture.js'
import {type EmulatorOptions, startEmulatorServer} from '../emulator/server.js'
import type {EmulatorState, Stats} from '../emulator/state.js'
import {ROOT} from './cli.js'

export type {EmulatorOptions} from '../emulator/server.js'
export type {Stats} from '../emulator/state.js'

export interface PollReport {
  devices: {userCode: string; polls: number[]; interval: number}[]
}

export interface EmulatorHandle {
  /** `http://127.0.0.1:PORT`: what AWS_ENDPOINT_URL / --endpoint-url should be. */
  url: string
  port: number
  /** The fixture in force: start URL, region, user, accounts (current assignments), static identities. */
  fixture(): Promise<Fixture>
  stats(): Promise<Stats>
  /** STS requests in flight now and the most ever answered at once (a bounded client never exceeds its bound). */
  concurrency(): Promise<{sts: {inFlight: number; peak: number}}>
  /** Every secret it issued (client secrets, device codes, tokens, secret keys, session tokens): for leak scans. */
  issued(): Promise<string[]>
  polls(): Promise<PollReport>
  /** Approve / deny a pending device authorization by its user code (throws when there is none). */
  approve(userCode: string): Promise<void>
  deny(userCode: string): Promise<void>
  reset(): Promise<void>
  /** Forget every access and refresh token, as if Identity Center restarted. */
  revokeAll(): Promise<void>
  /** Assign or unassign one role; assigning to an unknown account creates it. */
  setAssignment(accountId: string, roleName: string, assigned: boolean, accountName?: string): Promise<FixtureAccount>
  /** Move the emulator's clock forward (tokens, device codes, registrations and role credentials age). */
  advanceClock(seconds: number): Promise<void>
  /** Environment for an AWS SDK process aimed at this emulator (AWS_ENDPOINT_URL, AWS_REGION). */
  env(): Record<string, string>
  close(): Promise<void>
  /** In-process only: the live state, for assertions the control endpoints do not cover. */
  state?: EmulatorState
}

/** Talks to any running emulator through its /_emulator endpoints. */
export function connectEmulator(url: string, close: () => Promise<void> = async () => {}): EmulatorHandle {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : {'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`emulator ${method} /_emulator/${path}: ${response.status} ${text}`)
    return JSON.parse(text) as T
  }
  const fixtureCache: {region?: string} = {}
  return {
    url,
    port: Number(new URL(url).port),
    fixture: async () => {
      const fixture = await call<Fixture>('GET', 'fixture')
      fixtureCache.region = fixture.region
      return fixture
    },
    stats: () => call<Stats>('GET', 'stats'),
    concurrency: () => call<{sts: {inFlight: number; peak: number}}>('GET', 'concurrency'),
    issued: async () => (await call<{secrets: string[]}>('GET', 'issued')).secrets,
    polls: () => call<PollReport>('GET', 'polls'),
    approve: async (userCode) => void (await call('POST', 'approve', {userCode})),
    deny: async (userCode) => void (await call('POST', 'deny', {userCode})),
    reset: async () => void (await call('POST', 'reset', {})),
    revokeAll: async () => void (await call('POST', 'revoke-all', {})),
    setAssignment: async (accountId, roleName, assigned, accountName) =>
      (await call<{account: FixtureAccount}>('POST', 'assignments', {accountId, roleName, assigned, accountName})).account,
    advanceClock: async (seconds) => void (await call('POST', 'clock', {advanceSeconds: seconds})),
    env: () => ({AWS_ENDPOINT_URL: url, AWS_REGION: fixtureCache.region ?? 'us-east-1'}),
    close,
  }
}

/** An emulator inside this test process, on a free port. Call close() in afterAll. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const running = await startEmulatorServer({port: 0, ...options})
  const handle = connectEmulator(running.url, () => running.close())
  handle.state = running.state
  const region = running.state.config.fixture.region
  handle.env = () => ({AWS_ENDPOINT_URL: running.url, AWS_REGION: region})
  return handle
}

export interface SpawnedEmulator extends EmulatorHandle {
  child: ChildProcess
  /** stderr so far (request log with --verbose). */
  stderr(): string
}

/** Runs `test/emulator/main.ts` as its own process with these CLI flags; resolves on the ready line. */
export function spawnEmulator(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<SpawnedEmulator> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'emulator', 'main.ts'), ...args], {
      cwd: ROOT,
      env: {...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`emulator did not start: ${stderr}`))
    }, 20_000)
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`emulator exited with ${code}: ${stderr}`))
    })
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      const m = /^emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/m.exec(stdout)
      if (!m) return
      clearTimeout(timer)
      const stop = () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done()
          child.once('exit', () => done())
          child.kill('SIGTERM')
        })
      resolve({...connectEmulator(m[1]!, stop), child, stderr: () => stderr})
    })
  })
}

export interface SignedIn {
  clientId: string
  clientSecret: string
  accessToken: string
  refreshToken?: string
}

/**
 * A completed device-authorization flow through the real sso-oidc client (register, start, approve, token),
 * for tests that need an access token to begin with.
 */
export async function signInWithSdk(emulator: EmulatorHandle, scopes: string[] = ['sso:account:access']): Promise<SignedIn> {
  const {SSOOIDCClient, RegisterClientCommand, StartDeviceAuthorizationCommand, CreateTokenCommand} =
    await import('@aws-sdk/client-sso-oidc')
  const fixture = await emulator.fixture()
  const oidc = new SSOOIDCClient({region: fixture.region, endpoint: emulator.url, maxAttempts: 1})
  try {
    const client = await oidc.send(new RegisterClientCommand({clientName: 'keyless-test', clientType: 'public', scopes}))
    const device = await oidc.send(
      new StartDeviceAuthorizationCommand({clientId: client.clientId, clientSecret: client.clientSecret, startUrl: fixture.startUrl}),
    )
    await emulator.approve(device.userCode!)
    const token = await oidc.send(
      new CreateTokenCommand({
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        grantType: 'urn:ietf:params:oauth:grant-type:device_code',
        deviceCode: device.deviceCode,
      }),
    )
    return {
      clientId: client.clientId!,
      clientSecret: client.clientSecret!,
      accessToken: token.accessToken!,
      refreshToken: token.refreshToken,
    }
  } finally {
    oidc.destroy()
  }
}

/**
 * A role's credentials from the emulator (GetRoleCredentials with a signed-in access token), written to `path` as a
 * credential_process prints them: for profiles whose `credential_process` is `cat PATH`.
 */
export async function writeProcessCredentials(
  emulator: EmulatorHandle,
  accessToken: string,
  role: {accountId: string; roleName: string},
  path: string,
): Promise<void> {
  const {SSOClient, GetRoleCredentialsCommand} = await import('@aws-sdk/client-sso')
  const sso = new SSOClient({region: (await emulator.fixture()).region, endpoint: emulator.url, maxAttempts: 1})
  try {
    const {roleCredentials: c} = await sso.send(new GetRoleCredentialsCommand({accessToken, ...role}))
    writeFileSync(
      path,
      JSON.stringify({
        Version: 1,
        AccessKeyId: c!.accessKeyId,
        SecretAccessKey: c!.secretAccessKey,
        SessionToken: c!.sessionToken,
        Expiration: new Date(c!.expiration!).toISOString(),
      }),
      {mode: 0o600},
    )
  } finally {
    sso.destroy()
  }
}
