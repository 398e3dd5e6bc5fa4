import {existsSync, readFileSync} from 'node:fs'

import {KeylessError} from '../errors.js'
import {reasonNotToOpenBrowser} from '../ui/browser.js'
import type {LoginFlow, SsoSession} from './types.js'

export const LOGIN_FLOWS: readonly LoginFlow[] = ['auth-code', 'device-code']

/** Which flow a browser sign-in uses, and why, in words for the one line keyless prints. */
export interface FlowChoice {
  flow: LoginFlow
  reason: string
  /** Whether to try to open a browser on this machine (false: print the URL only). */
  openBrowser: boolean
  /** Why no browser is opened, when it is not. */
  noBrowserReason?: string
}

/** Where keyless runs, as far as a loopback redirect is concerned. */
export type HostKind = 'host' | 'wsl' | 'container'

/**
 * WSL, or a container (`/.dockerenv`, `/run/.containerenv`): the browser of the machine around it cannot
 * reliably reach this one's 127.0.0.1. KEYLESS_HOST_KIND=host|wsl|container overrides the detection (tests).
 */
export function detectHostKind(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  fileExists: (path: string) => boolean = existsSync,
  readText: (path: string) => string | undefined = (path) => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return undefined
    }
  },
): HostKind {
  const forced = env.KEYLESS_HOST_KIND
  if (forced === 'host' || forced === 'wsl' || forced === 'container') return forced
  if (platform !== 'linux') return 'host'
  if (env.WSL_DISTRO_NAME || env.WSL_INTEROP || /microsoft/i.test(readText('/proc/sys/kernel/osrelease') ?? '')) return 'wsl'
  if (fileExists('/.dockerenv') || fileExists('/run/.containerenv')) return 'container'
  return 'host'
}

/** `keyless_login_flow` of the session, checked: undefined when absent, an error naming the fix when unknown. */
export function configuredFlow(session: SsoSession): LoginFlow | undefined {
  const value = session.loginFlow?.trim()
  if (!value) return undefined
  if ((LOGIN_FLOWS as readonly string[]).includes(value)) return value as LoginFlow
  throw new KeylessError(
    `keyless_login_flow = ${value.slice(0, 40)} in [sso-session ${session.name}] is neither auth-code nor device-code`,
    `run: keyless configure --session ${session.name} --login-flow auth-code (or device-code)`,
  )
}

/**
 * PRODUCT.md section 10, in order: `--device-code`; `--no-browser` (the device flow is the one that works from
 * another device); the session's `keyless_login_flow`; then the machine: no browser can open here (SSH, no
 * display), WSL or a container: the device flow; else authorization code with PKCE.
 */
export function chooseLoginFlow(
  input: {deviceCode: boolean; noBrowser: boolean; session: SsoSession},
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  hostKind: () => HostKind = () => detectHostKind(env, platform),
): FlowChoice {
  const configured = configuredFlow(input.session)
  const browserBlocked = reasonNotToOpenBrowser(env, platform)
  const device = (reason: string, noBrowserReason = input.noBrowser ? '--no-browser' : browserBlocked): FlowChoice => ({
    flow: 'device-code',
    reason,
    openBrowser: !noBrowserReason,
    noBrowserReason,
  })
  if (input.deviceCode) return device('--device-code was given')
  if (input.noBrowser) return device('--no-browser was given: approve from any device')
  const setting = `keyless_login_flow = ${configured} in [sso-session ${input.session.name}]`
  if (configured === 'device-code') return device(setting)
  if (configured === 'auth-code') return {flow: 'auth-code', reason: setting, openBrowser: !browserBlocked, noBrowserReason: browserBlocked}
  if (browserBlocked) return device(`${browserBlocked}: approve from any device`)
  const kind = hostKind()
  if (kind === 'wsl') return device("this is WSL, where the browser's redirect back to keyless is unreliable")
  if (kind === 'container') return device("this is a container, where the browser's redirect back to keyless is unreliable")
  return {flow: 'auth-code', reason: 'a browser opens on this machine', openBrowser: true}
}

/** The one line on stderr that says which flow runs and why. */
export function flowLine(choice: FlowChoice): string {
  const name = choice.flow === 'auth-code' ? 'authorization code with PKCE' : 'the device code flow'
  return `keyless: signing in with ${name} (${choice.reason})`
}
