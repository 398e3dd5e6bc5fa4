import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Browser} from 'puppeteer-core'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {ssoSessionSection, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// The authorization-code login with a real browser: headless Chromium (Debian's, driven by puppeteer-core) opens
// the URL keyless printed, presses Allow or Deny on the emulator's approval page, and lands on keyless's page.
const CHROMIUM = '/usr/bin/chromium'
const START_URL = 'https://keyless-demo.awsapps.com/start'
const available = existsSync(CHROMIUM)

let emulator: EmulatorHandle
let browser: Browser
let profile: string
let sandbox: Sandbox

describe.skipIf(!available)(
  `a real browser (headless Chromium)${available ? '' : `: skipped, ${CHROMIUM} is not installed (scripts/ensure-deps.sh installs it as root)`}`,
  () => {
    beforeAll(async () => {
      emulator = await startEmulator({})
      profile = mkdtempSync(join(tmpdir(), 'keyless-chromium-'))
      const {default: puppeteer} = await import('puppeteer-core')
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        userDataDir: profile,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      })
    }, 60_000)
    afterAll(async () => {
      await browser?.close()
      await emulator?.close()
      rmSync(profile, {recursive: true, force: true})
    })
    beforeEach(() => {
      sandbox = makeSandbox()
      writeFile(sandbox.configFile, ssoSessionSection('demo', START_URL))
    })
    afterEach(async () => {
      const keychain = openKeychain({service: sandbox.keychainService})
      for (const key of await keychain.keys()) await keychain.delete(key)
      sandbox.cleanup()
    })

    /** `keyless login` whose printed URL Chromium opens; the button pressed on the approval page; what the tab ends on. */
    async function loginWithChromium(button: '#allow' | '#deny') {
      const opener = join(sandbox.home, 'opener.sh') // keyless's own attempt to open a browser succeeds and does nothing
      writeFile(opener, '#!/bin/sh\nexit 0\n', 0o700)
      let landed: Promise<{url: string; title: string; ok: string | null}> | undefined
      const result = await runKeyless(['login'], {
        env: {...sandbox.env, ...emulator.env(), KEYLESS_HOST_KIND: 'host', BROWSER: opener, DISPLAY: ':99'},
        timeoutMs: 90_000,
        onStderr: (_, all) => {
          const url = /^ {2}(http:\/\/\S+\/authorize\?\S+)$/m.exec(all)?.[1]
          if (!url || landed) return
          landed = (async () => {
            const page = await browser.newPage()
            await page.goto(url)
            await Promise.all([page.waitForNavigation({waitUntil: 'load', timeout: 60_000}), page.click(button)])
            const heading = await page.$eval('#keyless-result', (h) => ({title: h.textContent ?? '', ok: h.getAttribute('data-ok')}))
            const at = page.url()
            await page.close()
            return {url: at, ...heading}
          })()
        },
      })
      return {result, page: await landed}
    }

    it("Allow: the login command exits 0 and the tab ends on keyless's success page", async () => {
      const {result, page} = await loginWithChromium('#allow')
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toMatch(/^Signed in to demo/)
      expect(page).toMatchObject({
        title: 'Signed in',
        ok: 'true',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback\?code=/),
      })
      const keys = await openKeychain({service: sandbox.keychainService}).keys()
      expect(keys.sort()).toEqual(['session/demo/registration-auth-code', 'session/demo/token'])
    }, 120_000)

    it('Deny: the denial line, exit 1, nothing stored, and the tab says so', async () => {
      const {result, page} = await loginWithChromium('#deny')
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split('\n').at(-1)).toBe(
        'keyless: the login was denied in the browser; nothing was stored; to try again, run: keyless login --session demo',
      )
      expect(page).toMatchObject({title: 'Sign-in denied', ok: 'false'})
      expect(await openKeychain({service: sandbox.keychainService}).keys()).toEqual([])
    }, 120_000)
  },
)
