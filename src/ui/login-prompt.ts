import {printable} from '../errors.js'
import type {AuthorizationPrompt} from '../sso/auth-code-flow.js'
import type {DevicePrompt} from '../sso/device-flow.js'
import {type FlowChoice, flowLine} from '../sso/login-flow.js'
import {checkUrlToOpen} from './browser.js'
import {openThroughHandOff} from './browser-handoff.js'
import {bold} from './terminal.js'

export interface PresentOptions {
  /** The flow choice: whether a browser may be opened, and why not. */
  choice: FlowChoice
  /** The session's region: the URL must be on one of its Identity Center domains to be opened. */
  region: string
  /** Writes to the user (stderr). */
  write?: (text: string) => void
}

/**
 * Shows the device-authorization step on stderr: the flow line, the code and URL always; the browser opened
 * unless told not to or impossible; a QR code of the URL with --no-browser, for approving from a phone.
 */
export async function presentDevicePrompt(prompt: DevicePrompt, options: PresentOptions): Promise<{browserOpened: boolean}> {
  const write = options.write ?? ((t: string) => process.stderr.write(t))
  const {choice} = options
  const noBrowser = choice.noBrowserReason === '--no-browser'
  const url = printable(prompt.verificationUriComplete)
  const minutes = Math.max(1, Math.round((prompt.expiresAt - Date.now()) / 60_000))
  write(`${flowLine(choice)}\n`)
  write(`\nTo sign in, approve this code in your browser: ${bold(printable(prompt.userCode))}\n`)
  write(`  ${url}\n`)
  write(`  (the code expires in ${minutes} min)\n`)
  const checked = checkUrlToOpen(prompt.verificationUriComplete, {kind: 'identity-center', region: options.region})
  if (!checked.ok) {
    // Neither a browser tab nor a QR code for a URL that fails the check; the user can still judge it above.
    write(noBrowser ? `  (no QR code: ${checked.reason})\n` : `keyless: not opening the browser: ${checked.reason}\n`)
    return {browserOpened: false}
  }
  let browserOpened = false
  if (choice.openBrowser) {
    // Through the hand-off: with the code in the URL, another local user could approve it as themselves.
    const policy = {kind: 'identity-center', region: options.region} as const
    browserOpened = (await openThroughHandOff(prompt.verificationUriComplete, policy, {keepAlive: false})).opened
    write(browserOpened ? 'Opened your browser.\n' : 'Could not open a browser: open the URL above yourself.\n')
  } else if (!noBrowser) {
    write(`Not opening a browser (${choice.noBrowserReason}): open the URL above on any device.\n`)
  }
  if (noBrowser) {
    const qr = await qrCode(checked.url)
    write(`Or scan this with your phone:\n${qr}\n`)
  }
  return {browserOpened}
}

/**
 * Shows the authorization-code step on stderr: the flow line and the authorize URL (for when the browser does not
 * come up), then opens it. When no browser opens, keyless keeps waiting: the URL works in any browser on this
 * machine, and --device-code is the way to sign in from another device.
 */
export async function presentAuthorizationPrompt(
  prompt: AuthorizationPrompt,
  options: PresentOptions & {session: string},
): Promise<{browserOpened: boolean}> {
  const write = options.write ?? ((t: string) => process.stderr.write(t))
  const {choice} = options
  const minutes = Math.max(1, Math.round((prompt.expiresAt - Date.now()) / 60_000))
  write(`${flowLine(choice)}\n`)
  write(`\nTo sign in, continue in your browser; if it does not open, open this URL in a browser on this machine:\n`)
  write(`  ${printable(prompt.url)}\n`)
  write(`  (keyless waits ${minutes} min for the browser to come back)\n`)
  let browserOpened = false
  let why = choice.noBrowserReason ? `Not opening a browser (${choice.noBrowserReason})` : 'Could not open a browser'
  if (choice.openBrowser) {
    // Through the hand-off: the state and code challenge must reach no command line (login CSRF by another user).
    const opened = await openThroughHandOff(prompt.url, {kind: 'identity-center', region: options.region}, {keepAlive: false})
    browserOpened = opened.opened
    if (opened.refused) why = `Not opening the browser (${opened.refused})`
    if (browserOpened) write('Opened your browser.\n')
  }
  if (!browserOpened) {
    write(
      `${why}: open the URL above in a browser on this machine, or sign in from another device with: keyless login --session ${options.session} --device-code\n`,
    )
  }
  return {browserOpened}
}

async function qrCode(text: string): Promise<string> {
  const {default: qrcode} = await import('qrcode-terminal')
  return new Promise((resolve) => qrcode.generate(text, {small: true}, (code: string) => resolve(code)))
}
