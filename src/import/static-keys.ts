import {type ConfigDocument, type ConfigSection, getKey} from '../aws-config/ini.js'
import {sectionConversionBlocker, sectionProfileName} from '../aws-config/remove-keys.js'
import type {RoleChoice} from '../audit/fix.js'
import type {FoundKey, KeyIdentity} from '../audit/types.js'
import {maskAccessKeyId} from '../identity/classify.js'
import {registerSecret} from '../ui/debug.js'

/** A profile name that holds a long-term key in the credentials and/or config file. */
export interface KeyProfile {
  name: string
  /** The key the AWS tools use for this name (the credentials file's wins over the config file's). */
  key: FoundKey
  /** The access key id each file holds for it: exactly these are removed, and only if unchanged at write time. */
  files: Partial<Record<'credentials' | 'config', string>>
  mfaSerial?: string
}

/** A key profile that can become a keyless profile, with the roles of its account the user has. */
export interface KeyOffer {
  profile: KeyProfile
  identity: KeyIdentity & {status: 'active'; account: string}
  roles: RoleChoice[]
}

export interface KeyRefusal {
  name: string
  reason: string
  fix: string
}

/** A name keyless writes as `[profile NAME]` (what profiles sync writes). */
const CONVERSION_NAME = /^[A-Za-z0-9._+-]+$/

/**
 * The profile names holding a static key, from both AWS files (a name may hold one in each), the secret kept in
 * memory for STS only. Names that `import` already handled as another tool's profile are left out.
 */
export function findKeyProfiles(
  config: ConfigDocument,
  credentials: ConfigDocument | undefined,
  handled: ReadonlySet<string>,
): KeyProfile[] {
  const byName = new Map<string, KeyProfile>()
  const configSections = new Map<string, ConfigSection>()
  for (const s of config.sections) {
    const name = sectionProfileName(s, 'config')
    if (name) configSections.set(name, s)
  }
  const add = (section: ConfigSection, file: 'credentials' | 'config') => {
    const name = sectionProfileName(section, file)
    const accessKeyId = getKey(section, 'aws_access_key_id')
    if (!name || !accessKeyId || handled.has(name)) return
    const secretAccessKey = getKey(section, 'aws_secret_access_key') ?? ''
    const sessionToken = getKey(section, 'aws_session_token') ?? getKey(section, 'aws_security_token')
    registerSecret(secretAccessKey)
    registerSecret(sessionToken)
    const configSection = configSections.get(name)
    const region = getKey(section, 'region') ?? (configSection && getKey(configSection, 'region'))
    const key: FoundKey = {accessKeyId, secretAccessKey, ...(sessionToken ? {sessionToken} : {}), region: region || undefined}
    const mfaSerial = getKey(section, 'mfa_serial') ?? (configSection && getKey(configSection, 'mfa_serial'))
    const known = byName.get(name)
    if (known) {
      // The AWS tools' last section of a name wins within a file; the credentials file wins over the config file.
      if (file === 'credentials' || known.files.credentials === undefined) known.key = key
      known.files[file] = accessKeyId
      known.mfaSerial ??= mfaSerial || undefined
      return
    }
    byName.set(name, {name, key, files: {[file]: accessKeyId}, ...(mfaSerial ? {mfaSerial} : {})})
  }
  for (const s of credentials?.sections ?? []) add(s, 'credentials')
  for (const s of config.sections) add(s, 'config')
  return [...byName.values()]
}

/**
 * Which key profiles can be converted before asking STS: not an IAM user with MFA (its commands rely on an MFA
 * session keyless does not make), not temporary credentials (they expire by themselves), not two different keys
 * under one name, not a name whose config section gets credentials another way or that keyless cannot write.
 */
