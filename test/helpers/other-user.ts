/**
 * A throwaway non-root user for tests of what root cannot see (root writes read-only files and reads any file).
 * Created with useradd for one test file and deleted after it; only possible as root (tests skip otherwise).
 */
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chownSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {KEYLESS_BIN, runProcess, type RunResult} from './cli.js'

export const IS_ROOT = process.getuid?.() === 0

export interface OtherUser {
  name: string
  uid: number
  gid: number
  /** A home directory of the user's own (0700). */
  home: string
  /** Runs the built keyless as this user (setpriv: no shell, no PAM), HOME and AWS files in their home. */
  keyless(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>
  remove(): void
}

export function createOtherUser(): OtherUser {
  const name = `kl${randomBytes(4).toString('hex')}`
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], {stdio: 'ignore'})
  const uid = Number(execFileSync('id', ['-u', name], {encoding: 'utf8'}).trim())
  const gid = Number(execFileSync('id', ['-g', name], {encoding: 'utf8'}).trim())
  const home = mkdtempSync(join(tmpdir(), `keyless-${name}-`))
  chownSync(home, uid, gid)
  return {
    name,
    uid,
    gid,
    home,
    keyless: (args, env = {}) =>
      runProcess('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath, KEYLESS_BIN, ...args], {
        env: {
          PATH: process.env.PATH,
          HOME: home,
          AWS_CONFIG_FILE: join(home, '.aws', 'config'),
          AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
          XDG_CACHE_HOME: join(home, '.cache'),
          OCLIF_DISABLE_ENGINE_WARNING: '1',
          ...env,
        },
      }),
    remove: () => {
      rmSync(home, {recursive: true, force: true})
      execFileSync('userdel', [name], {stdio: 'ignore'})
    },
  }
}
