import {presentAuthorizationPrompt, presentDevicePrompt} from '../ui/login-prompt.js'
import {pollingSpinner} from '../ui/spinner.js'
import {login, type LoginResult} from './login.js'
import type {FlowChoice} from './login-flow.js'
import {sessionRuntime} from './runtime.js'
import {retireOldStore} from './store-switch.js'
import type {SsoSession} from './types.js'

/**
 * A sign-in with a person at this terminal: `keyless login`, and exec, env and console signing in first when the
 * session is not signed in or has expired. One place for what both must do: the session's own store (its
 * `keyless_store`, which every later read of the session uses), the prompt of the chosen flow on stderr with a spinner
 * while Identity Center waits, Ctrl-C stopping it with nothing stored (exit 130), and, once the session's store is
 * filled, the entries of the store it used before a switch deleted.
 */
export async function loginAtTerminal(
  session: SsoSession,
  options: {choice: FlowChoice; force: boolean; env?: NodeJS.ProcessEnv},
): Promise<LoginResult> {
  const env = options.env ?? process.env
  const {choice} = options
  const runtime = sessionRuntime(env, session)
  const controller = new AbortController()
  // Ctrl-C while waiting for approval: stop waiting, store nothing, exit 130.
  const onSigint = () => controller.abort()
  // `on`, not `once`: proper-lockfile's signal-exit re-raises SIGINT when no other listener remains.
  process.on('SIGINT', onSigint)
  const spinner = pollingSpinner('Waiting for approval in the browser')
  try {
    const result = await login(
      session,
      {
        ...runtime,
        signal: controller.signal,
        present: async (prompt) => {
          await presentDevicePrompt(prompt, {choice, region: session.region})
          spinner.start()
        },
        presentAuthorization: async (prompt) => {
          await presentAuthorizationPrompt(prompt, {choice, region: session.region, session: session.name})
          spinner.start()
        },
      },
      {force: options.force, flow: choice.flow},
    )
    spinner.stop()
    // A session switched to another store: the new one is filled now, so the old one's entries go.
    await retireOldStore(session.name, runtime.storeKind, env, (line) => process.stderr.write(line + '\n'))
    return result
  } finally {
    spinner.stop()
    process.removeListener('SIGINT', onSigint)
  }
}
