import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'
import {clientSsoOidc} from '../sdk-modules.js'

/** The redirect URI registered with Identity Center: loopback without a port, any port matches (RFC 8252 7.3). */
export const REGISTERED_REDIRECT_URI = 'http://127.0.0.1/oauth/callback'
export const CALLBACK_PATH = '/oauth/callback'

export interface AuthorizeRequest {
  /** Where sso-oidc answers, e.g. `https://oidc.us-east-1.amazonaws.com` (or the emulator). */
  oidcEndpoint: string
  clientId: string
  /** `http://127.0.0.1:PORT/oauth/callback`. */
  redirectUri: string
  scopes: string[]
  state: string
  codeChallenge: string
}

/**
 * The one place the browser's sign-in URL is built: `<oidc endpoint>/authorize?response_type=code&...`, as the
 * AWS CLI builds it (scopes space-separated, S256 challenge). Whatever checks a URL before it is opened applies here.
 */
export function authorizeUrl(request: AuthorizeRequest): string {
  const url = new URL('authorize', request.oidcEndpoint.endsWith('/') ? request.oidcEndpoint : `${request.oidcEndpoint}/`)
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scopes: request.scopes.join(' '),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  })
  url.search = params.toString()
  return url.toString()
}

/**
 * The sso-oidc endpoint exactly as the SDK client resolves it (region, AWS_ENDPOINT_URL_SSO_OIDC,
 * AWS_ENDPOINT_URL, FIPS and dual-stack settings alike): a RegisterClient request is built and stopped before
 * it is sent, the way the AWS CLI finds the base of its unmodelled Authorize operation. No network call.
 */
export async function resolveOidcEndpoint(client: SSOOIDCClient): Promise<string> {
  const {RegisterClientCommand} = clientSsoOidc()
  const command = new RegisterClientCommand({clientName: 'keyless-endpoint-probe', clientType: 'public'})
  const stop = Symbol('endpoint resolved')
  let endpoint: string | undefined
  command.middlewareStack.add(
    () => async (args) => {
      const request = args.request as {protocol?: string; hostname?: string; port?: number; path?: string}
      const port = request.port ? `:${request.port}` : ''
      const base = (request.path ?? '/').replace(/\/client\/register$/, '')
      endpoint = `${request.protocol ?? 'https:'}//${request.hostname}${port}${base === '/' ? '' : base}`
      throw stop
    },
    {step: 'build', priority: 'low', name: 'keylessEndpointProbe'},
  )
  try {
    await client.send(command)
  } catch (error) {
    if (error !== stop) throw error
  }
  if (!endpoint) throw new Error('could not resolve the sso-oidc endpoint')
  return endpoint.replace(/\/+$/, '')
}
