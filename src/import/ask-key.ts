import type {RoleChoice} from '../audit/fix.js'
import {maskAccessKeyId} from '../identity/classify.js'
import {select} from '../ui/prompt.js'
import {type KeyOffer, whose} from './static-keys.js'

/**
 * The question `keyless import` asks on a terminal for one profile with a long-term key, in audit --fix's style: a
 * role of the key's account (the key is then removed), or keep it. A root key says so first, loudly: converting is
 * the cure, but the key still works at AWS until the user deletes it there.
 */
export async function askKeyConversion(offer: KeyOffer): Promise<RoleChoice | undefined> {
  const {profile, identity} = offer
  const root = identity.principalKind === 'root'
  const title = root
    ? `CRITICAL: profile [${profile.name}] ${whose(identity).replace(/^it /, '')} (${maskAccessKeyId(profile.key.accessKeyId)}). Anyone who copies it owns the account. Convert it, then delete the root key at AWS.`
    : `HIGH: profile [${profile.name}] ${whose(identity).replace(/^it /, '')} (${maskAccessKeyId(profile.key.accessKeyId)}).`
  const files = Object.keys(profile.files).join(' and ')
  const answer = await select({
    message: `${title}\n  in the ${files} file`,
    choices: [
      ...offer.roles.map((role, n) => ({
        name: `Turn [${profile.name}] into a keyless profile for ${role.accountName}/${role.roleName} (the key is removed)`,
        value: String(n),
      })),
      {name: 'Keep the key', value: 'keep'},
    ],
  })
  return answer === 'keep' ? undefined : offer.roles[Number(answer)]
}
