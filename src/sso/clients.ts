import type {SSOClient} from '@aws-sdk/client-sso'
import type {SSOOIDCClient} from '@aws-sdk/client-sso-oidc'

import {debugEnabled, sdkLogger} from '../ui/debug.js'

/**
 * The AWS SDK clients keyless talks to Identity Center with, created lazily: importing the SDK costs
 * tens of milliseconds that credential-process's cached path must not pay. The SDK itself honours
 * AWS_ENDPOINT_URL (how the tests and the demo reach the emulator).
 */
export async function oidcClient(region: string): Promise<SSOOIDCClient> {
  const {SSOOIDCClient} = await import('@aws-sdk/client-sso-oidc')
  return new SSOOIDCClient({region, ...(debugEnabled() ? {logger: sdkLogger} : {})})
}

export async function portalClient(region: string, options: {maxAttempts?: number} = {}): Promise<SSOClient> {
  const {SSOClient} = await import('@aws-sdk/client-sso')
  return new SSOClient({region, ...options, ...(debugEnabled() ? {logger: sdkLogger} : {})})
}
