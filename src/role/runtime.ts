import {readAccountsCache} from '../accounts/cache.js'
import {roleCredentials} from '../credential-process/main.js'
import {SessionExpiredError, sessionGone} from '../sso/errors.js'
import {chooseSession, type ConfigSessions, readSessions} from '../sso/session-config.js'
import type {RoleCredentials, SsoSession} from '../sso/types.js'
import {registerSecret} from '../ui/debug.js'
import {stderrIsTty, stdinIsTty} from '../ui/terminal.js'
import {type RoleChoice, type RoleFlags, selectRole} from './select.js'

export interface UseRoleOptions {
  /** `exec`, `env`, `console`: shapes the suggested command lines in errors. */
  command: string
  debug: boolean
  env?: NodeJS.ProcessEnv
}

/** A person at a terminal: the picker and a login on an expired session are possible (prompts on stderr). */
export function canPrompt(): boolean {
  return stdinIsTty() && stderrIsTty()
}

/** The role the flags name (or the user picks), and its credentials. */
export async function useRole(flags: RoleFlags, options: UseRoleOptions): Promise<{choice: RoleChoice; credentials: RoleCredentials}> {
  const env = options.env ?? process.env
  const interactive = canPrompt()
  const onExpiry = <T>(session: SsoSession, fn: () => Promise<T>) => (interactive ? loginWhenExpired(session, env, fn) : fn())
  // The file is read once: the profile, the session and (in credentialsFor) the store and binding all come from it.
  let config: Promise<ConfigSessions> | undefined
  const read = () => (config ??= readSessions(env))
  const choice = await selectRole(flags, {
    command: options.command,
    configText: async () => (await read()).text,
    loadSession: async (name) => chooseSession(await read(), name, env, options.command),
    listAccounts: (session) => onExpiry(session, () => listAccounts(session, env)),
    cachedAccounts: async (session) => (await readAccountsCache(session, env))?.accounts,
    pick: interactive ? async (session, accounts) => (await import('../ui/role-picker.js')).pickRole(session, accounts) : undefined,
  })
  const source = await onExpiry(choice.session, () => credentialsFor(choice, options.debug, env, undefined, true))
  if (!choice.chain) return {choice, credentials: source}
  const {assumeChain} = await import('./assume.js')
  const region = choice.profileRegion ?? choice.session.region
  return {choice, credentials: await assumeChain(source, choice.chain, {region, profile: choice.label, env})}
}

/** The session's accounts (cached listing, else fetched); loaded only when a name has to be looked up. */
async function listAccounts(session: SsoSession, env: NodeJS.ProcessEnv) {
  const [{getAccounts}, {accountsRuntime}] = await Promise.all([import('../accounts/accounts.js'), import('../accounts/runtime.js')])
  return (await getAccounts(session, accountsRuntime(session, env), {refresh: false})).result.accounts
}

/**
 * The role's credentials through credential-process's own cache and cross-process single flight: served from the
 * keychain while more than 15 minutes remain, else fetched once for all concurrent callers.
 */
export async function credentialsFor(
  choice: RoleChoice,
  debug: boolean,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  /**
   * The session as selectRole just read it (the command's first fetch): its store and binding need no other read of
   * the config file. Later fetches (`exec --server`, hours on) read the section as it is then: a session re-pointed
   * meanwhile must not be served under its old settings.
   */
  asRead = false,
): Promise<RoleCredentials> {
  const credentials = await roleCredentials(
    {session: choice.session.name, accountId: choice.accountId, roleName: choice.roleName, autoLogin: false, debug},
    {env, warn, ...(asRead ? {session: choice.session} : {})},
  )
  registerSecret(credentials.secretAccessKey)
  registerSecret(credentials.sessionToken)
  return credentials
}

/** Runs fn; when the session has expired, signs in (as `keyless login` does, on stderr) and runs it once more. */
async function loginWhenExpired<T>(session: SsoSession, env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  let signedIn: boolean
  try {
    return await fn()
  } catch (error) {
    if (!(error instanceof SessionExpiredError)) throw error
    signedIn = error.signedIn
  }
  process.stderr.write(`keyless: the SSO session ${session.name} ${sessionGone(signedIn)}; signing in first\n`)
  await interactiveLogin(session, env)
  return fn()
}

/** Signs in as `keyless login` without flags does (its flow choice, the session's store, on stderr). */
async function interactiveLogin(session: SsoSession, env: NodeJS.ProcessEnv): Promise<void> {
  const [{chooseLoginFlow}, {loginAtTerminal}] = await Promise.all([import('../sso/login-flow.js'), import('../sso/terminal-login.js')])
  const choice = chooseLoginFlow({deviceCode: false, noBrowser: false, session}, env)
  await loginAtTerminal(session, {choice, force: false, env})
}
