/**
 * Shared set-up of the credential-process suites (e2e, reliability) and the benchmark: an SSO session signed in
 * against the emulator and stored in a sandbox keychain, and credential_process profiles written by hand.
 */
import {join} from 'node:path'

import {openKeychain} from '../../src/keychain/keychain.js'
import {SessionStore} from '../../src/sso/session-store.js'
import {KEYLESS_BIN} from './cli.js'
import {signInWithSdk, type EmulatorHandle} from './emulator.js'
import {ssoSessionSection} from './files.js'

export const SESSION = 'acme'

export interface ProfileSpec {
  name: string
  accountId: string
  roleName: string
  session?: string
  autoLogin?: boolean
}

/** The credential_process line keyless profiles sync would write, with node spelled out (bin/run.js is a script). */
export function credentialProcessLine(p: ProfileSpec): string {
  const flags = `--session ${p.session ?? SESSION} --account-id ${p.accountId} --role-name ${p.roleName}${p.autoLogin ? ' --auto-login' : ''}`
  return `"${process.execPath}" "${KEYLESS_BIN}" credential-process ${flags}`
}

/** An AWS config with the [sso-session] of the emulator's fixture and one credential_process profile per spec. */
export function configText(startUrl: string, region: string, profiles: ProfileSpec[], extraSessions: string[] = []): string {
  let text = ssoSessionSection(SESSION, startUrl, region)
  for (const name of extraSessions) text += '\n' + ssoSessionSection(name, startUrl, region)
  for (const p of profiles) {
    text += `\n[profile ${p.name}]\ncredential_process = ${credentialProcessLine(p)}\nregion = ${region}\nkeyless_session = ${p.session ?? SESSION}\n`
  }
  return text
}

/**
 * Signs in through the emulator's real sso-oidc API and stores registration and token in the keychain the way
 * `keyless login` does. tokenExpiresInSeconds lets a test start with a token that is due for refresh.
 */
export async function seedSession(
  emulator: EmulatorHandle,
  keychainService: string,
  options: {session?: string; tokenExpiresInSeconds?: number} = {},
): Promise<{accessToken: string; refreshToken?: string}> {
  const fixture = await emulator.fixture()
  const signedIn = await signInWithSdk(emulator)
  const store = new SessionStore(openKeychain({service: keychainService}))
  const session = options.session ?? SESSION
  await store.writeRegistration(session, {
    clientId: signedIn.clientId,
    clientSecret: signedIn.clientSecret,
    expiresAt: new Date(Date.now() + 80 * 24 * 3600 * 1000).toISOString(),
    region: fixture.region,
    scopes: ['sso:account:access'],
  })
  await store.writeToken(session, {
    accessToken: signedIn.accessToken,
    refreshToken: signedIn.refreshToken,
    expiresAt: new Date(Date.now() + (options.tokenExpiresInSeconds ?? 8 * 3600) * 1000).toISOString(),
    startUrl: fixture.startUrl,
    region: fixture.region,
  })
  return signedIn
}

/** Deletes everything the sandbox's keychain service holds. */
export async function wipeKeychain(keychainService: string): Promise<void> {
  const keychain = openKeychain({service: keychainService})
  for (const key of await keychain.keys()) await keychain.delete(key)
}

/**
 * Files for `node --import <register>`: records the URL of every module the process resolves into
 * $KEYLESS_MODULE_TRACE, to check what the cached path loads.
 */
export function moduleTraceFiles(dir: string): {register: string; hook: string} {
  return {register: join(dir, 'trace-register.mjs'), hook: join(dir, 'trace-hook.mjs')}
}
export const TRACE_HOOK = `import {appendFileSync} from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (process.env.KEYLESS_MODULE_TRACE) appendFileSync(process.env.KEYLESS_MODULE_TRACE, result.url + '\\n')
  return result
}
`
export const traceRegister = (hookPath: string) =>
  `import {register} from 'node:module'\nimport {pathToFileURL} from 'node:url'\nregister(pathToFileURL(${JSON.stringify(hookPath)}))\n`
