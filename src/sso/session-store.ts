import type {InFlightRead} from '../credential-process/cache-hit.js'
import {keychainService, type SecretStore} from '../keychain/keychain.js'
import {openStore, type StoreKind} from '../keychain/stores.js'
import {signInOf} from '../credentials/process-credentials.js'
import {registerSecretsOf} from '../ui/secrets.js'
import {registrationKey, roleKey, sessionPrefix, tokenKey} from './session-keys.js'
import {SignInMarker} from './sign-in-marker.js'
import type {ClientRegistration, LoginFlow, RoleBinding, RoleCredentials, SessionToken} from './types.js'

/** A key's session segment as a name; a segment keyless could not have written (bad escapes) comes back as is. */
function decodeSessionName(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * The session store of that kind, under the keychain service name of env, with the sign-in marker of env's cache dir
 * (inFlight: the read credential-process's cache hit sent, see cache-hit.ts).
 */
export function openSessionStore(kind: StoreKind, env: NodeJS.ProcessEnv = process.env, inFlight?: InFlightRead): SessionStore {
  return new SessionStore(openStore(kind, {env, inFlight}), new SignInMarker(env, keychainService(env)))
}

export class SessionStore {
  /** marker: where the current sign-in is noted for credential-process's cache hit (absent: it reads the token). */
  constructor(
    private readonly keychain: SecretStore,
    private readonly marker?: SignInMarker,
  ) {}

  readRegistration(session: string, flow: LoginFlow = 'device-code'): Promise<ClientRegistration | undefined> {
    return this.readJson<ClientRegistration>(registrationKey(session, flow))
  }
  writeRegistration(session: string, registration: ClientRegistration, flow: LoginFlow = 'device-code'): Promise<void> {
    return this.keychain.set(registrationKey(session, flow), JSON.stringify(registration), {expiresAt: registration.expiresAt})
  }
  async deleteRegistration(session: string, flow: LoginFlow): Promise<void> {
    await this.keychain.delete(registrationKey(session, flow))
  }
  readToken(session: string): Promise<SessionToken | undefined> {
    return this.readJson<SessionToken>(tokenKey(session))
  }
  async writeToken(session: string, token: SessionToken): Promise<void> {
    // The entry lives as long as what it holds: the access token, or with a refresh token the registration that
    // can redeem it (Identity Center does not say when a refresh token ends; it never outlives its client).
    const expiresAt = token.refreshToken ? ((await this.readRegistration(session, token.flow))?.expiresAt ?? undefined) : token.expiresAt
    // The marker never names another sign-in than the stored token (see SignInMarker): dropped before a token of
    // another sign-in is written, written after it.
    const signIn = signInOf(token)
    if (this.marker?.read(session) !== signIn) this.marker?.clear(session)
    await this.keychain.set(tokenKey(session), JSON.stringify(token), {expiresAt: latest(expiresAt, token.expiresAt)})
    if (signIn) this.marker?.write(session, signIn)
  }
  async deleteToken(session: string): Promise<void> {
    await this.keychain.delete(tokenKey(session))
  }
  /**
   * The current sign-in as the marker notes it, without reading the token (credential-process's cache hit);
   * undefined when there is no marker: then only the token can say.
   */
  readSignIn(session: string): string | undefined {
    return this.marker?.read(session)
  }
  /** Throws the unlock error when the store is locked (an empty read of a locked keychain is not "nothing stored"). */
  async assertUnlocked(): Promise<void> {
    await this.keychain.assertUnlocked?.()
  }
  /** Drops the marker (logout: nothing of a signed-out session stays behind, though the marker holds no secret). */
  forgetSignIn(session: string): void {
    this.marker?.clear(session)
  }
  /** Cached role credentials with what they are bound to (entries from before the binding lack it: never served). */
  readRoleCredentials(session: string, accountId: string, roleName: string): Promise<(RoleCredentials & Partial<RoleBinding>) | undefined> {
    return this.readJson<RoleCredentials & Partial<RoleBinding>>(roleKey(session, accountId, roleName))
  }
  writeRoleCredentials(session: string, accountId: string, roleName: string, creds: RoleCredentials, binding: RoleBinding): Promise<void> {
    const {accessKeyId, secretAccessKey, sessionToken, expiresAt} = creds
    const entry = {accessKeyId, secretAccessKey, sessionToken, expiresAt, ...binding}
    return this.keychain.set(roleKey(session, accountId, roleName), JSON.stringify(entry), {expiresAt: creds.expiresAt})
  }
  /** Deletes every cached role credential of the session (it was re-pointed, deleted, or signed in again). */
  async deleteAllRoleCredentials(session: string): Promise<number> {
    const keys = await this.keychain.keys(`${sessionPrefix(session)}role/`)
    for (const key of keys) await this.keychain.delete(key)
    return keys.length
  }
  async deleteRoleCredentials(session: string, accountId: string, roleName: string): Promise<void> {
    await this.keychain.delete(roleKey(session, accountId, roleName))
  }

  /** Cached role credentials of a session, without their secrets (for status). */
  async listRoleCredentials(session: string): Promise<Array<{accountId: string; roleName: string; expiresAt: string}>> {
    const prefix = `${sessionPrefix(session)}role/`
    const result = []
    for (const key of await this.keychain.keys(prefix)) {
      const [accountId, ...role] = key.slice(prefix.length).split('/')
      const creds = await this.readJson<RoleCredentials>(key)
      if (accountId && creds) result.push({accountId, roleName: role.join('/'), expiresAt: creds.expiresAt})
    }
    return result
  }

  /** Names of every session that has anything in the keychain. */
  async sessionNames(): Promise<string[]> {
    const names = new Set<string>()
    for (const key of await this.keychain.keys('session/')) names.add(decodeSessionName(key.split('/')[1] ?? ''))
    names.delete('')
    return [...names].sort()
  }

  /** Every key under `session/` (for logout --all: what is left after each session's own wipe). */
  allSessionKeys(): Promise<string[]> {
    return this.keychain.keys('session/')
  }
  /** Deletes one raw key and its parts (true when something was deleted). */
  deleteKey(key: string): Promise<boolean> {
    return this.keychain.delete(key)
  }

  /** Deletes the session's entries; the registration too unless asked to keep it. Returns the deleted keys. */
  async wipeSession(session: string, options: {keepRegistration: boolean}): Promise<string[]> {
    const deleted = []
    for (const key of await this.keychain.keys(sessionPrefix(session))) {
      if (options.keepRegistration && (key === registrationKey(session) || key === registrationKey(session, 'auth-code'))) continue
      await this.keychain.delete(key)
      deleted.push(key)
    }
    return deleted
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const text = await this.keychain.get(key)
    if (text === undefined) return undefined
    try {
      const value = JSON.parse(text) as T
      // Whatever secret is read is redacted from every debug line, stack and error line from now on.
      registerSecretsOf(value)
      return value
    } catch {
      // An entry keyless cannot read is as good as absent: the next login or fetch rewrites it.
      return undefined
    }
  }
}

/** The later of two ISO 8601 times; undefined (no known end) wins. */
function latest(a: string | undefined, b: string): string | undefined {
  if (a === undefined) return undefined
  return Date.parse(a) >= Date.parse(b) ? a : b
}
