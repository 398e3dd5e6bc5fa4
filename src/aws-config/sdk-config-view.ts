import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {configFilePath} from './paths.js'
import {scanSdkIniHeaders, type SdkIniHeaders} from './sdk-ini-headers.js'
import {smithyConfig} from '../sdk-modules.js'

/**
 * The AWS SDK for JavaScript parses the whole config file again for each setting an STS client looks up (eight
 * times for one GetCallerIdentity), with a regular expression per line: with 3,000 profiles that is most of
 * whoami's time (issue 22). Once whoami holds its credentials, the client reads only the settings of one profile,
 * so it is handed the file without the `[profile NAME]` sections of other profiles: the SDK reads the very same
 * values from it, from a file a few hundred bytes long.
 */

/**
 * The SDK's own header pattern (`@smithy/core` config, parseIni: `^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$`) where its
 * first group is `profile`: as `[\w-]+` cannot hold the whitespace that follows it, that is the text starting
 * `profile` and a whitespace character, and the name is the same.
 */
const SDK_PROFILE_HEADER = /^profile\s(["'])?([\w-@+.%:/]+)\1$/

/**
 * The config file as the SDK reads it for the profiles in `keep` (and `default`): every line except those of a
 * `[profile NAME]` section, as the SDK finds section headers, for another NAME. A section the SDK could read under
 * another key is kept: `__proto__` (the SDK rejects the whole file for it) and a NAME beginning `sso-session.` or
 * `services.` (the SDK files profiles by bare NAME, so such a profile lands on an `[sso-session]`'s or
 * `[services]`'s key). Lines are cut where the SDK cuts them (LF, with any CR before it kept in the line).
 */
export function configForProfiles(text: string, keep: ReadonlySet<string>, headers = scanSdkIniHeaders(text)): string {
  const out: string[] = []
  let dropping = false
  let keptFrom = 0
  headers.inner.forEach((inner, n) => {
    const drop = dropsSection(inner, keep)
    const lineStart = headers.lineStart[n]!
    if (drop && !dropping) out.push(text.slice(keptFrom, lineStart))
    if (!drop && dropping) keptFrom = lineStart
    dropping = drop
  })
  if (!dropping) out.push(text.slice(keptFrom))
  return out.join('')
}

/** Whether configForProfiles leaves out the section under the header whose text between the brackets is `inner`. */
export function dropsSection(inner: string, keep: ReadonlySet<string>): boolean {
  // Most headers of a large file are [profile NAME]: the expression runs on those alone.
  const match = inner.startsWith('profile') ? SDK_PROFILE_HEADER.exec(inner) : null
  return match !== null && isOtherProfile(match[2] ?? '', keep)
}

/** A profile name configForProfiles leaves out (the rules in its comment); also readConfigForProfiles's fast path. */
export function isOtherProfile(name: string, keep: ReadonlySet<string>): boolean {
  if (keep.has(name) || name === 'default' || name === '__proto__') return false
  return !name.startsWith('sso-session.') && !name.startsWith('services.')
}

/**
 * From now on, the SDK in this process reads the config file through configForProfiles(text, keep): for the rest of
 * a command that only calls STS with credentials it already holds. `text` was read from `readPath`; when the SDK
 * would open another file (whoami given another environment than the process's), or its module cannot be found
 * (another SDK layout), nothing changes but the speed.
 */
export async function narrowSdkConfigView(
  readPath: string,
  text: string,
  keep: ReadonlySet<string>,
  headers?: SdkIniHeaders,
): Promise<void> {
  let sdk: typeof import('@smithy/core/config')
  try {
    sdk = smithyConfig()
  } catch {
    return
  }
  // The path the SDK opens (its loadSharedConfigFiles): AWS_CONFIG_FILE of this process, ~/ expanded its way.
  const home = sdk.getHomeDir()
  const configured = process.env.AWS_CONFIG_FILE || join(home, '.aws', 'config')
  const path = configured.startsWith('~/') ? join(home, configured.slice(2)) : configured
  if (path !== readPath) return
  try {
    sdk.externalDataInterceptor.interceptFile(path, configForProfiles(text, keep, headers))
  } catch {
    // A later SDK that reshaped this hook: whoami reads the whole file as before, only slower.
  }
}

let narrowedForProfileInUse: Promise<void> | undefined
/** The config file's text as this command read it (readSessions): the view is cut from it, not from a second read. */
let readByCommand: {path: string; text: string} | undefined

/** Notes the text a command read from the config file at `path`, for narrowSdkConfigToProfileInUse. */
export function noteConfigTextRead(path: string, text: string): void {
  readByCommand = {path, text}
}

/**
 * For keyless's own AWS clients (Identity Center's OIDC and portal, STS for role chains), which read only the
 * settings of the profile the SDK uses in this process: AWS_PROFILE's, else default's. With 3,000 synced profiles the
 * SDK parsing the whole file for each setting cost every cache miss about a quarter of a second (issue 22); it gets
 * the file without the other profiles instead. Once per process; a file that cannot be read is left to the SDK.
 */
export function narrowSdkConfigToProfileInUse(): Promise<void> {
  narrowedForProfileInUse ??= (async () => {
    // process.env, as the SDK reads it (not a command's own env).
    const path = configFilePath(process.env)
    let text: string
    try {
      text = readByCommand?.path === path ? readByCommand.text : (await readFile(path)).toString('utf8')
    } catch {
      return
    }
    const profile = process.env.AWS_PROFILE
    await narrowSdkConfigView(path, text, new Set(profile ? [profile] : []))
  })()
  return narrowedForProfileInUse
}
