import {existsSync} from 'node:fs'

import {readConfigText, withConfigFileLock, writeFileAtomic} from '../aws-config/atomic-write.js'
import {configFilePath, displayPath} from '../aws-config/paths.js'
import {
  AUTO_LOGIN_FLOW,
  DEFAULT_SSO_SCOPES,
  listSsoSessions,
  upsertSsoSession,
  validateRegion,
  validateStartUrl,
} from '../aws-config/sso-sessions.js'
import {parseConfig} from '../aws-config/ini.js'
import {debug} from '../ui/debug.js'
import {KeylessError} from '../errors.js'
import {caseOnlyClash} from '../platform/case-clash.js'
import type {SessionStore} from './session-store.js'
import {checkStoreSupported, DEFAULT_STORE, parseStoreKind, type StoreKind} from '../keychain/stores.js'

export interface ConfigureResult {
  session: string
  startUrl: string
  region: string
  scopes: string[]
  /** `keyless_login_flow` of the section after the change, when it has one. */
  loginFlow?: string
  /** The session's store after this (PRODUCT.md section 13). */
  store: StoreKind
  /** The store before, when this changed it: the next login deletes the session's entries there. */
  previousStore?: StoreKind
  configFile: string
  /** False when the section already said exactly this (nothing was written). */
  changed: boolean
  created: boolean
  /** The start URL or region changed: the session's sign-in belongs to the old one. */
  repointed: boolean
  /** Cached role credentials deleted because the start URL or region changed (they belonged to the old one). */
  clearedRoleCredentials: number
}

/**
 * Adds or updates `[sso-session NAME]`: validated input, then read-modify-write under the config-file lock
 * (two terminals cannot lose each other's edit), written atomically with a backup, no other byte touched.
 */
export async function configureSession(
  input: {name: string; startUrl: string; region: string; scopes?: string[]; loginFlow?: string; store?: StoreKind},
  env: NodeJS.ProcessEnv = process.env,
  store?: SessionStore,
  platform: NodeJS.Platform = process.platform,
): Promise<ConfigureResult> {
  if (input.store) checkStoreSupported(input.store)
  const startUrl = validateStartUrl(input.startUrl)
  const region = validateRegion(input.region)
  const path = configFilePath(env)
  const shown = displayPath(path, env)
  // The same lock as profiles sync: the two never interleave their read-modify-write.
  const result = await withConfigFileLock(
    path,
    async () => {
      const before = await readConfigText(path)
      const sessions = listSsoSessions(parseConfig(before, {path: shown}))
      const clash = caseOnlyClash(
        input.name,
        sessions.map((s) => s.name),
        platform,
      )
      if (clash !== undefined) {
        throw new KeylessError(
          `session "${input.name}" differs from the existing session "${clash}" only by case, and on ${platform === 'win32' ? 'Windows' : 'macOS'} the keychain and the file system would take them for one (shared secrets and markers)`,
          `use the existing one (--session ${clash}), or choose a name that differs by more than case`,
          2,
        )
      }
      const previous = sessions.find((s) => s.name === input.name)
      const written = previous?.keyless?.keyless_store
      // An unknown keyless_store in the file is replaced by --store, and is an error without it.
      const was = previous
        ? input.store && written !== undefined
          ? safeKind(written, input.name)
          : parseStoreKind(written, input.name)
        : undefined
      const store = input.store ?? was ?? DEFAULT_STORE
      // The store the session already uses (the keychain when keyless_store is absent) is no change: no byte
      // written, and its signed-in tokens stay where they are.
      const writeStore = input.store !== undefined && input.store !== was ? input.store : undefined
      const after = upsertSsoSession(
        before,
        {name: input.name, startUrl, region, scopes: input.scopes, loginFlow: input.loginFlow, store: writeStore},
        {path: shown},
      )
      const changed = after !== before || !existsSync(path) ? await writeFileAtomic(path, after, {backup: true}) : false
      const repointed = Boolean(previous && (previous.startUrl !== startUrl || previous.region !== region))
      const loginFlow = input.loginFlow === AUTO_LOGIN_FLOW ? undefined : (input.loginFlow ?? previous?.loginFlow)
      const previousStore = was !== undefined && was !== store ? was : undefined
      return {
        session: input.name,
        startUrl,
        region,
        scopes: input.scopes ?? previous?.scopes ?? [...DEFAULT_SSO_SCOPES],
        ...(loginFlow ? {loginFlow} : {}),
        store,
        previousStore,
        configFile: path,
        changed,
        created: !previous,
        repointed,
      }
    },
    {env},
  )
  let clearedRoleCredentials = 0
  if (result.repointed && store) {
    // Never served anyway (they are bound to the old start URL and region): this removes them from the keychain.
    try {
      clearedRoleCredentials = await store.deleteAllRoleCredentials(input.name)
    } catch (error) {
      debug('configure', `could not clear the old role credentials: ${(error as Error).message}`)
    }
  }
  return {...result, clearedRoleCredentials}
}

function safeKind(value: string, session: string): StoreKind | undefined {
  try {
    return parseStoreKind(value, session)
  } catch {
    return undefined
  }
}
