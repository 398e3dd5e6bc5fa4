import {readConfigText} from '../aws-config/atomic-write.js'
import {configFilePath} from '../aws-config/paths.js'
import {EXIT, KeylessError, printable} from '../errors.js'
import {roleProfiles} from '../role/profiles.js'

/** The account of a profile keyless can use (its own, or an AWS CLI SSO profile of a configured session). */
export async function profileAccount(profile: string, env: NodeJS.ProcessEnv): Promise<string> {
  const text = await readConfigText(configFilePath(env)).catch(() => '')
  const found = roleProfiles(text).usable.find((p) => p.name === profile)
  if (!found) {
    throw new KeylessError(
      `${printable(profile)} is not a keyless profile`,
      'run: keyless profiles sync, then pass one of its profiles to --profile',
      EXIT.usage,
    )
  }
  return found.accountId
}
