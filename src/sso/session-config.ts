import {readConfigText} from '../aws-config/atomic-write.js'
import {parseConfig} from '../aws-config/ini.js'
import {configFilePath, displayPath} from '../aws-config/paths.js'
import {listSsoSessions, resolveSessionName} from '../aws-config/sso-sessions.js'
import {KeylessError} from '../errors.js'
import type {SsoSession} from './types.js'

/** Every `[sso-session]` in the AWS config file, in file order. */
export async function loadSessions(env: NodeJS.ProcessEnv = process.env): Promise<SsoSession[]> {
  const path = configFilePath(env)
  const text = await readConfigText(path)
  return listSsoSessions(parseConfig(text, {path: displayPath(path, env)}))
}

/**
 * The session a command works on: `--session`, else $KEYLESS_SESSION, else the only one (PRODUCT.md section 2).
 * `command` (e.g. `login`) only shapes the suggested next command line in errors.
 */
export async function loadSession(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, command?: string): Promise<SsoSession> {
  const sessions = await loadSessions(env)
  const file = displayPath(configFilePath(env), env)
  const name = resolveSessionName({flag, env, sessions, command, path: file})
  const session = sessions.find((s) => s.name === name)!
  const missing = !session.startUrl ? 'sso_start_url' : !session.region ? 'sso_region' : undefined
  if (missing) {
    throw new KeylessError(
      `[sso-session ${name}] in ${file} has no ${missing}`,
      `run: keyless configure --session ${name} --start-url https://... --region REGION`,
    )
  }
  return session
}
