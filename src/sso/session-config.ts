import {configFilePath} from '../aws-config/paths.js'
import {parseConfig} from '../aws-config/ini.js'
import {listSsoSessions, resolveSessionName} from '../aws-config/sso-sessions.js'
import {readConfigText} from '../aws-config/atomic-write.js'
import type {SsoSession} from './types.js'

/** Every `[sso-session]` in the AWS config file, in file order. */
export async function loadSessions(env: NodeJS.ProcessEnv = process.env): Promise<SsoSession[]> {
  const path = configFilePath(env)
  const text = await readConfigText(path)
  return listSsoSessions(parseConfig(text, {path}))
}

/** The session a command works on: `--session`, else $KEYLESS_SESSION, else the only one (PRODUCT.md section 2). */
export async function loadSession(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<SsoSession> {
  const sessions = await loadSessions(env)
  const name = resolveSessionName({flag, env, sessions})
  return sessions.find((s) => s.name === name)!
}
