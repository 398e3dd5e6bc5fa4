import {closeSync, openSync, writeSync} from 'node:fs'

import {reasonNotToOpenBrowser} from './browser.js'

/**
 * Can a login prompt started by `credential-process --auto-login` reach a person? The AWS CLI (and most SDKs)
 * hold a credential_process's stderr until it exits, so a device code printed there is seen by nobody while
 * keyless waits for it to be approved. The prompt reaches someone through the controlling terminal (`/dev/tty`,
 * the terminal the AWS command was typed in, whatever its stdio) or a browser opened on this machine. With
 * neither, a sign-in must not start at all.
 */
export interface PromptReach {
  /** Where the person is: their terminal, a browser on this machine (stderr is all there is to write to), or nobody. */
  kind: 'tty' | 'browser' | 'none'
  /** Writes the prompt where the person can read it. */
  write: (text: string) => void
  /** Why nobody can be reached (for the error line). */
  reason?: string
  close: () => void
}

export function loginPromptReach(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
  openTerminal: (path: string) => number = (path) => openSync(path, 'w'),
): PromptReach {
  const tty = openControllingTerminal(platform, openTerminal)
  if (tty !== undefined) {
    return {
      kind: 'tty',
      write: (text) => {
        try {
          writeSync(tty, text)
        } catch {
          // The terminal went away: the login still completes if someone approves it.
        }
      },
      close: () => closeSync(tty),
    }
  }
  const noBrowser = reasonNotToOpenBrowser(env, platform)
  const stderr = (text: string) => void process.stderr.write(text)
  if (!noBrowser) return {kind: 'browser', write: stderr, close: () => {}}
  return {kind: 'none', write: stderr, reason: `no terminal to show the sign-in code on, and ${noBrowser}`, close: () => {}}
}

/**
 * The process's controlling terminal, open for writing, or undefined without one (ENXIO, as under cron or a daemon).
 * Windows: the console the process is attached to (`CONOUT$`), which a credential_process started from a terminal
 * shares with it, whatever its stdio; none for a GUI app.
 */
function openControllingTerminal(platform: NodeJS.Platform, open: (path: string) => number): number | undefined {
  try {
    return open(platform === 'win32' ? '\\\\.\\CONOUT$' : '/dev/tty')
  } catch {
    return undefined
  }
}
