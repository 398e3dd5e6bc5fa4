import {readConfigText} from '../aws-config/atomic-write.js'
import {parseConfig} from '../aws-config/ini.js'
import {noteConfigTextRead} from '../aws-config/sdk-config-view.js'
import {configFilePath, displayPath} from '../aws-config/paths.js'
import {listSsoSessions, resolveSessionName} from '../aws-config/sso-sessions.js'
import {KeylessError} from '../errors.js'
import type {SsoSession} from './types.js'

/**
 * The AWS config file as a command reads it once: its text (for a command that looks at profiles too) and its
 * sessions. The session the command works on, its settings and its store (keyless_store) all come from this one
 * read, handed down, rather than from each module reading the file again (issue 22: with thousands of synced
 * profiles every read and parse counts).
 */
export interface ConfigSessions {
  /** The file's text, '' when there is none. */
  text: string
  /** The file as shown to users (`~/.aws/config`). */
  shown: string
  /** Every `[sso-session]`, in file order. */
  sessions: SsoSession[]
}

/** Reads and parses the AWS config file once. */
export async function readSessions(env: NodeJS.ProcessEnv = process.env): Promise<ConfigSessions> {
  const path = configFilePath(env)
  const text = await readConfigText(path)
  // The SDK clients this command may create read their settings from this text too (sdk-config-view.ts).
  noteConfigTextRead(path, text)
  return sessionsIn(text, env)
}

/** The same from text already read. */
export function sessionsIn(text: string, env: NodeJS.ProcessEnv = process.env): ConfigSessions {
  const shown = displayPath(configFilePath(env), env)
  return {text, shown, sessions: listSsoSessions(parseConfig(text, {path: shown}))}
}

/** Every `[sso-session]` in the AWS config file, in file order. */
export async function loadSessions(env: NodeJS.ProcessEnv = process.env): Promise<SsoSession[]> {
  return (await readSessions(env)).sessions
}

/**
 * The session a command works on: `--session`, else $KEYLESS_SESSION, else the only one (PRODUCT.md section 2).
 * `command` (e.g. `login`) only shapes the suggested next command line in errors.
 */
export async function loadSession(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, command?: string): Promise<SsoSession> {
  return chooseSession(await readSessions(env), flag, env, command)
}

/** loadSession's choice among the sessions of a file already read; a session without start URL or region is an error. */
export function chooseSession(
  config: ConfigSessions,
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  command?: string,
): SsoSession {
  const name = resolveSessionName({flag, env, sessions: config.sessions, command, path: config.shown})
  const session = config.sessions.find((s) => s.name === name)!
  checkUsable(session, config.shown)
  return session
}

/** A session credentials can be had for: the section names a start URL and a region (else the line that says which is missing). */
export function checkUsable(session: SsoSession, shown: string): void {
  const missing = !session.startUrl ? 'sso_start_url' : !session.region ? 'sso_region' : undefined
  if (missing) {
    throw new KeylessError(
      `[sso-session ${session.name}] in ${shown} has no ${missing}`,
      `run: keyless configure --session ${session.name} --start-url https://... --region REGION`,
    )
  }
}
