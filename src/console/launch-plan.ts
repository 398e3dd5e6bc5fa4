import {createHash} from 'node:crypto'

import {printable} from '../errors.js'
import type {Browser} from './browsers.js'

/**
 * How `keyless console` starts the chosen browser, decided without side effects (a decision table in the tests).
 * Whatever the browser and mode, the one thing on its command line is the browser hand-off page (a `file://` URL
 * only this user can read): the page, not the command line, leads on to the one-time loopback link, or for a
 * Firefox container to the `ext+container:` URL that wraps that link.
 */
export interface LaunchPlan {
  /** The program; undefined: the desktop's opener (`open`), as without --browser. */
  command?: string
  /** The arguments for a hand-off page (its `file://` URL or path): every one of them but the page is fixed. */
  args(page: string): string[]
  /** What the hand-off page navigates to, given the one-time loopback link. */
  pageLink(loopback: string): string
  /** The role has a browser profile or container of its own. */
  isolated: boolean
  /** The Chromium profile directory (isolated Chromium family only). */
  profileDir?: string
  /** The Firefox container's name and colour (isolated Firefox only). */
  container?: {name: string; color: string}
  /** A shared browser profile: the previous console session is signed out before this one signs in. */
  signOutFirst: boolean
  /** One line for stderr: isolation was asked for and this browser cannot give it. */
  notice?: string
}

export interface RoleForPlan {
  accountId: string
  roleName: string
  /** `production.ReadOnlyAccess`: the name people know the role by. */
  label: string
}

/** The colours the container add-on accepts (Firefox's container colours), picked per account. */
export const CONTAINER_COLORS = ['blue', 'turquoise', 'green', 'yellow', 'orange', 'red', 'pink', 'purple'] as const

/** The same account gets the same colour on every run and every machine: a digest of its id, not a counter. */
export function containerColor(accountId: string): string {
  const byte = createHash('sha256').update(accountId).digest()[0]!
  return CONTAINER_COLORS[byte % CONTAINER_COLORS.length]!
}

/**
 * The URL protocol of the Firefox add-on "Open external links in a container"
 * (https://addons.mozilla.org/firefox/addon/open-url-in-container/): it opens `url` in the container `name`,
 * creating it with `color` and `icon` the first time.
 */
export function containerUrl(name: string, color: string, url: string): string {
  const q = (v: string) => encodeURIComponent(v)
  return `ext+container:name=${q(name)}&color=${q(color)}&icon=fingerprint&url=${q(url)}`
}

export const FIREFOX_ADDON_URL = 'https://addons.mozilla.org/firefox/addon/open-url-in-container/'

export function launchPlan(input: {browser: Browser; isolate: boolean; role: RoleForPlan; profileDir?: string}): LaunchPlan {
  const {browser, isolate, role} = input
  const command = browser.command
  const prefix = browser.prefix ?? []
  const direct = (loopback: string) => loopback
  const shared = (notice?: string): LaunchPlan => ({
    command,
    args: (page) => [...prefix, page],
    pageLink: direct,
    isolated: false,
    signOutFirst: true,
    ...(notice ? {notice} : {}),
  })
  if (!isolate) return shared()
  const title = printable(`${role.label} (${role.accountId})`)
  if (browser.family === 'chromium') {
    if (!input.profileDir) throw new Error('launchPlan: an isolated Chromium needs its profile directory')
    const profileDir = input.profileDir
    return {
      command,
      args: (page) => [
        ...prefix,
        `--user-data-dir=${profileDir}`,
        '--no-first-run',
        '--no-default-browser-check',
        `--window-name=${title}`,
        '--new-window',
        page,
      ],
      pageLink: direct,
      isolated: true,
      profileDir,
      signOutFirst: false,
    }
  }
  if (browser.family === 'firefox') {
    const container = {name: printable(role.label), color: containerColor(role.accountId)}
    return {
      command,
      args: (page) => [...prefix, '--new-tab', page],
      pageLink: (loopback) => containerUrl(container.name, container.color, loopback),
      isolated: true,
      container,
      signOutFirst: false,
    }
  }
  const which = browser.family === 'safari' ? 'Safari' : 'the default browser'
  return shared(
    `keyless: ${which} has no profile per role: opening the console in its shared profile (pass --browser chrome|edge|brave|chromium|firefox to isolate)`,
  )
}
