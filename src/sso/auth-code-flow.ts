import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {KeylessError, printable} from '../errors.js'
import {AUTH_CODE_TIMEOUT_MS} from '../timing.js'
import {registerSecret} from '../ui/debug.js'
import {authorizeUrl, REGISTERED_REDIRECT_URI, resolveOidcEndpoint} from './authorize-url.js'
import {oidcClient} from './clients.js'
import {registerClient, reusableRegistration} from './client-registration.js'
import {assertClockInSync, type ServerClock} from './clock.js'
import {LoginCancelledError} from './device-flow.js'
import {explainSdkError} from './errors.js'
import {type CallbackResult, startCallbackServer} from './loopback-server.js'
import {codeChallengeS256, createCodeVerifier, createState} from './pkce.js'
import type {SessionStore} from './session-store.js'
import {signInToken} from './token-reply.js'
import type {ClientRegistration, SessionToken, SsoSession} from './types.js'
import {clientSsoOidc} from '../sdk-modules.js'

/** What the user must see to sign in: the authorize URL (shown on stderr, opened in the browser). */
export interface AuthorizationPrompt {
  url: string
  /** Epoch ms after which keyless stops waiting. */
  expiresAt: number
}

export interface AuthCodeFlowDeps {
  store: SessionStore
  presentAuthorization: (prompt: AuthorizationPrompt) => Promise<void> | void
  oidc?: (region: string) => Promise<SSOOIDCClient>
  now?: () => number
  signal?: AbortSignal
  /** How long to wait for the browser's callback (default AUTH_CODE_TIMEOUT_MS). */
  timeoutMs?: number
}

const AUTH_CODE_GRANT = 'authorization_code'
const GRANT_TYPES = [AUTH_CODE_GRANT, 'refresh_token']

/**
 * The OAuth authorization-code login with PKCE and a loopback redirect (PRODUCT.md section 10), as the AWS CLI
 * signs in since 2.22: register (or reuse) a client for the authorization_code grant, start a callback server on
 * 127.0.0.1, send the browser to `<oidc endpoint>/authorize`, wait for the redirect with our `state`, redeem the
 * code with the verifier. The code only works with the verifier, which never leaves this process: a phished
 * link gives an attacker nothing. Stores the registration and token only on success.
 */
export async function authorizationCodeLogin(session: SsoSession, deps: AuthCodeFlowDeps): Promise<SessionToken> {
  const now = deps.now ?? Date.now
  const client = await (deps.oidc ?? oidcClient)(session.region)
  const oidc = clientSsoOidc()
  const fail = (message: string, fix?: string) =>
    new KeylessError(message, fix ?? `to try again, run: keyless login --session ${session.name}`)
  const state = createState()
  const verifier = createCodeVerifier()
  registerSecret(verifier)
  let callback: Awaited<ReturnType<typeof startCallbackServer>> | undefined
  try {
    const stored = await reusableRegistration(session, deps.store, 'auth-code', now())
    const registration =
      stored ?? (await registerClient(client, oidc, session, now(), {grantTypes: GRANT_TYPES, redirectUri: REGISTERED_REDIRECT_URI}))
    assertClockInSync((client as {serverClock?: ServerClock}).serverClock ?? {}, now())
    callback = await startCallbackServer(state)
    const url = authorizeUrl({
      oidcEndpoint: await resolveOidcEndpoint(client),
      clientId: registration.clientId,
      redirectUri: callback.redirectUri,
      scopes: session.scopes,
      state,
      codeChallenge: codeChallengeS256(verifier),
    })
    const deadline = now() + (deps.timeoutMs ?? AUTH_CODE_TIMEOUT_MS)
    await deps.presentAuthorization({url, expiresAt: deadline})
    const result = await waitForCallback(callback.result, deadline - now(), deps.signal)
    if (result === 'timeout') {
      throw fail(
        `the sign-in was not completed in the browser within ${minutes(deps.timeoutMs ?? AUTH_CODE_TIMEOUT_MS)}; nothing was stored`,
        `run: keyless login --session ${session.name} to try again, or add --device-code to approve from another device`,
      )
    }
    if (result === 'cancelled') throw new LoginCancelledError()
    if (result.kind === 'error') {
      if (result.error === 'access_denied') throw fail('the login was denied in the browser; nothing was stored')
      const code = /^[\w.-]{1,64}$/.test(result.error) ? result.error : 'an unknown error'
      const said = result.description ? `: ${printable(result.description).slice(0, 160)}` : ''
      throw fail(`the browser sign-in failed (${code}${said}); nothing was stored`)
    }
    registerSecret(result.code)
    try {
      const token = await redeem(client, oidc, session, registration, result.code, verifier, callback.redirectUri, now)
      if (!stored) await deps.store.writeRegistration(session.name, registration, 'auth-code')
      await deps.store.writeToken(session.name, token)
      result.finish({
        ok: true,
        title: 'Signed in',
        text: `keyless is signed in to ${session.name}. You can close this tab and return to your terminal.`,
      })
      return token
    } catch (error) {
      const name = (error as Error).name
      if (name === 'InvalidClientException' && stored) {
        // Identity Center forgot the stored client (revoked, expired early): the next login registers anew.
        await deps.store.deleteRegistration(session.name, 'auth-code')
      }
      const explained =
        name === 'InvalidGrantException'
          ? fail('Identity Center refused the authorization code (invalid_grant); nothing was stored')
          : name === 'InvalidClientException'
            ? fail('Identity Center no longer accepts the client registration; it was removed and nothing was stored')
            : explainSdkError(error, {service: 'oidc', region: session.region, session: session.name})
      result.finish({ok: false, title: 'Sign-in failed', text: `${explained.message}. Return to your terminal.`})
      throw explained
    }
  } catch (error) {
    if (deps.signal?.aborted) throw new LoginCancelledError()
    throw explainSdkError(error, {service: 'oidc', region: session.region, session: session.name})
  } finally {
    callback?.close()
    client.destroy()
  }
}

async function redeem(
  client: SSOOIDCClient,
  oidc: typeof import('@aws-sdk/client-sso-oidc'),
  session: SsoSession,
  registration: ClientRegistration,
  code: string,
  codeVerifier: string,
  redirectUri: string,
  now: () => number,
): Promise<SessionToken> {
  const out = await client.send(
    new oidc.CreateTokenCommand({
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      grantType: AUTH_CODE_GRANT,
      code,
      codeVerifier,
      redirectUri,
    }),
  )
  return signInToken(out, session, 'auth-code', now)
}

/** The callback, or why there is none: the deadline passed or the user pressed Ctrl-C. */
function waitForCallback(
  result: Promise<CallbackResult>,
  ms: number,
  signal?: AbortSignal,
): Promise<CallbackResult | 'timeout' | 'cancelled'> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve('cancelled')
    const timer = setTimeout(() => done('timeout'), Math.max(0, ms))
    const onAbort = () => done('cancelled')
    signal?.addEventListener('abort', onAbort, {once: true})
    void result.then(done)
    function done(value: CallbackResult | 'timeout' | 'cancelled') {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(value)
    }
  })
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`
}
