import {debug} from '../ui/debug.js'

/** How long to wait for the opener to fail before assuming a browser took the URL. */
const OPENER_GRACE_MS = 1500

/** Why the browser will not be opened, or undefined when it may be. */
export function reasonNotToOpenBrowser(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  if (env.SSH_CONNECTION || env.SSH_TTY || env.SSH_CLIENT) return 'this is an SSH session'
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY && !env.BROWSER) return 'there is no display'
  return undefined
}

/**
 * Only URLs a real Identity Center would send are opened: https, or plain http on loopback (the emulator).
 * Anything else from the server (file:, javascript:, a LAN host) is shown but never handed to a browser.
 */
export function isSafeToOpen(url: string): boolean {
  try {
    const u = new URL(url)
    if (u.protocol === 'https:') return true
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
  } catch {
    return false
  }
}

/**
 * Opens the URL with the `open` package and reports whether it worked. `open` resolves as soon as it has
 * spawned the opener (xdg-open, `open`, `start`), which succeeds even when no browser exists, so this waits
 * a moment for the opener to exit with an error.
 */
export async function openBrowser(url: string): Promise<boolean> {
  if (!isSafeToOpen(url)) return false
  try {
    const {default: open} = await import('open')
    const child = await open(url, {wait: false})
    const opened = await new Promise<boolean>((resolve) => {
      // Not unref'd: this wait must keep the process alive, or it would end before deciding.
      const timer = setTimeout(() => resolve(true), OPENER_GRACE_MS)
      child.once('error', () => {
        clearTimeout(timer)
        resolve(false)
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code === 0)
      })
    })
    // A browser that stays open must not keep keyless running once login is done.
    child.unref()
    return opened
  } catch (error) {
    debug('login', `could not open a browser: ${(error as Error).message}`)
    return false
  }
}
