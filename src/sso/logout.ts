import {rm} from 'node:fs/promises'

import {accountsCachePath} from '../accounts/cache.js'
import {portalClient} from './clients.js'
import {networkCause} from './errors.js'
import type {SessionStore} from './session-store.js'
import type {SsoSession} from './types.js'
import {debug} from '../ui/debug.js'
import {clientSso} from '../sdk-modules.js'

export interface LogoutResult {
  session: string
  /** Whether Identity Center confirmed the logout; false when it could not be reached (local data is gone anyway). */
  signedOutRemotely: boolean
  remoteError?: string
  deletedEntries: number
}

/**
 * Ends the session at Identity Center (SSO Logout invalidates the access token and its role credentials'
 * sessions), then deletes every keychain entry of the session: token, cached role credentials and the
 * client registration too, so no secret of a logged-out session stays on the machine. Local cleanup
 * happens even when the network call fails.
 */
export async function logout(
  session: Pick<SsoSession, 'name' | 'region'>,
  store: SessionStore,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LogoutResult> {
  const token = await store.readToken(session.name)
  let signedOutRemotely = false
  let remoteError: string | undefined
  if (token && Date.parse(token.expiresAt) > Date.now()) {
    const client = await portalClient(token.region || session.region, {maxAttempts: 1})
    try {
      const {LogoutCommand} = clientSso()
      await client.send(new LogoutCommand({accessToken: token.accessToken}))
      signedOutRemotely = true
    } catch (error) {
      const name = (error as Error).name
      // An access token the server no longer knows is as signed-out as it gets.
      if (name === 'UnauthorizedException') signedOutRemotely = true
      else remoteError = networkCause(error) ?? name
      debug('logout', `remote logout: ${name}`)
    } finally {
      client.destroy()
    }
  }
  const deleted = await store.wipeSession(session.name, {keepRegistration: false})
  store.forgetSignIn(session.name)
  // The account listing (names, ids, emails) is not secret, but a signed-out session should not keep serving it.
  await rm(accountsCachePath(session.name, env), {force: true})
  return {session: session.name, signedOutRemotely, remoteError, deletedEntries: deleted.length}
}

/**
 * For `logout --all`, after each session's own logout: deletes whatever is still under `session/` in the
 * keychain (entries of a name keyless cannot decode, parts of a damaged value), one by one, so one bad entry
 * does not keep the others. Returns how many were deleted and the keys that could not be.
 */
export async function sweepSessionLeftovers(store: SessionStore): Promise<{deleted: number; failed: string[]}> {
  let deleted = 0
  const failed: string[] = []
  for (const key of await store.allSessionKeys()) {
    try {
      if (await store.deleteKey(key)) deleted++
    } catch (error) {
      debug('logout', `could not delete ${key}: ${(error as Error).message}`)
      failed.push(key)
    }
  }
  return {deleted, failed}
}
