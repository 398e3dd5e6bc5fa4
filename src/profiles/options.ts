import {isAbsolute, win32} from 'node:path'

import {DEFAULT_PROFILE_TEMPLATE} from '../aws-config/profiles.js'
import {type CommandLookup, findCommand} from '../platform/command-path.js'
import type {SsoSession} from '../sso/types.js'

/**
 * The options of `profiles sync` that shape the profiles, remembered per session as `keyless_*` keys of its
 * `[sso-session]` section so that a later plain `profiles sync` writes the same profiles. A flag given again
 * replaces the remembered value; an option never given is not written (the absolute path of keyless, the
 * default template and the session's region stay live defaults).
 */
export const REMEMBERED_KEYS = {
  template: 'keyless_template',
  command: 'keyless_command',
  autoLogin: 'keyless_auto_login',
  region: 'keyless_profile_region',
} as const

export interface SyncFlags {
  template?: string
  command?: string
  autoLogin?: boolean
  region?: string
}

export interface SyncOptionsInForce {
  template: string
  /** Undefined: the absolute path of the running keyless. */
  command?: string
  autoLogin: boolean
  /** Undefined: the session's region. */
  region?: string
  /** The `keyless_*` keys to store after a sync (the options given now or remembered before). */
  remember: Record<string, string | undefined>
  /** Options that came from the `[sso-session]` section rather than from flags. */
  fromSection: Array<keyof SyncFlags>
}

export function syncOptionsInForce(flags: SyncFlags, session: SsoSession): SyncOptionsInForce {
  const stored = session.keyless ?? {}
  const fromSection: Array<keyof SyncFlags> = []
  const pick = <K extends keyof SyncFlags>(name: K, parse: (value: string) => SyncFlags[K]): SyncFlags[K] => {
    if (flags[name] !== undefined) return flags[name]
    const value = stored[REMEMBERED_KEYS[name]]
    if (value === undefined || value === '') return undefined
    fromSection.push(name)
    return parse(value)
  }
  const template = pick('template', (v) => v)
  const command = pick('command', (v) => v)
  const autoLogin = pick('autoLogin', (v) => v === 'true')
  const region = pick('region', (v) => v)
  return {
    template: template ?? DEFAULT_PROFILE_TEMPLATE,
    command,
    autoLogin: autoLogin ?? false,
    region,
    remember: {
      [REMEMBERED_KEYS.template]: template,
      [REMEMBERED_KEYS.command]: command,
      [REMEMBERED_KEYS.autoLogin]: autoLogin === undefined ? undefined : String(autoLogin),
      [REMEMBERED_KEYS.region]: region,
    },
    fromSection,
  }
}

/** The options as flags (`--template '...' --command keyless --auto-login`), for messages; only what differs from the defaults. */
export function optionFlags(options: Pick<SyncOptionsInForce, 'template' | 'command' | 'autoLogin' | 'region'>): string[] {
  return [
    ...(options.template !== DEFAULT_PROFILE_TEMPLATE ? [`--template '${options.template}'`] : []),
    ...(options.command !== undefined ? [`--command ${options.command}`] : []),
    ...(options.autoLogin ? ['--auto-login'] : []),
    ...(options.region !== undefined ? [`--region ${options.region}`] : []),
  ]
}

/**
 * A `keyless profiles sync` command line that works as printed: `--session` when the file has more than one
 * session, and the options in force unless they are remembered in the file (then a plain sync reuses them).
 */
export function syncCommandLine(input: {
  session: string
  sessionCount: number
  options: SyncOptionsInForce
  /** The options in force are (now) stored in the session's section. */
  remembered: boolean
  extra?: string[]
}): string {
  return [
    'keyless profiles sync',
    ...(input.sessionCount > 1 ? [`--session ${input.session}`] : []),
    ...(input.remembered ? [] : optionFlags(input.options)),
    ...(input.extra ?? []),
  ].join(' ')
}

/** What CreateProcess starts (the AWS CLI's way): programs and, through cmd.exe, batch files. */
const PROGRAM_EXTENSIONS = ['.exe', '.com', '.cmd', '.bat']

/**
 * Why the AWS tools could not run `command` (as written into credential_process), or undefined when they can:
 * a path must be an executable file; a bare name must be one on PATH (the AWS tools search the same PATH).
 * Windows has no execute bit: there a file runs by its extension (PATHEXT), and the AWS CLI, which starts the
 * line without a shell (CreateProcess), adds `.exe` and nothing else to a name written without its extension.
 */
export async function notRunnable(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
  lookup: Omit<CommandLookup, 'env'> = {},
): Promise<string | undefined> {
  const platform = lookup.platform ?? process.platform
  const found = await findCommand(command, {...lookup, env, platform})
  const hasDir = platform === 'win32' ? /[\\/]/.test(command) || win32.isAbsolute(command) : command.includes('/') || isAbsolute(command)
  if (!found) return hasDir ? 'is not an executable file' : 'is not on PATH'
  if (platform === 'win32') {
    const ext = win32.extname(found).toLowerCase()
    if (!PROGRAM_EXTENSIONS.includes(ext)) {
      return `is ${win32.basename(found)}, which Windows opens with the program associated with ${ext || 'it'} instead of running it; pass --command with the path of an .exe or .cmd`
    }
    if (win32.extname(command).toLowerCase() !== ext && ext !== '.exe') {
      return `is ${win32.basename(found)} (${found}), which the AWS CLI cannot start without its extension; pass --command ${found}`
    }
  }
  return undefined
}
