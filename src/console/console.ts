import {CONSOLE_BROWSER_NOTICE_MS, CONSOLE_REDIRECT_WAIT_MS} from '../timing.js'
import {roleRegion} from '../exec/environment.js'
import {useRole} from '../role/runtime.js'
import type {RoleChoice, RoleFlags} from '../role/select.js'
import {reasonNotToOpenBrowser} from '../ui/browser.js'
import {openThroughHandOff} from '../ui/browser-handoff.js'
import {launchBrowser} from './launch.js'
import {registerSecret} from '../ui/debug.js'
import {EXIT, KeylessError} from '../errors.js'
import {resolveBrowser, systemBrowserHost, type BrowserHost} from './browsers.js'
import {ensureProfile, profileDir} from './browser-profiles.js'
import {FIREFOX_ADDON_URL, launchPlan, type LaunchPlan} from './launch-plan.js'
import {consolePreferences} from './preferences.js'
import {consoleDestination, federationEndpoint, getSigninToken, loginUrl, signOutThenLoginUrl} from './signin.js'

export interface ConsoleOptions {
  destination?: string
  region?: string
  /** Print the sign-in URL instead of opening a browser. */
  print: boolean
  debug: boolean
  /** `--browser`: a name or a path; else the session's `keyless_browser`; else the desktop's default. */
  browser?: string
  /** `--isolate` / `--no-isolate`; else the session's `keyless_isolate`; else off. */
  isolate?: boolean
  env?: NodeJS.ProcessEnv
  /** The machine browser discovery looks at (tests of the platforms); default the real one. */
  browserHost?: BrowserHost
}

export interface ConsoleResult {
  choice: RoleChoice
  /** Set with `print`: the sign-in URL (a bearer credential for 15 minutes). */
  url?: string
}

/**
 * `keyless console`: the role's credentials, federation getSigninToken, then the login URL, opened in the browser
 * through the browser hand-off (a one-time loopback redirect behind a page only this user can read), so that
 * nothing another local user could redeem is on any process's command line, and the sign-in URL in no file.
 */
export async function openConsole(flags: RoleFlags, options: ConsoleOptions): Promise<ConsoleResult> {
  const env = options.env ?? process.env
  const {choice, credentials} = await useRole(flags, {command: 'console', debug: options.debug, env})
  const region = roleRegion(choice, options.region, env)
  const destination = consoleDestination(region, options.destination)
  const endpoint = federationEndpoint(region, env)
  if (!options.print) {
    const reason = reasonNotToOpenBrowser(env)
    if (reason)
      throw new KeylessError(
        `not opening a browser: ${reason}`,
        'run: keyless console --print --reveal ... and open the URL in a browser yourself',
      )
  }
  const plan = options.print ? undefined : planFor(choice, options, env)
  const token = await getSigninToken(endpoint, credentials)
  registerSecret(token)
  const url = loginUrl(endpoint, token, destination)
  registerSecret(url)
  if (!plan) return {choice, url}
  if (plan.notice) process.stderr.write(plan.notice + '\n')
  const target = plan.signOutFirst ? signOutThenLoginUrl(endpoint, url) : url
  registerSecret(target)
  const signin = {kind: 'origin', origin: new URL(endpoint).origin} as const
  const {command} = plan
  const redirect = await openThroughHandOff(target, signin, {
    env,
    waitMs: CONSOLE_REDIRECT_WAIT_MS,
    keepAlive: true,
    pageLink: plan.pageLink,
    ...(command ? {launch: (page: string) => launchBrowser(command, plan.args(page))} : {}),
  })
  if (redirect.refused)
    throw new KeylessError(
      `not opening the browser: ${redirect.refused}`,
      'run: keyless console --print --reveal ... and open the URL yourself',
    )
  const {opened} = redirect
  // An opener that reports failure after the browser did follow the link (some exit non-zero once done) counts as opened.
  const usedAlready = await Promise.race([redirect.used, Promise.resolve(false)])
  if (!opened && !usedAlready) {
    await redirect.close()
    throw new KeylessError(
      command ? `could not start ${command}` : 'could not open a browser',
      `${command ? 'pass another --browser' : 'set BROWSER'}, or run: keyless console --print --reveal ... and open the URL yourself`,
    )
  }
  process.stderr.write(openingLine(choice.label, plan) + '\n')
  const outcome = await followedWithNotice(redirect.used, plan)
  if (outcome !== 'followed') {
    await redirect.close()
    if (outcome === 'interrupted') throw new KeylessError('cancelled: the sign-in link was withdrawn', undefined, EXIT.interrupted)
    throw new KeylessError(
      'the browser did not open the sign-in link within 2 minutes',
      'run: keyless console again, or --print --reveal to open it yourself',
    )
  }
  return {choice}
}

