import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {KeylessError} from '../errors.js'
import {SLOW_DOWN_INCREMENT_MS} from '../timing.js'
import {debug, registerSecret} from '../ui/debug.js'
import {registerClient, reusableRegistration} from './client-registration.js'
import {oidcClient} from './clients.js'
import {assertClockInSync, type ServerClock} from './clock.js'
import {explainSdkError} from './errors.js'
import type {SessionStore} from './session-store.js'
import {signInToken} from './token-reply.js'
import type {SessionToken, SsoSession} from './types.js'
import {clientSsoOidc} from '../sdk-modules.js'

/** What the user must see to approve the login: shown on stderr, opened in the browser. */
export interface DevicePrompt {
  userCode: string
  verificationUri: string
  verificationUriComplete: string
  expiresAt: number
}

export interface DeviceFlowDeps {
  store: SessionStore
  present: (prompt: DevicePrompt) => Promise<void> | void
  oidc?: (region: string) => Promise<SSOOIDCClient>
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  signal?: AbortSignal
}

export class LoginCancelledError extends KeylessError {
  override name = 'LoginCancelledError'
  constructor() {
    super('login cancelled; nothing was stored', undefined, 130)
  }
}

/** RFC 8628 default when the server sends no interval. Identity Center sends 1 s. */
const DEFAULT_INTERVAL_S = 5
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

/**
 * The OAuth device-authorization flow against Identity Center: register (or reuse) the client, start the
 * authorization, show the code, poll CreateToken at `interval` (+5 s per slow_down) until approved, denied or
 * `expiresIn`. Stores the registration and token only when the user approved: a failed or cancelled login
 * leaves the keychain as it was.
 */
export async function deviceAuthorizationLogin(session: SsoSession, deps: DeviceFlowDeps): Promise<SessionToken> {
  const now = deps.now ?? Date.now
  const sleep = deps.sleep ?? abortableSleep
  const client = await (deps.oidc ?? oidcClient)(session.region)
  const oidc = clientSsoOidc()
  const context = {service: 'oidc' as const, region: session.region, session: session.name, startUrl: session.startUrl}
  try {
    let registration = await reusableRegistration(session, deps.store, 'device-code', now())
    let started
    for (let attempt = 0; ; attempt++) {
      registration ??= await registerClient(client, oidc, session, now())
      try {
        started = await client.send(
          new oidc.StartDeviceAuthorizationCommand({
            clientId: registration.clientId,
            clientSecret: registration.clientSecret,
            startUrl: session.startUrl,
          }),
        )
        break
      } catch (error) {
        // A registration Identity Center no longer knows (expired, revoked): register anew, once.
        if ((error as Error).name === 'InvalidClientException' && attempt === 0) {
          debug('login', 'stored client registration was rejected; registering again')
          registration = undefined
          continue
        }
        throw error
      }
    }
    // Before the user spends a minute in the browser: a clock far from AWS's breaks every expiry time.
    assertClockInSync((client as {serverClock?: ServerClock}).serverClock ?? {}, now())
    if (!started.deviceCode || !started.userCode || !started.verificationUriComplete) {
      throw new KeylessError('Identity Center returned an incomplete device authorization', 'try again; run with --debug for details')
    }
    registerSecret(started.deviceCode)
    const deadline = now() + (started.expiresIn ?? 600) * 1000
    await deps.present({
      userCode: started.userCode,
      verificationUri: started.verificationUri ?? started.verificationUriComplete,
      verificationUriComplete: started.verificationUriComplete,
      expiresAt: deadline,
    })
    let intervalMs = (started.interval || DEFAULT_INTERVAL_S) * 1000
    for (;;) {
      if (deps.signal?.aborted) throw new LoginCancelledError()
      if (now() + intervalMs > deadline) throw deviceCodeExpired(session)
      await sleep(intervalMs, deps.signal)
      if (deps.signal?.aborted) throw new LoginCancelledError()
      try {
        const out = await client.send(
          new oidc.CreateTokenCommand({
            clientId: registration.clientId,
            clientSecret: registration.clientSecret,
            grantType: DEVICE_GRANT,
            deviceCode: started.deviceCode,
          }),
        )
        const token = signInToken(out, session, 'device-code', now)
        await deps.store.writeRegistration(session.name, registration)
        await deps.store.writeToken(session.name, token)
        return token
      } catch (error) {
        const name = (error as Error).name
        if (name === 'AuthorizationPendingException') continue
        if (name === 'SlowDownException') {
          intervalMs += SLOW_DOWN_INCREMENT_MS
          debug('login', `slow_down: polling every ${intervalMs / 1000} s`)
          continue
        }
        if (name === 'ExpiredTokenException') throw deviceCodeExpired(session)
        if (name === 'AccessDeniedException') {
          throw new KeylessError(
            'the login was denied in the browser; nothing was stored',
            `to try again, run: keyless login --session ${session.name}`,
          )
        }
        throw error
      }
    }
  } catch (error) {
    if (deps.signal?.aborted) throw new LoginCancelledError()
    throw explainSdkError(error, context)
  } finally {
    client.destroy()
  }
}

function deviceCodeExpired(session: SsoSession): KeylessError {
  return new KeylessError(
    'the login code expired before it was approved; nothing was stored',
    `run: keyless login --session ${session.name} and approve it in the browser within the time shown`,
  )
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}
