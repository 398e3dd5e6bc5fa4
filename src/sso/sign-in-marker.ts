import {lstatSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cacheDir, ensureCacheDir} from '../aws-config/paths.js'

/**
 * The id of a session's current sign-in, kept outside the secret store in the cache dir
 * (`sign-in/<service>.<session>`, 0600; a random id keyless made up at login: no secret, sent nowhere).
 *
 * Why a file: a cache hit of credential-process must know the current sign-in (cached role credentials are
 * served only to the sign-in that fetched them, issue 17), and asking the keychain for it is a second D-Bus
 * round trip (about 9 ms of a 12 ms own cost, issue 15) or a second keyctl child. A file read is 0.1 ms.
 *
 * The one rule that keeps it safe: the marker never names another sign-in than the stored token's. A token of a
 * new sign-in drops the marker before it is written and writes it after, so a write that stops half-way leaves no
 * marker, and a reader without one asks the token itself. (A marker whose token was dropped since is harmless:
 * with no token, no other sign-in is there to tell apart.)
 */
export class SignInMarker {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly service: string,
  ) {}

  /** The marked sign-in, or undefined: none, unreadable, or a cache dir another user could have written to. */
  read(session: string): string | undefined {
    return readSignInMarker(this.env, this.service, session)
  }

  /** Atomically (temp file, rename): a reader sees the old id or the new one, never a torn one. */
  write(session: string, signIn: string): void {
    const dir = ensureCacheDir(this.env, 'sign-in')
    const path = markerPath(dir, this.service, session)
    const temp = `${path}.${process.pid}.tmp`
    writeFileSync(temp, `${signIn}\n`, {mode: 0o600})
    renameSync(temp, path)
  }

  clear(session: string): void {
    rmSync(markerPath(join(cacheDir(this.env), 'sign-in'), this.service, session), {force: true})
  }
}

/**
 * SignInMarker#read, on its own: the cache hit's bundle (hit.cjs) takes this function without the class, whose writes
 * bring the cache dir's creation and repairs, code that every AWS call would otherwise compile for nothing.
 */
export function readSignInMarker(env: NodeJS.ProcessEnv, service: string, session: string): string | undefined {
  try {
    const dir = join(cacheDir(env), 'sign-in')
    if (!trusted(cacheDir(env)) || !trusted(dir)) return undefined
    return readFileSync(markerPath(dir, service, session), 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

function markerPath(dir: string, service: string, session: string): string {
  return join(dir, `${fileSafe(service)}.${fileSafe(session)}`)
}

/** Percent-encoded, dots too: no name can leave the directory, and the one dot between the two parts is unambiguous. */
function fileSafe(name: string): string {
  return encodeURIComponent(name).replaceAll('.', '%2E')
}

/**
 * ensureCacheDir's owner and mode rule without its repairs (a cache hit writes nothing): a directory of this user
 * that nobody else can write to.
 */
function trusted(dir: string): boolean {
  const st = lstatSync(dir)
  const uid = process.getuid?.()
  return st.isDirectory() && (uid === undefined || st.uid === uid) && (process.platform === 'win32' || (st.mode & 0o022) === 0)
}
