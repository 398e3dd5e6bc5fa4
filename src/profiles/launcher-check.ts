import {existsSync} from 'node:fs'
import {isAbsolute, win32} from 'node:path'

import {readConfigText} from '../aws-config/atomic-write.js'
import {getKey, parseConfig} from '../aws-config/ini.js'
import {configFilePath} from '../aws-config/paths.js'

/** Profiles of one session whose credential_process starts a program that is gone. */
export interface BrokenLauncher {
  session: string
  /** The missing program (node, node.exe, run.js), as written in the line. */
  missing: string
  profiles: string[]
}

/**
 * The keyless profiles whose credential_process line names a program that no longer exists: Node.js moved (brew
 * upgrade, nvm uninstall) or keyless was removed. The AWS tools then fail with their own, unhelpful message;
 * `status` says which session to sync again. The launcher is the words before `credential-process`.
 */
export function brokenLaunchers(
  configText: string,
  options: {platform?: NodeJS.Platform; exists?: (path: string) => boolean} = {},
): BrokenLauncher[] {
  const platform = options.platform ?? process.platform
  const exists = options.exists ?? existsSync
  const absolute = (p: string) => (platform === 'win32' ? win32.isAbsolute(p) : isAbsolute(p))
  const found = new Map<string, BrokenLauncher>()
  for (const section of parseConfig(configText).sections) {
    const session = getKey(section, 'keyless_session')
    const line = getKey(section, 'credential_process')
    if ((section.type !== 'profile' && section.type !== 'default') || !session || !line) continue
    const at = line.indexOf(' credential-process ')
    if (at < 0) continue
    const words = [...line.slice(0, at).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '')
    const missing = words.find((w) => absolute(w) && !exists(w))
    if (missing === undefined) continue
    const key = `${session}\0${missing}`
    const entry = found.get(key) ?? {session, missing, profiles: []}
    entry.profiles.push(section.name)
    found.set(key, entry)
  }
  return [...found.values()]
}

/** `status`'s lines (stderr) for the profiles in the AWS config file that no longer start. */
export async function brokenLauncherLines(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<string[]> {
  const path = configFilePath(env)
  const text = await readConfigText(path).catch(() => '')
  return brokenLaunchers(text, {platform}).map((b) => {
    const n = b.profiles.length === 1 ? `profile ${b.profiles[0]}` : `${b.profiles.length} profiles of session ${b.session}`
    return `keyless: ${n} ${b.profiles.length === 1 ? 'runs' : 'run'} ${b.missing}, which no longer exists (Node.js or keyless moved): the AWS tools cannot start ${b.profiles.length === 1 ? 'it' : 'them'}; run: keyless profiles sync --session ${b.session}`
  })
}
