import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

export function writeFile(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  writeFileSync(path, text, {mode})
}

/** Every regular file under dir (recursively), with its bytes as latin1 text so binary files are scanned too. */
export function allFiles(dir: string): Array<{path: string; text: string}> {
  const out: Array<{path: string; text: string}> = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry)
      const st = statSync(p, {throwIfNoEntry: false})
      if (!st) continue
      if (st.isDirectory()) walk(p)
      else if (st.isFile()) out.push({path: p, text: readFileSync(p).toString('latin1')})
    }
  }
  walk(dir)
  return out
}

/** The secrets (from the emulator's /_emulator/issued) that appear in any of the texts, with where. */
export function findLeaks(secrets: string[], places: Array<{path: string; text: string}>): string[] {
  const leaks = []
  for (const secret of secrets)
    for (const place of places) if (place.text.includes(secret)) leaks.push(`${place.path} contains ${secret.slice(0, 4)}…`)
  return leaks
}

export function ssoSessionSection(name: string, startUrl: string, region = 'us-east-1'): string {
  return `[sso-session ${name}]\nsso_start_url = ${startUrl}\nsso_region = ${region}\nsso_registration_scopes = sso:account:access\n`
}