export function screenKeyProfiles(
  profiles: readonly KeyProfile[],
  config: ConfigDocument,
): {toIdentify: KeyProfile[]; refused: KeyRefusal[]} {
  const toIdentify: KeyProfile[] = []
  const refused: KeyRefusal[] = []
  const sections = new Map<string, ConfigSection>()
  for (const s of config.sections) {
    const name = sectionProfileName(s, 'config')
    if (name) sections.set(name, s)
  }
  for (const p of profiles) {
    const ids = new Set(Object.values(p.files))
    const keylessKeys = 'run: keyless audit --fix (it removes the key, and shows how to deactivate it)'
    if (p.key.sessionToken || p.key.accessKeyId.startsWith('ASIA')) {
      refused.push({name: p.name, reason: 'it holds temporary credentials in plaintext, not a long-term key', fix: keylessKeys})
    } else if (p.mfaSerial) {
      refused.push({
        name: p.name,
        reason: `it is an IAM user with MFA (${p.mfaSerial}): its long-term key is not converted`,
        fix: 'ask for an Identity Center role in its account, then run: keyless audit --fix',
      })
    } else if (ids.size > 1) {
      refused.push({
        name: p.name,
        reason: `it holds two different keys (${[...ids].map(maskAccessKeyId).join(', ')}) in the credentials and config files`,
        fix: keylessKeys,
      })
    } else if (!CONVERSION_NAME.test(p.name)) {
      refused.push({name: p.name, reason: 'its name has characters keyless does not write as a profile', fix: keylessKeys})
    } else {
      const section = sections.get(p.name)
      const blocker = section && sectionConversionBlocker(section, {keysRemovedFirst: true})
      if (blocker) {
        refused.push({
          name: p.name,
          reason: `its config profile also has ${blocker}, so it cannot become a keyless profile`,
          fix: keylessKeys,
        })
      } else {
        toIdentify.push(p)
      }
    }
  }
  return {toIdentify, refused}
}

/** After STS and the session listings: a conversion to offer, or why not. */
export function offerFor(
  profile: KeyProfile,
  identity: KeyIdentity | undefined,
  rolesByAccount: ReadonlyMap<string, RoleChoice[]>,
): KeyOffer | KeyRefusal {
  const masked = maskAccessKeyId(profile.key.accessKeyId)
  if (!identity || identity.status !== 'active' || !identity.account) {
    const status = identity?.status ?? 'unchecked'
    if (status === 'rejected') {
      return {
        name: profile.name,
        reason: `AWS rejects its key ${masked} (${identity?.reason ?? 'rejected'}: deleted, inactive or a wrong secret)`,
        fix: 'run: keyless audit --fix to remove it',
      }
    }
    return {
      name: profile.name,
      reason: `STS could not say whose key ${masked} is (${identity?.reason ?? status})`,
      fix: 'check the network, then run keyless import again',
    }
  }
  const roles = rolesByAccount.get(identity.account) ?? []
  if (roles.length === 0) {
    return {
      name: profile.name,
      reason: `${whose(identity)} (${masked}), and no role in account ${identity.account} is assigned to you in your keyless sessions`,
      fix: 'ask for an Identity Center role in that account (then keyless import again), or run: keyless audit --fix',
    }
  }
  return {profile, identity: identity as KeyOffer['identity'], roles}
}

/** `the root key of account 111111111111`, `IAM user deployer's key in account 222222222222`. */
export function whose(identity: KeyIdentity): string {
  if (identity.principalKind === 'root') return `it holds the ROOT key of account ${identity.account}`
  if (identity.userName) return `it holds IAM user ${identity.userName}'s long-term key in account ${identity.account}`
  return `it holds a long-term key of account ${identity.account}`
}

/** A role by `ROLE` or `ACCOUNT_NAME/ROLE` (what `--convert-keys NAME=ROLE` says) among the offered ones. */
export function pickRole(roles: readonly RoleChoice[], wanted: string | undefined): RoleChoice | undefined {
  if (wanted === undefined) return roles.length === 1 ? roles[0] : undefined
  return roles.find((r) => r.roleName === wanted || `${r.accountName}/${r.roleName}` === wanted)
}

/** The `--convert-keys` value for a key offer, for the line that lists it. */
export function convertFlag(offer: KeyOffer): string {
  return offer.roles.length === 1 ? `--convert-keys ${offer.profile.name}` : `--convert-keys ${offer.profile.name}=ROLE`
}
