import {EXIT, KeylessError, printable} from '../errors.js'
import type {RoleCredentials} from '../sso/types.js'
import {FEDERATION_TIMEOUT_MS} from '../timing.js'

/** The sign-in and console domains of the partition a region belongs to. */
export function partitionDomains(region: string): {partition: string; signin: string; console: string} {
  if (region.startsWith('cn-')) return {partition: 'aws-cn', signin: 'signin.amazonaws.cn', console: 'console.amazonaws.cn'}
  if (region.startsWith('us-gov-'))
    return {partition: 'aws-us-gov', signin: 'signin.amazonaws-us-gov.com', console: 'console.amazonaws-us-gov.com'}
  return {partition: 'aws', signin: 'signin.aws.amazon.com', console: 'console.aws.amazon.com'}
}

/**
 * The federation endpoint: the region-prefixed sign-in host of the region's partition
 * (`https://eu-west-1.signin.aws.amazon.com/federation`), or for tests the SDK convention's
 * AWS_ENDPOINT_URL_SIGNIN, else AWS_ENDPOINT_URL.
 */
export function federationEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.AWS_ENDPOINT_URL_SIGNIN || env.AWS_ENDPOINT_URL
  if (override) return `${override.replace(/\/+$/, '')}/federation`
  return `https://${region}.${partitionDomains(region).signin}/federation`
}

/**
 * The console page to land on: a service name (`s3`, `ec2`, `cloudwatch`) becomes `/<service>/home`, a path
 * (`/ec2/home#Instances`) is kept; both on the region's console host with `?region=`. Nothing given: the home page.
 */
export function consoleDestination(region: string, destination?: string): string {
  const base = `https://${region}.${partitionDomains(region).console}`
  let path = '/console/home'
  let rest = ''
  if (destination !== undefined && destination !== '') {
    if (/^[a-z0-9][a-z0-9-]{0,62}$/i.test(destination)) path = `/${destination.toLowerCase()}/home`
    else if (destination.startsWith('/') && !destination.startsWith('//') && !/[\s\\]/.test(destination)) {
      const cut = destination.search(/[?#]/)
      path = cut < 0 ? destination : destination.slice(0, cut)
      rest = cut < 0 ? '' : destination.slice(cut)
    } else {
      throw new KeylessError(
        `--destination "${printable(destination).slice(0, 80)}" is neither a service name nor a console path`,
        'pass a service name (s3, ec2) or a path starting with / (e.g. /ec2/home#Instances)',
        EXIT.usage,
      )
    }
  }
  const url = new URL(`${base}${path}${rest}`)
  if (!url.searchParams.has('region')) url.searchParams.set('region', region)
  return url.toString()
}

/** The JSON `getSigninToken` takes: the role's temporary credentials. */
export function sessionJson(credentials: RoleCredentials): string {
  return JSON.stringify({
    sessionId: credentials.accessKeyId,
    sessionKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
  })
}

/**
 * federation `getSigninToken`, as a POST form so that the session JSON is in no URL (no proxy or server log
 * ever sees it): returns the SigninToken, a bearer credential for 15 minutes.
 */
export async function getSigninToken(endpoint: string, credentials: RoleCredentials, fetchFn: typeof fetch = fetch): Promise<string> {
  const body = new URLSearchParams({Action: 'getSigninToken', Session: sessionJson(credentials)})
  let response: Response
  try {
    response = await fetchFn(endpoint, {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: body.toString(),
      signal: AbortSignal.timeout(FEDERATION_TIMEOUT_MS),
    })
  } catch (error) {
    const cause = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).name
    throw new KeylessError(
      `cannot reach the AWS sign-in endpoint ${new URL(endpoint).host} (${printable(String(cause))})`,
      'check your network or proxy, then try again',
    )
  }
  const text = await response.text()
  if (!response.ok) {
    throw new KeylessError(
      `the AWS sign-in endpoint refused the role's credentials (HTTP ${response.status})`,
      response.status === 400 ? 'they may have expired or the role may forbid console access; run again in a minute' : 'try again later',
    )
  }
  let token: unknown
  try {
    token = (JSON.parse(text) as {SigninToken?: unknown}).SigninToken
  } catch {
    token = undefined
  }
  if (typeof token !== 'string' || token.length === 0)
    throw new KeylessError('the AWS sign-in endpoint answered without a SigninToken', 'try again later')
  return token
}

/** The `login` URL that signs the browser in and lands on the destination. A bearer credential: never print it carelessly. */
export function loginUrl(endpoint: string, signinToken: string, destination: string): string {
  const params = new URLSearchParams({Action: 'login', Issuer: 'keyless', Destination: destination, SigninToken: signinToken})
  return `${endpoint}?${params.toString()}`
}

/**
 * The sign-in's sign-out-first form, for a browser profile shared between roles: the sign-in host's
 * `/oauth?Action=logout` ends the console session the browser holds, then redirects to `redirect_uri`, the login
 * URL, so the console never lands half-switched between the old role and the new one. (The same host as the
 * federation endpoint, as Leapp does it; the console's multi-session mode is a setting of each browser that the
 * federation endpoint offers no parameter for.)
 */
export function signOutThenLoginUrl(endpoint: string, login: string): string {
  const params = new URLSearchParams({Action: 'logout', redirect_uri: login})
  return `${new URL(endpoint).origin}/oauth?${params.toString()}`
}
