import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'

import type {Browser} from '../../src/console/browsers.js'
import {CONTAINER_COLORS, containerColor, containerUrl, launchPlan} from '../../src/console/launch-plan.js'
import {consolePreferences} from '../../src/console/preferences.js'
import {loginUrl, signOutThenLoginUrl} from '../../src/console/signin.js'
import {openThroughHandOff} from '../../src/ui/browser-handoff.js'

// How keyless console starts each browser in each mode: a decision table (Firefox is not installed here, so its
// argv and container URL are checked as data), and the hand-off that keeps the container URL off the command line.

const ROLE = {accountId: '333333333333', roleName: 'ReadOnlyAccess', label: 'production.ReadOnlyAccess'}
const PAGE = 'file:///home/ana/.cache/keyless/browser/h-AbC123/open.html'
const LOOPBACK = 'http://127.0.0.1:41234/3f9aZ-_x'
const PROFILE = '/home/ana/.local/share/keyless/browser-profiles/chrome/333333333333.ReadOnlyAccess'
const browsers: Record<string, Browser> = {
  chrome: {name: 'chrome', family: 'chromium', command: '/usr/bin/google-chrome-stable'},
  firefox: {name: 'firefox', family: 'firefox', command: '/usr/bin/firefox'},
  safari: {name: 'safari', family: 'safari', command: 'open', prefix: ['-a', 'Safari']},
  default: {name: 'default', family: 'default'},
}
const COLOR = containerColor(ROLE.accountId)
const CONTAINER = `ext+container:name=production.ReadOnlyAccess&color=${COLOR}&icon=fingerprint&url=http%3A%2F%2F127.0.0.1%3A41234%2F3f9aZ-_x`

