import type {SSOClient} from '@aws-sdk/client-sso'

import {KeylessError} from '../errors.js'
import {portalClient} from '../sso/clients.js'
import {SessionExpiredError, explainSdkError} from '../sso/errors.js'
import {checkSecretSize} from '../sso/token-reply.js'
import type {RoleCredentials, SsoSession} from '../sso/types.js'
import {debug, registerSecret} from '../ui/debug.js'
import {RoleNotAssignedError} from './errors.js'
import {clientSso} from '../sdk-modules.js'

export interface PortalDeps {
  portal?: (region: string) => Promise<SSOClient>
}

/**
 * GetRoleCredentials: short-lived keys for one account and role, with the session's access token.
 * 404 means the role is no longer assigned; 401 means Identity Center no longer accepts the token.
 */
export async function fetchRoleCredentials(
  session: SsoSession,
  accessToken: string,
  accountId: string,
  roleName: string,
  deps: PortalDeps = {},
): Promise<RoleCredentials> {
  const client = await (deps.portal ?? portalClient)(session.region)
  const {GetRoleCredentialsCommand} = clientSso()
  debug('role', `GetRoleCredentials ${accountId}/${roleName} (session ${session.name})`)
  try {
    const out = await client.send(new GetRoleCredentialsCommand({accessToken, accountId, roleName}))
    const c = out.roleCredentials
    if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) {
      throw new KeylessError('Identity Center returned incomplete role credentials', 'try again; run with --debug for details')
    }
    registerSecret(c.secretAccessKey)
    registerSecret(c.sessionToken)
    checkSecretSize('a role secret key', c.secretAccessKey)
    checkSecretSize('a role session token', c.sessionToken)
    // The portal sends `expiration` in epoch milliseconds.
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiresAt: new Date(c.expiration).toISOString(),
    }
  } catch (error) {
    const e = error as {name?: string; $metadata?: {httpStatusCode?: number}}
    if (e?.name === 'ResourceNotFoundException' || e?.$metadata?.httpStatusCode === 404) {
      throw new RoleNotAssignedError(session.name, accountId, roleName)
    }
    if (e?.name === 'UnauthorizedException') throw new SessionExpiredError(session.name)
    throw explainSdkError(error, {service: 'portal', region: session.region, session: session.name})
  } finally {
    client.destroy()
  }
}
