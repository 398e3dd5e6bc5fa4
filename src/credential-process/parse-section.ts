import {findSsoSessionSection} from '../aws-config/ini.js'
import {ssoSessionOf, type SsoSession} from '../aws-config/session-section.js'

/**
 * The session the config parser reads from a section's text (or the whole file's, see readSsoSessionSectionText),
 * undefined when it has none or cannot read it. credential-process's cache hit asks this only for a section that
 * plainSsoSession declines: in the hot bundle this module is a second file, loaded on that first call
 * (scripts/bundle-hot-path.mjs), so that most AWS calls never load the parser. Only plain data leaves it, never an
 * error (a class of this file would be another class than the hot bundle's copy of it).
 */
export function parseSsoSession(text: string, name: string): SsoSession | undefined {
  try {
    const section = findSsoSessionSection(text, name)
    return section && ssoSessionOf(section)
  } catch {
    return undefined
  }
}
