// A browser for tests that keyless starts itself (`--browser chromium`, found on PATH as a wrapper running this):
// `node headless-chromium.mjs <chromium> <dump-dir> [keyless's switches...] <page>` runs that Chromium headless
// through puppeteer-core with keyless's own switches (--user-data-dir and the rest, passed on as they are), opens
// the page keyless handed it, waits until it lands on the emulator's console, writes that page to
// <dump-dir>/<profile directory name or "personal">.html, and closes the browser the way a person would (so it
// keeps its cookies on disk, as a browser closed by hand does). `--personal DIR` is the user data without one.
import {renameSync, writeFileSync} from 'node:fs'
import {basename, join} from 'node:path'

import puppeteer from 'puppeteer-core'

const [chromium, dumps, ...rest] = process.argv.slice(2)
const page = rest.pop()
let personal
const switches = []
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--personal') personal = rest[++i]
  else switches.push(rest[i])
}
const own = switches.find((s) => s.startsWith('--user-data-dir='))?.slice('--user-data-dir='.length)
const name = own ? basename(own) : 'personal'
const headless = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  ...(own ? {} : {userDataDir: personal}),
  args: [...headless, ...switches],
})
let html
try {
  const tab = await browser.newPage()
  await tab.goto(page)
  await tab.waitForSelector('#arn, #error', {timeout: 60_000})
  html = await tab.content()
} catch (error) {
  html = `<!-- ${String(error)} -->`
} finally {
  await browser.close()
}
writeFileSync(join(dumps, `${name}.tmp`), html)
renameSync(join(dumps, `${name}.tmp`), join(dumps, `${name}.html`))
