/**
 * A throwaway non-root user for tests of what root cannot see (root writes read-only files and reads any file).
 * Created with useradd for one test file and deleted after it; only possible as root (tests skip otherwise).
 *
 * The user runs a staged copy of the built CLI (see staged-cli.ts), not the checkout's own bin/run.js: the
 * checkout may sit under a directory the user cannot enter (a clone in /root or in a 0700 `mktemp -d`).
 */
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chownSync, mkdtempSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {runProcess, type RunOptions, type RunResult} from './cli.js'
import {sharedTmpdir, stageCli} from './staged-cli.js'

export const IS_ROOT = process.getuid?.() === 0

export interface OtherUser {
  name: string
  uid: number
  gid: number
  /** A home directory of the user's own (0700). */
  home: string
  /** Runs the built keyless as this user (setpriv: no shell, no PAM), HOME and AWS files in their home. */
  keyless(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>
  /** Runs any program as this user, with the same environment as keyless() plus `env`; cwd is the user's home. */
  run(command: string, args: string[], env?: NodeJS.ProcessEnv, options?: Partial<RunOptions>): Promise<RunResult>
  /** A Node.js binary this user can execute (for run()). */
  node: string
  /**
   * Copies a file (a script for run(node, [...])) to where this user can read it, next to the staged CLI so that
   * its imports resolve the CLI's production packages; returns the path.
   */
  stage(source: string, name?: string): string
  remove(): void
}

export function createOtherUser(): OtherUser {
  const cli = stageCli()
  const name = `kl${randomBytes(4).toString('hex')}`
  try {
    execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], {stdio: 'ignore'})
  } catch (error) {
    cli.remove()
    throw error
  }
  const uid = Number(execFileSync('id', ['-u', name], {encoding: 'utf8'}).trim())
  const gid = Number(execFileSync('id', ['-g', name], {encoding: 'utf8'}).trim())
  const home = mkdtempSync(join(sharedTmpdir(), `keyless-${name}-`))
  chownSync(home, uid, gid)
  const run: OtherUser['run'] = (command, args, env = {}, options = {}) =>
    runProcess('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', command, ...args], {
      cwd: home,
      ...options,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        AWS_CONFIG_FILE: join(home, '.aws', 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
        XDG_CACHE_HOME: join(home, '.cache'),
        OCLIF_DISABLE_ENGINE_WARNING: '1',
        ...env,
      },
    })
  return {
    name,
    uid,
    gid,
    home,
    node: cli.node,
    keyless: (args, env = {}) => run(cli.node, [cli.bin, ...args], env),
    run,
    stage: cli.stage,
    remove: () => {
      rmSync(home, {recursive: true, force: true})
      execFileSync('userdel', [name], {stdio: 'ignore'})
      cli.remove()
    },
  }
}
