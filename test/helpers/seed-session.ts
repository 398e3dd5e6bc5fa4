/**
 * A signed-in SSO session for any suite, without running `keyless login`: a device-authorization flow through
 * the emulator's real sso-oidc API (signInWithSdk), the registration and token written to the sandbox keychain
 * exactly as login stores them, and the `[sso-session NAME]` section in the sandbox's AWS config file.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {afterAll, beforeAll} from 'vitest'

import {openStore, type StoreKind} from '../../src/keychain/stores.js'
import {openSessionStore} from '../../src/sso/session-store.js'
import {signInWithSdk, startEmulator, type EmulatorHandle, type EmulatorOptions} from './emulator.js'
import {ssoSessionSection} from './files.js'
import {makeSandbox, type Sandbox} from './sandbox.js'

export interface SeedOptions {
  /** Session name (default `acme`). */
  session?: string
  /** Seconds the stored access token has left (default 8 h). Under 15 min: it is due for a silent refresh. */
  tokenExpiresInSeconds?: number
  /** Store no refresh token (an expired token then means a new login). */
  withoutRefreshToken?: boolean
  /** Leave the AWS config file alone (default: append the [sso-session] section unless it is there). */
  skipConfig?: boolean
  /** The session's store (default the keychain); kernel-keyring also writes `keyless_store` into its section. */
  store?: StoreKind
}

export interface SeededSession {
  session: string
  startUrl: string
  region: string
  /** The secrets issued for it: for assertions that they leak nowhere. Never print them. */
  accessToken: string
  refreshToken?: string
}

export async function seedSession(emulator: EmulatorHandle, sandbox: Sandbox, options: SeedOptions = {}): Promise<SeededSession> {
  const session = options.session ?? 'acme'
  const fixture = await emulator.fixture()
  const signedIn = await signInWithSdk(emulator)
  // As login opens it: the sandbox's keychain service, and the sign-in marker in the sandbox's cache dir.
  const store = openSessionStore(options.store ?? 'keychain', sandbox.env)
  await store.writeRegistration(session, {
    clientId: signedIn.clientId,
    clientSecret: signedIn.clientSecret,
    expiresAt: new Date(Date.now() + 80 * 24 * 3600 * 1000).toISOString(),
    region: fixture.region,
    scopes: ['sso:account:access'],
  })
  const refreshToken = options.withoutRefreshToken ? undefined : signedIn.refreshToken
  await store.writeToken(session, {
    accessToken: signedIn.accessToken,
    refreshToken,
    expiresAt: new Date(Date.now() + (options.tokenExpiresInSeconds ?? 8 * 3600) * 1000).toISOString(),
    startUrl: fixture.startUrl,
    region: fixture.region,
    loggedInAt: new Date().toISOString(),
  })
  if (!options.skipConfig) {
    const existing = existsSync(sandbox.configFile) ? readFileSync(sandbox.configFile, 'utf8') : ''
    if (!existing.includes(`[sso-session ${session}]`)) {
      mkdirSync(dirname(sandbox.configFile), {recursive: true, mode: 0o700})
      const separator = existing && !existing.endsWith('\n\n') ? (existing.endsWith('\n') ? '\n' : '\n\n') : ''
      const storeLine = options.store ? `keyless_store = ${options.store}\n` : ''
      appendFileSync(sandbox.configFile, separator + ssoSessionSection(session, fixture.startUrl, fixture.region) + storeLine, {
        mode: 0o600,
      })
    }
  }
  return {session, startUrl: fixture.startUrl, region: fixture.region, accessToken: signedIn.accessToken, refreshToken}
}

/** Deletes everything the sandbox's keychain service holds (for afterAll). */
export async function wipeSandboxKeychain(sandbox: Sandbox, kind: StoreKind = 'keychain'): Promise<void> {
  const keychain = openStore(kind, {service: sandbox.keychainService})
  for (const key of await keychain.keys()) await keychain.delete(key)
}

export interface SignedInEmulator {
  emulator: EmulatorHandle
  sandbox: Sandbox
  /** The environment for keyless processes: the sandbox's, aimed at the emulator. */
  env: NodeJS.ProcessEnv
}

/**
 * For a describe block: an emulator, a throwaway sandbox and a session ("acme") signed in to it, set up before
 * the block's tests and torn down (keychain entries included) after them. Read its fields inside tests.
 */
export function useSignedInEmulator(options: EmulatorOptions = {}): SignedInEmulator {
  const signedIn = {} as SignedInEmulator
  beforeAll(async () => {
    signedIn.emulator = await startEmulator(options)
    signedIn.sandbox = makeSandbox()
    signedIn.env = {...signedIn.sandbox.env, ...signedIn.emulator.env()}
    await seedSession(signedIn.emulator, signedIn.sandbox)
  })
  afterAll(async () => {
    await wipeSandboxKeychain(signedIn.sandbox)
    signedIn.sandbox.cleanup()
    await signedIn.emulator.close()
  })
  return signedIn
}
