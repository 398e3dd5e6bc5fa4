import {printable} from '../errors.js'
import {formatTimeLeft} from './classify.js'
import type {Identity} from './identity.js'
import type {Warning} from './warnings.js'

/** The human form of an identity, for stdout: one `label  value` line per fact. */
export function renderIdentity(identity: Identity, now: Date): string {
  const principal = [identity.principalKind, identity.principalName && `(${describePrincipal(identity)})`].filter(Boolean).join(' ')
  const rows: Array<[string, string]> = [
    ['account', identity.account],
    ['arn', identity.arn],
    ['user id', identity.userId],
    ['principal', principal],
    ['access key', `${identity.accessKeyId} (${identity.keyKind})`],
    ['source', identity.sourceDetail],
  ]
  if (identity.keyKind === 'temporary') {
    const expires = identity.expiresAt
      ? `${formatTimeLeft(new Date(identity.expiresAt), now)} left (${identity.expiresAt})`
      : 'unknown (the source gave no expiry)'
    rows.push(['expires', expires])
  }
  const width = Math.max(...rows.map(([label]) => label.length)) + 2
  return rows.map(([label, value]) => label.padEnd(width) + printable(value)).join('\n') + '\n'
}

function describePrincipal(identity: Identity): string {
  if (identity.principalKind === 'sso-role') return `permission set ${identity.principalName} as ${identity.sessionName ?? '?'}`
  if (identity.principalKind === 'assumed-role') return `role ${identity.principalName} as ${identity.sessionName ?? '?'}`
  return String(identity.principalName)
}

const RED = '\u001B[31m'
const BOLD_RED_INVERSE = '\u001B[1;7;31m'
const RESET = '\u001B[0m'

/** One stderr line per warning; the root warning is the loudest (bold, inverse red on a terminal). */
export function renderWarning(warning: Warning, colour: boolean): string {
  const label = warning.code === 'root' ? 'DANGER' : 'warning'
  const line = `keyless: ${label}: ${printable(warning.message)}`
  if (!colour) return line
  return (warning.code === 'root' ? BOLD_RED_INVERSE : RED) + line + RESET
}

/** Colour only for people: both streams on a terminal, no NO_COLOR (https://no-color.org), not TERM=dumb. */
export function colourWanted(env: NodeJS.ProcessEnv, stdoutTTY: boolean, stderrTTY: boolean): boolean {
  return stdoutTTY && stderrTTY && !('NO_COLOR' in env) && env.TERM !== 'dumb'
}
