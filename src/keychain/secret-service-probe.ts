import {createRequire} from 'node:module'

/**
 * What the Secret Service says about itself when a keychain call has been slow (Linux only): its default
 * collection's `Locked` property, read over D-Bus with `dbus-send` (or `gdbus`). A property read needs no prompt,
 * no crypto and no secret, so a live keyring answers it even while it works through a queue of reads; a locked one
 * says so; a hung one (or a bus with nobody behind it) does not answer. Run only on that slow path: spawning a
 * program costs nothing next to the seconds already waited, and the hot path loads nothing for it.
 */
export type SecretServiceState = 'unlocked' | 'locked' | 'unknown'

export type SecretServiceProbe = (timeoutMs: number) => Promise<SecretServiceState>

const DEST = 'org.freedesktop.secrets'
const PATH = '/org/freedesktop/secrets/aliases/default'

/** The two D-Bus command-line clients, in order of preference, each with how it prints a boolean. */
const CLIENTS: Array<{command: string; args: (timeoutMs: number) => string[]; parse: (out: string) => SecretServiceState}> = [
  {
    command: 'dbus-send',
    args: (timeoutMs) => [
      '--session',
      '--print-reply',
      `--reply-timeout=${timeoutMs}`,
      `--dest=${DEST}`,
      PATH,
      'org.freedesktop.DBus.Properties.Get',
      'string:org.freedesktop.Secret.Collection',
      'string:Locked',
    ],
    parse: (out) => (/boolean true/.test(out) ? 'locked' : /boolean false/.test(out) ? 'unlocked' : 'unknown'),
  },
  {
    command: 'gdbus',
    args: (timeoutMs) => [
      'call',
      '--session',
      `--timeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`,
      '--dest',
      DEST,
      '--object-path',
      PATH,
      '--method',
      'org.freedesktop.DBus.Properties.Get',
      'org.freedesktop.Secret.Collection',
      'Locked',
    ],
    parse: (out) => (/<true>/.test(out) ? 'locked' : /<false>/.test(out) ? 'unlocked' : 'unknown'),
  },
]

/** The real probe: 'unknown' when neither client is installed, the call fails, or nobody answers in time. */
export const probeSecretService: SecretServiceProbe = async (timeoutMs) => {
  const {execFile} = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process')
  for (const client of CLIENTS) {
    const result = await new Promise<SecretServiceState | 'missing'>((resolve) => {
      execFile(
        client.command,
        client.args(timeoutMs),
        {timeout: timeoutMs + 1000, killSignal: 'SIGKILL', encoding: 'utf8'},
        (error, stdout) => {
          if (!error) return resolve(client.parse(stdout))
          resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unknown')
        },
      )
    })
    if (result !== 'missing') return result
  }
  return 'unknown'
}
