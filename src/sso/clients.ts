import type {SSOClient} from '@aws-sdk/client-sso'
import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {debugEnabled, sdkLogger} from '../ui/debug.js'
import {recordServerDate, type ServerClock} from './clock.js'

/**
 * The AWS SDK clients keyless talks to Identity Center with, created lazily: importing the SDK costs
 * tens of milliseconds that credential-process's cached path must not pay. The SDK itself honours
 * AWS_ENDPOINT_URL (how the tests and the demo reach the emulator).
 */
export async function oidcClient(region: string): Promise<SSOOIDCClient & {serverClock: ServerClock}> {
  const {SSOOIDCClient} = await import('@aws-sdk/client-sso-oidc')
  const client = Object.assign(new SSOOIDCClient({region, ...(debugEnabled() ? {logger: sdkLogger} : {})}), {
    serverClock: {} as ServerClock,
  })
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
  return client
}

export async function portalClient(region: string, options: {maxAttempts?: number} = {}): Promise<SSOClient> {
  const {SSOClient} = await import('@aws-sdk/client-sso')
  return new SSOClient({region, ...options, ...(debugEnabled() ? {logger: sdkLogger} : {})})
}