/** The signals that end the wait for the browser: Ctrl-C, and a terminal or service manager closing keyless. */
const WAIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * Waits for the browser to follow the sign-in link; once that takes longer than a working browser would, says on
 * stderr what keyless waits for, how long at most, and what to do instead. Never a silent wait of minutes.
 */
async function followedWithNotice(used: Promise<boolean>, plan: LaunchPlan): Promise<'followed' | 'timeout' | 'interrupted'> {
  const minutes = Math.round(CONSOLE_REDIRECT_WAIT_MS / 60_000)
  // The wait decides what a signal means, so the link is withdrawn and keyless exits 130: left to the defaults, a
  // signal would meet the hand-off's listener and proper-lockfile's signal-exit, each of which defers to the other.
  let interrupt: () => void = () => {}
  const interrupted = new Promise<'interrupted'>((resolve) => (interrupt = () => resolve('interrupted')))
  for (const signal of WAIT_SIGNALS) process.on(signal, interrupt)
  const notice = setTimeout(() => {
    // A Firefox without the container add-on does not know ext+container: and goes no further than the page.
    const addon = plan.container ? `Is the Firefox add-on "Open external links in a container" installed (${FIREFOX_ADDON_URL})? ` : ''
    process.stderr.write(
      `keyless: no browser has opened the sign-in link yet; waiting up to ${minutes} minutes in all (Ctrl-C stops). ${addon}` +
        'If no browser window appeared, press Ctrl-C and run: keyless console --print --reveal ... to open the URL yourself\n',
    )
  }, CONSOLE_BROWSER_NOTICE_MS)
  try {
    return await Promise.race([used.then((followed) => (followed ? 'followed' : 'timeout')), interrupted])
  } finally {
    clearTimeout(notice)
    for (const signal of WAIT_SIGNALS) process.removeListener(signal, interrupt)
  }
}

/** The browser, the mode and (isolated) the role's own profile, decided before any sign-in token exists. */
function planFor(choice: RoleChoice, options: ConsoleOptions, env: NodeJS.ProcessEnv): LaunchPlan {
  const prefs = consolePreferences({browser: options.browser, isolate: options.isolate}, choice.session)
  const browser = resolveBrowser(prefs.browser, options.browserHost ?? systemBrowserHost(env), prefs.browserSource)
  const role = {accountId: choice.accountId, roleName: choice.roleName, label: choice.label}
  const dir = prefs.isolate && browser.family === 'chromium' ? profileDir(browser, role, env) : undefined
  if (dir) ensureProfile(dir, `${choice.label} (${choice.accountId})`)
  return launchPlan({browser, isolate: prefs.isolate, role, profileDir: dir})
}

function openingLine(label: string, plan: LaunchPlan): string {
  if (plan.container)
    return `Opening the AWS console as ${label} in Firefox container "${plan.container.name}" (${plan.container.color}; needs the add-on "Open external links in a container")...`
  if (plan.profileDir) return `Opening the AWS console as ${label} in its own browser profile (${plan.profileDir})...`
  return `Opening the AWS console as ${label} in your browser...`
}
