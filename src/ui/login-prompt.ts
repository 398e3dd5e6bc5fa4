import {printable} from '../errors.js'
import type {DevicePrompt} from '../sso/device-flow.js'
import {checkUrlToOpen, openVerificationUrl, reasonNotToOpenBrowser} from './browser.js'
import {bold} from './terminal.js'

export interface PresentOptions {
  noBrowser: boolean
  /** The session's region: the verification URL must be on one of its Identity Center domains to be opened. */
  region: string
  /** Writes to the user (stderr). */
  write?: (text: string) => void
}

/**
 * Shows the device-authorization step on stderr: the code and URL always; the browser opened unless told not
 * to or impossible; a QR code of the URL with --no-browser, for approving from a phone.
 */
export async function presentDevicePrompt(prompt: DevicePrompt, options: PresentOptions): Promise<{browserOpened: boolean}> {
  const write = options.write ?? ((t: string) => process.stderr.write(t))
  const url = printable(prompt.verificationUriComplete)
  const minutes = Math.max(1, Math.round((prompt.expiresAt - Date.now()) / 60_000))
  write(`\nTo sign in, approve this code in your browser: ${bold(printable(prompt.userCode))}\n`)
  write(`  ${url}\n`)
  write(`  (the code expires in ${minutes} min)\n`)
  const checked = checkUrlToOpen(prompt.verificationUriComplete, {kind: 'identity-center', region: options.region})
  if (!checked.ok) {
    // Neither a browser tab nor a QR code for a URL that fails the check; the user can still judge it above.
    write(options.noBrowser ? `  (no QR code: ${checked.reason})\n` : `keyless: not opening the browser: ${checked.reason}\n`)
    return {browserOpened: false}
  }
  let browserOpened = false
  const reason = options.noBrowser ? undefined : reasonNotToOpenBrowser()
  if (!options.noBrowser && !reason) {
    browserOpened = (await openVerificationUrl(prompt.verificationUriComplete, options.region)).opened
    write(browserOpened ? 'Opened your browser.\n' : 'Could not open a browser: open the URL above yourself.\n')
  } else if (reason) {
    write(`Not opening a browser (${reason}): open the URL above on any device.\n`)
  }
  if (options.noBrowser) {
    const qr = await qrCode(checked.url)
    write(`Or scan this with your phone:\n${qr}\n`)
  }
  return {browserOpened}
}

async function qrCode(text: string): Promise<string> {
  const {default: qrcode} = await import('qrcode-terminal')
  return new Promise((resolve) => qrcode.generate(text, {small: true}, (code: string) => resolve(code)))
}
