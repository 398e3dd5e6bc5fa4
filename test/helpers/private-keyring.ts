/**
 * A Secret Service of one test's own: a private D-Bus session bus and a real gnome-keyring-daemon on it, its files
 * in a temp dir (as scripts/with-keychain.sh starts one, but not shared): a test may lock it, stop it (SIGSTOP) or
 * restart it without touching the keyring every other test uses.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ROOT, runProcess} from './cli.js'
import {quietBusConfig} from './quiet-bus.js'

export interface PrivateKeyring {
  /** DBUS_SESSION_BUS_ADDRESS of the private bus. */
  address: string
  /** The gnome-keyring-daemon's pid (for SIGSTOP/SIGCONT), or undefined while none runs. */
  daemonPid(): number | undefined
  /** Starts the daemon: with `password`, unlocked (the login keyring made with it when new); without, locked. */
  start(password?: string): Promise<void>
  /** Stops the daemon (SIGTERM) and waits until its name has left the bus. */
  stop(): Promise<void>
  /** The default collection's Locked property as the daemon reports it over D-Bus. */
  locked(): boolean | undefined
  /** Stops everything and removes the files. */
  close(): void
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function privateKeyring(): PrivateKeyring {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-keyring-'))
  const data = join(dir, 'data')
  const run = join(dir, 'run')
  mkdirSync(data, {mode: 0o700})
  mkdirSync(run, {mode: 0o700})
  const own = {XDG_DATA_HOME: data, XDG_RUNTIME_DIR: run}
  // --fork: dbus-daemon prints its address and pid, then runs in the background until killed (close()). It starts
  // no daemon on demand (quietBusConfig: a test of an absent keyring calls one), and has this keyring's directories.
  const [address, busPid] = execFileSync(
    'dbus-daemon',
    [`--config-file=${quietBusConfig(dir)}`, '--fork', '--nopidfile', '--print-address=1', '--print-pid=1'],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: {...process.env, ...own}},
  )
    .trim()
    .split('\n')
  const env = {...process.env, DBUS_SESSION_BUS_ADDRESS: address!, ...own}
  const dbus = (...args: string[]) =>
    spawnSync('dbus-send', ['--session', '--print-reply', ...args], {env, encoding: 'utf8', timeout: 5000}).stdout ?? ''
  const ownerPid = (): number | undefined => {
    const out = dbus(
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.GetConnectionUnixProcessID',
      'string:org.freedesktop.secrets',
    )
    const pid = /uint32 (\d+)/.exec(out)?.[1]
    return pid ? Number(pid) : undefined
  }
  let pid: number | undefined
  return {
    address: address!,
    daemonPid: () => pid,
    async start(password) {
      // gnome-keyring-daemon forks its daemon and returns; --unlock reads the password on stdin.
      const args = password === undefined ? ['--daemonize', '--components=secrets'] : ['--unlock', '--components=secrets']
      const started = await runProcess('gnome-keyring-daemon', args, {env, input: password ?? '', timeoutMs: 20_000})
      if (started.code !== 0) throw new Error(`gnome-keyring-daemon ${args.join(' ')}: ${started.code} ${started.stderr}`)
      // It claims org.freedesktop.secrets a moment after it returns.
      for (let i = 0; i < 100 && (pid = ownerPid()) === undefined; i++) await sleep(100)
      if (pid === undefined) throw new Error('gnome-keyring-daemon did not claim org.freedesktop.secrets')
    },
    async stop() {
      if (pid === undefined) return
      try {
        process.kill(pid, 'SIGCONT')
        process.kill(pid, 'SIGTERM')
      } catch {
        // Gone already.
      }
      for (let i = 0; i < 100 && ownerPid() !== undefined; i++) await sleep(100)
      pid = undefined
    },
    locked() {
      const out = dbus(
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets/aliases/default',
        'org.freedesktop.DBus.Properties.Get',
        'string:org.freedesktop.Secret.Collection',
        'string:Locked',
      )
      return /boolean true/.test(out) ? true : /boolean false/.test(out) ? false : undefined
    },
    close() {
      for (const p of [pid, Number(busPid)]) {
        try {
          if (p) process.kill(p, 'SIGCONT')
          if (p) process.kill(p, 'SIGKILL')
        } catch {
          // Gone already.
        }
      }
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/**
 * Runs keyless's own store code (the built dist/) in a child on the private bus: the test process's keytar is bound
 * to the bus it first used (libsecret keeps one connection per process). `script` gets `store` (the session store of
 * env) and `input` (JSON from stdin, so nothing is in argv).
 */
export async function withStoreOn(env: NodeJS.ProcessEnv, script: string, input: unknown): Promise<void> {
  const code = `import {openSessionStore} from ${JSON.stringify(join(ROOT, 'dist', 'sso', 'session-store.js'))}
let text = ''
for await (const chunk of process.stdin) text += chunk
const input = JSON.parse(text)
const store = openSessionStore('keychain', process.env)
${script}
process.exit(0)`
  const result = await runProcess(process.execPath, ['--input-type=module', '-e', code], {
    env,
    input: JSON.stringify(input),
    timeoutMs: 30_000,
  })
  if (result.code !== 0) throw new Error(`store script failed: ${result.stderr}`)
}
