import {chmod} from 'node:fs/promises'

import {printable, toUserLine} from '../errors.js'
import {maskAccessKeyId} from '../identity/classify.js'
import {backupPath, writeFileAtomic} from './atomic-write.js'
import {getKey, parseConfig} from './ini.js'
import {convertToKeylessProfile, removeStaticKeys, sectionProfileName} from './remove-keys.js'

/** A profile whose key goes and whose name becomes a keyless profile (config file only). */
export interface KeyConversion {
  profile: string
  session: string
  region?: string
  credentialProcess: string
}

export interface KeyEdits {
  /** Profiles whose static keys go, each with the access key id the user reviewed. */
  remove: ReadonlyMap<string, string>
  /** Config file only: names that become keyless profiles, after their keys (if any in this file) are gone. */
  convert?: readonly KeyConversion[]
}

export interface KeyEditResult {
  text: string
  /** Profiles whose key left this file. */
  removed: string[]
  /** Profiles converted. */
  converted: string[]
  /** One line each: what was not done and why (the key changed since it was reviewed; a refused conversion). */
  failed: string[]
}

/**
 * The one edit `audit --fix` and `import` make to take long-term keys out of an AWS file and give a name to keyless:
 * exactly the key the user reviewed goes (a profile whose key changed since keeps it, and is not converted),
 * then the names become keyless profiles. Pure: text in, text out, every other byte as it was.
 */
export function editKeyProfiles(text: string, file: 'credentials' | 'config', shown: string, edits: KeyEdits): KeyEditResult {
  const failed: string[] = []
  const stale = new Set<string>()
  const removing: string[] = []
  for (const [profile, reviewed] of edits.remove) {
    const now = currentKeyId(text, profile, file, shown)
    if (now === reviewed) {
      removing.push(profile)
      continue
    }
    stale.add(profile)
    failed.push(
      `keyless: the key of profile [${printable(profile)}] in ${shown} is not the one reviewed (${now ? `it is now ${maskAccessKeyId(now)}` : 'it is gone'}); it was left as it is; to review it, run: keyless audit --fix`,
    )
  }
  const keepSections = new Set(file === 'config' ? (edits.convert ?? []).map((c) => c.profile) : [])
  const removed = removeStaticKeys(text, removing, {file, path: shown, keepSections})
  let out = removed.text
  const converted: string[] = []
  for (const c of edits.convert ?? []) {
    if (stale.has(c.profile)) continue
    try {
      out = convertToKeylessProfile(
        out,
        {name: c.profile, session: c.session, region: c.region, credentialProcess: c.credentialProcess},
        {path: shown},
      )
      converted.push(c.profile)
    } catch (error) {
      failed.push(toUserLine(error))
    }
  }
  return {text: out, removed: removed.removed, converted, failed}
}

/** The access key id a profile holds in the file as it is now (the AWS tools' view: the last one wins). */
function currentKeyId(text: string, profile: string, file: 'credentials' | 'config', path: string): string | undefined {
  let id: string | undefined
  for (const section of parseConfig(text, {path}).sections) {
    if (sectionProfileName(section, file) !== profile) continue
    id = getKey(section, 'aws_access_key_id') ?? id
  }
  return id
}

/**
 * Writes an AWS file after a key edit: atomic, after a backup (`credentials.keyless.bak`). The backup holds the
 * removed keys, so it is never readable by anyone else, whatever the file's mode was. Returns the backup's path
 * when one holds removed keys.
 */
export async function writeKeyFile(path: string, text: string, removedKeys: boolean): Promise<{wrote: boolean; backup?: string}> {
  const wrote = await writeFileAtomic(path, text, {backup: true})
  if (!wrote || !removedKeys) return {wrote}
  await chmod(backupPath(path), 0o600).catch(() => {})
  return {wrote, backup: backupPath(path)}
}
