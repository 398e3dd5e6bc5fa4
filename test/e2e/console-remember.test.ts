/**
 * Issue 25 item 1 and 2: `configure --browser/--isolate` remember the console's choices in the session's section
 * (keyless_browser, keyless_isolate); a plain `keyless console` then uses them, flags still win, and
 * `keyless logout` leaves the profiles. The browser here is a recording one (found as `chromium` on PATH) that
 * follows keyless's hand-off as a browser would; the real Chromium runs in console-isolate.test.ts.
 */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'

import {describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {writeFile} from '../helpers/files.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

const FOLLOW = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'follow-handoff.mjs')
const signedIn = useSignedInEmulator()
const bin = () => join(signedIn.sandbox.home, 'bin')
const argvLog = () => join(signedIn.sandbox.home, 'argv.log')
const record = () => join(signedIn.sandbox.home, 'opened.log')
const keyless = (args: string[]) =>
  runKeyless(args, {env: {...signedIn.env, PATH: `${bin()}:${process.env.PATH}`, DISPLAY: ':99'}, timeoutMs: 60_000})
const config = () => readFileSync(signedIn.sandbox.configFile, 'utf8')
const PROFILE = () =>
  join(signedIn.sandbox.home, '.local', 'share', 'keyless', 'browser-profiles', 'chromium', '333333333333.ReadOnlyAccess')

async function lines(path: string, count: number): Promise<string[]> {
  for (let i = 0; i < 300; i++) {
    const text = existsSync(path) ? readFileSync(path, 'utf8').trim() : ''
    const all = text ? text.split('\n') : []
    if (all.length >= count) return all
    await sleep(100)
  }
  throw new Error(`${path} never had ${count} lines`)
}

describe('configure --browser / --isolate, then keyless console', () => {
  it('writes keyless_browser and keyless_isolate; a plain console opens the remembered browser isolated; --no-isolate wins for one run', async () => {
    // `chromium` on PATH: records its argv, then follows the hand-off page (its last argument) as a browser would.
    writeFile(
      join(bin(), 'chromium'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog()}'\nfor last; do :; done\nprintf '%s\\n' "$("${process.execPath}" "${FOLLOW}" "$last")" >> '${record()}'\n`,
      0o700,
    )

    const original = config()
    const bad = await keyless(['configure', '--session', 'acme', '--browser', 'netscape'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /^keyless: --browser netscape is not a browser keyless knows; pass one of chrome, chromium, edge, brave, firefox, safari, default, or the path of a browser's program\n$/,
    )
    expect(config()).toBe(original)

    const set = await keyless(['configure', '--session', 'acme', '--browser', 'Chromium', '--isolate'])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toBe(`Updated [sso-session acme] in ${signedIn.sandbox.configFile}.\n`)
    expect(config()).toBe(original + 'keyless_browser = chromium\nkeyless_isolate = true\n')
    const again = await keyless(['configure', '--session', 'acme', '--browser', 'chromium', '--isolate'])
    expect(again.stdout).toBe(`[sso-session acme] in ${signedIn.sandbox.configFile} is already up to date.\n`)

    const isolated = await keyless(['console', '--account', 'production', '--role', 'ReadOnlyAccess'])
    expect(isolated.code, isolated.stderr).toBe(0)
    expect(isolated.stderr).toBe(`Opening the AWS console as production.ReadOnlyAccess in its own browser profile (${PROFILE()})...\n`)
    const [first] = await lines(argvLog(), 1)
    expect(first).toMatch(new RegExp(`^--user-data-dir=${PROFILE()} --no-first-run .* --new-window file://\\S+/open\\.html$`))
    // The recording browser followed the page to the sign-in itself (no sign-out first in a profile of its own).
    const [opened] = await lines(record(), 1)
    expect(new URL(opened!).pathname).toBe('/federation')

    const shared = await keyless(['console', '--account', 'production', '--role', 'ReadOnlyAccess', '--no-isolate'])
    expect(shared.code, shared.stderr).toBe(0)
    expect(shared.stderr).toBe('Opening the AWS console as production.ReadOnlyAccess in your browser...\n')
    const argv = await lines(argvLog(), 2)
    expect(argv[1]).toMatch(/^file:\/\/\S+\/open\.html$/)
    // A shared profile: the browser is sent to sign the previous console session out, then on to the sign-in.
    const second = new URL((await lines(record(), 2))[1]!)
    expect(second.pathname).toBe('/oauth')
    expect(second.searchParams.get('Action')).toBe('logout')
    expect(new URL(second.searchParams.get('redirect_uri')!).pathname).toBe('/federation')

    // Back to the default browser, not isolated: written, not removed.
    const reset = await keyless(['configure', '--session', 'acme', '--browser', 'default', '--no-isolate'])
    expect(reset.code, reset.stderr).toBe(0)
    expect(config()).toBe(original + 'keyless_browser = default\nkeyless_isolate = false\n')
  }, 240_000)

  it('keyless logout leaves the profiles; console --forget-profiles removes them', async () => {
    expect(existsSync(PROFILE())).toBe(true)
    const out = await keyless(['logout', '--session', 'acme'])
    expect(out.code, out.stderr).toBe(0)
    expect(existsSync(PROFILE())).toBe(true)
    const forget = await keyless(['console', '--forget-profiles'])
    expect(forget.code, forget.stderr).toBe(0)
    expect(forget.stdout).toMatch(/^Deleted 1 browser profile of keyless console --isolate \(.*\)\.\n$/)
    expect(existsSync(PROFILE())).toBe(false)
  })
})
