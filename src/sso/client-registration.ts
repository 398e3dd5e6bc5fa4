import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {KeylessError} from '../errors.js'
import {REGISTRATION_EXPIRY_WINDOW_MS} from '../timing.js'
import {debug, registerSecret} from '../ui/debug.js'
import type {SessionStore} from './session-store.js'
import {checkSecretSize} from './token-reply.js'
import type {ClientRegistration, LoginFlow, SsoSession} from './types.js'

/**
 * The OIDC client registration each sign-in flow keeps, stored and reused separately (PRODUCT.md
 * section 10): which stored one may be used again,
 * and registering a new one. One place for both flows, so that what makes a registration reusable cannot drift
 * between them.
 */

/** When Identity Center does not say (no clientSecretExpiresAt): its usual 90 days. */
const DEFAULT_REGISTRATION_MS = 90 * 24 * 3600 * 1000

/**
 * The flow's stored registration, when it was made for this session as it is configured now (the same region and
 * scopes; for the authorization-code flow the same start URL, its issuer) and has more than
 * REGISTRATION_EXPIRY_WINDOW_MS left: a reconfigured session registers anew.
 */
export async function reusableRegistration(
  session: SsoSession,
  store: SessionStore,
  flow: LoginFlow,
  now: number,
): Promise<ClientRegistration | undefined> {
  const stored = await store.readRegistration(session.name, flow)
  if (!stored) return undefined
  const sameScope = stored.region === session.region && [...stored.scopes].sort().join(',') === [...session.scopes].sort().join(',')
  const fresh = Date.parse(stored.expiresAt) - now > REGISTRATION_EXPIRY_WINDOW_MS
  const sameIssuer = flow !== 'auth-code' || stored.issuerUrl === session.startUrl
  return sameScope && fresh && sameIssuer ? stored : undefined
}

/** What the authorization-code flow registers for beyond the device flow's defaults. */
export interface AuthCodeGrant {
  grantTypes: string[]
  redirectUri: string
}

/**
 * RegisterClient, a public client named after the session for its scopes: for the device flow as is; for the
 * authorization-code flow with its grant types, the loopback redirect URI and the start URL as issuer (recorded,
 * so that a session pointed at another start URL registers anew). Its secret is registered for redaction and checked
 * before anything of it is kept.
 */
export async function registerClient(
  client: SSOOIDCClient,
  oidc: typeof import('@aws-sdk/client-sso-oidc'),
  session: SsoSession,
  now: number,
  authCode?: AuthCodeGrant,
): Promise<ClientRegistration> {
  debug('login', `registering an OIDC client for the ${authCode ? 'authorization-code' : 'device'} flow of session ${session.name}`)
  const out = await client.send(
    new oidc.RegisterClientCommand({
      clientName: `keyless-${session.name}`,
      clientType: 'public',
      scopes: session.scopes,
      ...(authCode ? {grantTypes: authCode.grantTypes, redirectUris: [authCode.redirectUri], issuerUrl: session.startUrl} : {}),
    }),
  )
  if (!out.clientId || !out.clientSecret)
    throw new KeylessError('Identity Center returned an incomplete client registration', 'try again; run with --debug for details')
  registerSecret(out.clientSecret)
  checkSecretSize('a client secret', out.clientSecret)
  const expiresAt = out.clientSecretExpiresAt ? out.clientSecretExpiresAt * 1000 : now + DEFAULT_REGISTRATION_MS
  return {
    clientId: out.clientId,
    clientSecret: out.clientSecret,
    expiresAt: new Date(expiresAt).toISOString(),
    region: session.region,
    scopes: session.scopes,
    ...(authCode ? {issuerUrl: session.startUrl} : {}),
  }
}