describe('launchPlan: browser x --isolate', () => {
  const table: Array<[string, boolean, string | undefined, string[], string, boolean, boolean]> = [
    // browser, isolate, command, argv for the page, where the page leads, isolated, sign out first
    [
      'chrome',
      true,
      '/usr/bin/google-chrome-stable',
      [
        `--user-data-dir=${PROFILE}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--window-name=production.ReadOnlyAccess (333333333333)',
        '--new-window',
        PAGE,
      ],
      LOOPBACK,
      true,
      false,
    ],
    ['chrome', false, '/usr/bin/google-chrome-stable', [PAGE], LOOPBACK, false, true],
    ['firefox', true, '/usr/bin/firefox', ['--new-tab', PAGE], CONTAINER, true, false],
    ['firefox', false, '/usr/bin/firefox', [PAGE], LOOPBACK, false, true],
    ['safari', true, 'open', ['-a', 'Safari', PAGE], LOOPBACK, false, true],
    ['safari', false, 'open', ['-a', 'Safari', PAGE], LOOPBACK, false, true],
    ['default', true, undefined, [PAGE], LOOPBACK, false, true],
    ['default', false, undefined, [PAGE], LOOPBACK, false, true],
  ]
  it.each(table)('%s isolate=%s', (name, isolate, command, argv, link, isolated, signOutFirst) => {
    const plan = launchPlan({browser: browsers[name]!, isolate, role: ROLE, profileDir: isolate ? PROFILE : undefined})
    expect(plan.command).toBe(command)
    expect(plan.args(PAGE)).toEqual(argv)
    expect(plan.pageLink(LOOPBACK)).toBe(link)
    expect(plan.isolated).toBe(isolated)
    expect(plan.signOutFirst).toBe(signOutFirst)
    // Isolation asked of a browser that cannot: one line, and the console opens as without it.
    expect(plan.notice !== undefined).toBe(isolate && !isolated)
    // The only thing on a command line that is not keyless's own switch is the hand-off page.
    for (const arg of plan.args(PAGE)) expect(arg).not.toMatch(/127\.0\.0\.1|SigninToken|ext\+container/)
  })

  it('the one line for a browser without profiles', () => {
    expect(launchPlan({browser: browsers.safari!, isolate: true, role: ROLE}).notice).toBe(
      'keyless: Safari has no profile per role: opening the console in its shared profile (pass --browser chrome|edge|brave|chromium|firefox to isolate)',
    )
  })

  it('container colour: stable per account, one of Firefox container colours, not the same for every account', () => {
    expect(containerColor('333333333333')).toBe(containerColor('333333333333'))
    const colours = new Set(['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'].map(containerColor))
    for (const c of colours) expect(CONTAINER_COLORS).toContain(c)
    expect(colours.size).toBeGreaterThan(1)
    // The add-on reads its parameters URL-encoded: a name with & or = stays one parameter.
    expect(containerUrl('a&b=c', 'red', 'http://x/?y=1&z=2')).toBe(
      'ext+container:name=a%26b%3Dc&color=red&icon=fingerprint&url=http%3A%2F%2Fx%2F%3Fy%3D1%26z%3D2',
    )
  })
})

describe('sign out first (a shared profile)', () => {
  it('the logout URL of the sign-in host redirects to the login URL', () => {
    const endpoint = 'https://eu-west-1.signin.aws.amazon.com/federation'
    const login = loginUrl(endpoint, 'TOKEN', 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1')
    const url = new URL(signOutThenLoginUrl(endpoint, login))
    expect(url.origin).toBe('https://eu-west-1.signin.aws.amazon.com')
    expect(url.pathname).toBe('/oauth')
    expect(url.searchParams.get('Action')).toBe('logout')
    expect(url.searchParams.get('redirect_uri')).toBe(login)
  })
})

describe('remembered choices', () => {
  const session = (keyless?: Record<string, string>) => ({
    name: 'acme',
    startUrl: '',
    region: '',
    scopes: [],
    ...(keyless ? {keyless} : {}),
  })
  it('flags win over the section; the section over the defaults', () => {
    expect(consolePreferences({}, session())).toMatchObject({browser: undefined, isolate: false})
    expect(consolePreferences({}, session({keyless_browser: 'firefox', keyless_isolate: 'true'}))).toMatchObject({
      browser: 'firefox',
      isolate: true,
    })
    expect(
      consolePreferences({browser: 'chrome', isolate: false}, session({keyless_browser: 'firefox', keyless_isolate: 'true'})),
    ).toMatchObject({
      browser: 'chrome',
      browserSource: '--browser',
      isolate: false,
    })
    expect(() => consolePreferences({}, session({keyless_isolate: 'maybe'}))).toThrow(
      'keyless_isolate = maybe in [sso-session acme] is neither true nor false',
    )
  })
})

describe('the Firefox container through the hand-off', () => {
  const cache = mkdtempSync(join(tmpdir(), 'keyless-container-unit-'))
  afterAll(() => rmSync(cache, {recursive: true, force: true}))

  it('the command line gets the page; the page leads to ext+container: around the one-time link; the link leads to the sign-in', async () => {
    const plan = launchPlan({browser: browsers.firefox!, isolate: true, role: ROLE})
    const target = 'http://127.0.0.1:5999/federation?Action=login&SigninToken=SECRET'
    let argv: string[] = []
    let pageText = ''
    const handOff = await openThroughHandOff(
      target,
      {kind: 'origin', origin: 'http://127.0.0.1:5999'},
      {
        env: {XDG_CACHE_HOME: cache, HOME: cache},
        keepAlive: false,
        pageLink: plan.pageLink,
        launch: async (page) => {
          argv = [plan.command!, ...plan.args(page)]
          pageText = readFileSync(fileURLToPath(page), 'utf8')
          return true
        },
      },
    )
    expect(handOff.opened).toBe(true)
    expect(argv).toHaveLength(3)
    expect(argv.slice(0, 2)).toEqual(['/usr/bin/firefox', '--new-tab'])
    expect(argv[2]).toMatch(/^file:\/\/.*\/keyless\/browser\/h-[^/]+\/open\.html$/)
    expect(argv.join(' ')).not.toMatch(/SECRET|ext\+container|127\.0\.0\.1/)
    // The page holds the container URL (HTML-escaped in the refresh, as JSON in the script), and nothing else.
    const link = /location\.replace\((".*?")\)/.exec(pageText)?.[1]
    const containerLink = JSON.parse(link!) as string
    expect(containerLink).toMatch(new RegExp(`^ext\\+container:name=production\\.ReadOnlyAccess&color=${COLOR}&icon=fingerprint&url=`))
    expect(pageText).not.toContain('SECRET')
    const loopback = new URLSearchParams(containerLink.slice('ext+container:'.length)).get('url')!
    expect(loopback).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}$/)
    const response = await fetch(loopback, {redirect: 'manual'})
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(target)
    await handOff.used
    await handOff.close()
    expect(existsSync(fileURLToPath(argv[2]!))).toBe(false)
  })
})
