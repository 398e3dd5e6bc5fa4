import {KeylessError} from '../errors.js'
import {sessionGone} from '../sso/errors.js'
import {hasStoredSignIn} from '../sso/signed-in.js'
import {fetchRoleCredentials} from '../credentials/fetch-role-credentials.js'
import {obtainRoleCredentials} from '../credentials/role-credentials.js'
import {withFileLock} from '../locks/file-lock.js'
import {roleLockName} from '../locks/lock-state.js'
import {sessionRuntime} from '../sso/runtime.js'
import {loadSession, loadSessions} from '../sso/session-config.js'
import type {SessionStore} from '../sso/session-store.js'
import type {RoleCredentials, SsoSession} from '../sso/types.js'
import type {CredentialProcessArgs} from './args.js'

/** --auto-login with nobody to approve a sign-in: the usual expired-session line, at once, with the reason. */
export class AutoLoginUnreachableError extends KeylessError {
  override name = 'AutoLoginUnreachableError'
  constructor(session: string, reason: string, signedIn: boolean) {
    super(
      `SSO session "${session}" ${sessionGone(signedIn)} and --auto-login cannot sign in here (${reason})`,
      `run: keyless login --session ${session}`,
    )
  }
}

/**
 * The cache-miss path of credential-process, loaded only when the keychain has nothing worth serving: reads the
 * session from the AWS config, then obtains role credentials under the cross-process locks in the cache dir.
 */
export async function freshRoleCredentials(
  args: CredentialProcessArgs,
  io: {
    env: NodeJS.ProcessEnv
    store: SessionStore
    now: () => number
    warn: (line: string) => void
    session?: SsoSession
    deadline?: number
  },
): Promise<RoleCredentials> {
  // The session the cached path already read (a usable section), else the whole file, which says what is wrong.
  const session =
    io.session ??
    (await loadSession(args.session, io.env, 'credential-process').catch(async (error: unknown) => {
      // The section is gone: the role credentials cached for it belong to nothing any more.
      const name = args.session ?? io.env.KEYLESS_SESSION
      const sessions = name ? await loadSessions(io.env).catch(() => undefined) : undefined
      if (name && sessions && !sessions.some((s) => s.name === name)) {
        await io.store.deleteAllRoleCredentials(name).catch(() => 0)
      }
      throw error
    }))
  // The session's own store (keyless_store), which io.store (opened before the config was checked) may not be.
  const runtime = sessionRuntime(io.env, session)
  const store = runtime.store
  return obtainRoleCredentials(
    {session, accountId: args.accountId, roleName: args.roleName, autoLogin: args.autoLogin, deadline: io.deadline},
    {
      store,
      now: io.now,
      warn: io.warn,
      withSessionLock: (name, fn, waitMs) => runtime.withSessionLock(name, fn, waitMs),
      withRoleLock: (request, fn, waitMs, afterRelease) =>
        withFileLock(runtime.lockDir, roleLockName(request.session.name, request.accountId, request.roleName), fn, {
          waitMs,
          what: `role credentials of ${request.accountId}/${request.roleName}`,
          afterRelease,
        }),
      fetch: (s, accessToken, accountId, roleName) => fetchRoleCredentials(s, accessToken, accountId, roleName),
      login: async (s, options) => {
        const [{login}, {chooseLoginFlow}, {presentAuthorizationPrompt, presentDevicePrompt}, {loginPromptReach}] = await Promise.all([
          import('../sso/login.js'),
          import('../sso/login-flow.js'),
          import('../ui/login-prompt.js'),
          import('../ui/prompt-reach.js'),
        ])
        // The same choice as keyless login (no flags here): one browser sign-in for every concurrent caller.
        const choice = chooseLoginFlow({deviceCode: false, noBrowser: false, session: s}, io.env)
        // The AWS CLI shows a credential_process's stderr only once it ends: the prompt goes to the terminal.
        const reach = loginPromptReach(io.env)
        // "has expired" only when a sign-in was stored; after logout (or before any login) "is not signed in".
        const signedIn = await hasStoredSignIn(store, s.name)
        const expired = () =>
          reach.write(
            signedIn
              ? 'keyless: the SSO session has expired; --auto-login is signing you in again\n'
              : `keyless: SSO session "${s.name}" is not signed in; --auto-login is signing you in\n`,
          )
        try {
          // No withSessionLock here: obtainRoleCredentials already holds the session lock around this call.
          const result = await login(
            s,
            {
              store,
              now: io.now,
              beforeSignIn: () => {
                if (reach.kind === 'none') throw new AutoLoginUnreachableError(s.name, reach.reason!, signedIn)
              },
              present: async (prompt) => {
                expired()
                await presentDevicePrompt(prompt, {choice, region: s.region, write: reach.write})
              },
              presentAuthorization: async (prompt) => {
                expired()
                await presentAuthorizationPrompt(prompt, {choice, region: s.region, session: s.name, write: reach.write})
              },
            },
            {...options, flow: choice.flow},
          )
          // As after `keyless login`: a session switched to another store leaves no secret in the one it left.
          const {retireOldStore} = await import('../sso/store-switch.js')
          await retireOldStore(s.name, runtime.storeKind, io.env, io.warn)
          return result
        } finally {
          reach.close()
        }
      },
    },
  )
}
