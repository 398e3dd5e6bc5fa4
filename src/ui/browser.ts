import {isAbsolute} from 'node:path'
import {fileURLToPath} from 'node:url'

import {debug} from '../ui/debug.js'

/** How long to wait for the opener to fail before assuming a browser took the URL. */
const OPENER_GRACE_MS = 1500

/** Longer than any real sign-in URL (Identity Center's are under 300 characters): nothing bigger is opened. */
const MAX_URL_LENGTH = 2048

/** Why the browser will not be opened, or undefined when it may be. */
export function reasonNotToOpenBrowser(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  if (env.SSH_CONNECTION || env.SSH_TTY || env.SSH_CLIENT) return 'this is an SSH session'
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY && !env.BROWSER) return 'there is no display'
  return undefined
}

/**
 * What kind of URL a caller opens; each kind has its own rule (see checkUrlToOpen).
 * - `identity-center`: a page Identity Center serves for the session's region: the device flow's
 *   verificationUriComplete, or the PKCE login's authorize URL on the sso-oidc endpoint.
 * - `loopback`: a URL keyless itself serves on this machine (`http://127.0.0.1:PORT/...`), such as a
 *   one-time redirect page.
 * - `handoff-file`: the browser hand-off page keyless just wrote (browser-handoff.ts), as a `file://` URL: the
 *   only thing that reaches an opener's command line.
 * - `origin`: a page of one origin keyless chose itself (the console's federation endpoint).
 */
export type UrlKind =
  {kind: 'identity-center'; region: string} | {kind: 'loopback'} | {kind: 'handoff-file'; path: string} | {kind: 'origin'; origin: string}

/**
 * The domains Identity Center serves its pages from, per partition (by the region's prefix): the regional
 * endpoints (`device.sso.REGION.amazonaws.com`, `oidc.REGION.amazonaws.com`) and the access portals
 * (`*.awsapps.com`, `*.app.aws`).
 */
export function identityCenterDomains(region: string): string[] {
  if (region.startsWith('cn-')) return ['amazonaws.com.cn', 'amazonwebservices.com.cn', 'awsapps.cn']
  if (region.startsWith('us-gov-')) return ['amazonaws-us-gov.com', 'amazonaws.com', 'awsapps.com']
  if (region.startsWith('us-isob-')) return ['sc2s.sgov.gov']
  if (region.startsWith('us-isof-')) return ['csp.hci.ic.gov']
  if (region.startsWith('us-iso-')) return ['c2s.ic.gov']
  if (region.startsWith('eu-isoe-')) return ['cloud.adc-e.uk']
  return ['amazonaws.com', 'awsapps.com', 'app.aws']
}

/** The endpoints the user pointed the Identity Center clients at, the SDK's way (tests, a corporate proxy). */
const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_SSO_OIDC', 'AWS_ENDPOINT_URL_SSO', 'AWS_ENDPOINT_URL']

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]'])

/**
 * Decides whether a URL may go to a browser, and if so returns the URL keyless rebuilt itself: parsed and
 * re-serialised (`URL.href` percent-encodes double quotes, spaces and controls; `$`, backticks and single
 * quotes are encoded on top), so what reaches the opener is never the server's raw string. Never throws.
 *
 * - `identity-center`: https on a host under the region's Identity Center domains, or exactly the origin of a
 *   configured `AWS_ENDPOINT_URL_SSO_OIDC` / `AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL` (https, or http on
 *   loopback: the emulator).
 * - `loopback`: http on 127.0.0.1 or [::1] with an explicit port.
 * - `handoff-file`: a `file:` URL without host, query or fragment naming exactly the hand-off page (an absolute
 *   path ending in `.html`).
 * - `origin`: exactly that origin, https (or http on loopback: the emulator).
 * Never: other schemes (file:, javascript:, data:), user:password@ URLs, URLs longer than 2,048 characters.
 */
export function checkUrlToOpen(
  raw: string,
  policy: UrlKind,
  env: NodeJS.ProcessEnv = process.env,
): {ok: true; url: string} | {ok: false; reason: string} {
  if (raw.length > MAX_URL_LENGTH) return {ok: false, reason: 'the URL is too long'}
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return {ok: false, reason: 'the URL is not valid'}
  }
  if (url.username || url.password) return {ok: false, reason: 'the URL carries a user name or password'}
  if (policy.kind === 'handoff-file') {
    if (url.protocol !== 'file:' || url.host || url.search || url.hash) return {ok: false, reason: 'it is not the hand-off file'}
    let path: string
    try {
      path = fileURLToPath(url)
    } catch {
      return {ok: false, reason: 'it is not the hand-off file'}
    }
    if (path !== policy.path || !isAbsolute(path) || !path.endsWith('.html')) return {ok: false, reason: 'it is not the hand-off file'}
    return {ok: true, url: rebuilt(url)}
  }
  if (policy.kind === 'origin') {
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
    if (secure && url.origin === policy.origin) return {ok: true, url: rebuilt(url)}
    return {ok: false, reason: `it is not a page of ${policy.origin}`}
  }
  if (policy.kind === 'loopback') {
    if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && url.port) return {ok: true, url: rebuilt(url)}
    return {ok: false, reason: 'it is not a loopback URL served by keyless'}
  }
  if (isConfiguredEndpoint(url, env)) return {ok: true, url: rebuilt(url)}
  if (url.protocol !== 'https:') return {ok: false, reason: 'the login URL is not https'}
  const host = url.hostname.toLowerCase()
  const domains = identityCenterDomains(policy.region)
  if (domains.some((d) => host === d || host.endsWith('.' + d))) return {ok: true, url: rebuilt(url)}
  return {ok: false, reason: `the login URL's host is not an Identity Center domain of ${policy.region}`}
}

/**
 * URL.href, with the characters a URL allows but shells treat specially (`$`, backtick, single quote) also
 * percent-encoded: a second guard, whatever quoting an opener does. Identity Center's URLs never hold them.
 */
function rebuilt(url: URL): string {
  return url.href.replace(/[$`']/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

function isConfiguredEndpoint(url: URL, env: NodeJS.ProcessEnv): boolean {
  for (const name of ENDPOINT_VARIABLES) {
    const value = env[name]
    if (!value) continue
    let endpoint: URL
    try {
      endpoint = new URL(value)
    } catch {
      continue
    }
    if (endpoint.origin !== url.origin) continue
    if (url.protocol === 'https:') return true
    if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return true
  }
  return false
}

/** What happened: opened, not opened because the URL was refused (reason), or the opener failed. */
export interface OpenResult {
  opened: boolean
  refused?: string
}

/**
 * Opens the (already checked and rebuilt) URL with the `open` package and reports whether it worked. `open`
 * resolves as soon as it has spawned the opener (xdg-open, `open`, PowerShell's `Start`), which succeeds even
 * when no browser exists, so this waits a moment for the opener to exit with an error. `open` 11 hands the URL
 * to PowerShell single-quoted and Base64-encoded, never through a shell.
 */
export async function launchOpener(url: string): Promise<boolean> {
  try {
    const {default: open} = await import('open')
    const child = await open(url, {wait: false})
    const opened = await new Promise<boolean>((resolve) => {
      // Not unref'd: this wait must keep the process alive, or it would end before deciding.
      const timer = setTimeout(() => resolve(true), OPENER_GRACE_MS)
      if (child.exitCode !== null) {
        clearTimeout(timer)
        return resolve(child.exitCode === 0)
      }
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
