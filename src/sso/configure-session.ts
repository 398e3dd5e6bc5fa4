import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {readConfigText, writeFileAtomic} from '../aws-config/atomic-write.js'
import {cacheDir, configFilePath} from '../aws-config/paths.js'
import {listSsoSessions, upsertSsoSession, validateRegion, validateStartUrl} from '../aws-config/sso-sessions.js'
import {parseConfig} from '../aws-config/ini.js'
import {withFileLock} from '../locks/file-lock.js'

export interface ConfigureResult {
  session: string
  startUrl: string
  region: string
  scopes: string[]
  configFile: string
  /** False when the section already said exactly this (nothing was written). */
  changed: boolean
  created: boolean
}

/**
 * Adds or updates `[sso-session NAME]`: validated input, then read-modify-write under the config-file lock
 * (two terminals cannot lose each other's edit), written atomically with a backup, no other byte touched.
 */
export async function configureSession(
  input: {name: string; startUrl: string; region: string; scopes: string[]},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigureResult> {
  const startUrl = validateStartUrl(input.startUrl)
  const region = validateRegion(input.region)
  const path = configFilePath(env)
  return withFileLock(join(cacheDir(env), 'locks'), 'aws-config', async () => {
    const before = await readConfigText(path)
    const existed = listSsoSessions(parseConfig(before, {path})).some((s) => s.name === input.name)
    const after = upsertSsoSession(before, {name: input.name, startUrl, region, scopes: input.scopes}, {path})
    const changed = after !== before || !existsSync(path) ? await writeFileAtomic(path, after, {backup: true}) : false
    return {session: input.name, startUrl, region, scopes: input.scopes, configFile: path, changed, created: !existed}
  }, {what: 'the AWS config file'})
}
