import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'

import {checkUrlToOpen} from '../../src/ui/browser.js'
import {handOffHtml, writeHandOffPage} from '../../src/ui/browser-handoff.js'

// Issue 20, items 1 and 2: what the opener may be given (the hand-off page) and what the page holds.

const cache = mkdtempSync(join(tmpdir(), 'keyless-handoff-unit-'))
afterAll(() => rmSync(cache, {recursive: true, force: true}))
const LINK = 'http://127.0.0.1:41234/3f9aZ-_x'

describe('checkUrlToOpen: the hand-off file and the origin rules', () => {
  const page = '/home/u/.cache/keyless/browser/h-AbC123/open.html'
  const rule = {kind: 'handoff-file' as const, path: page}

  it('handoff-file: only the file:// URL of exactly that page', () => {
    expect(checkUrlToOpen(pathToFileURL(page).href, rule)).toEqual({ok: true, url: `file://${page}`})
    for (const url of [
      'file:///home/u/.cache/keyless/browser/h-AbC123/other.html',
      'file:///etc/passwd',
      `file://evil.example${page}`,
      `${pathToFileURL(page).href}?x=1`,
      `${pathToFileURL(page).href}#x`,
      `http://127.0.0.1:1${page}`,
      page,
    ])
      expect(checkUrlToOpen(url, rule), url).toMatchObject({ok: false})
    expect(checkUrlToOpen('file:///tmp/x.txt', {kind: 'handoff-file', path: '/tmp/x.txt'})).toMatchObject({ok: false})
  })

  it('origin: that origin only, https or http on loopback', () => {
    const signin = {kind: 'origin' as const, origin: 'https://eu-west-1.signin.aws.amazon.com'}
    expect(checkUrlToOpen('https://eu-west-1.signin.aws.amazon.com/federation?Action=login', signin).ok).toBe(true)
    expect(checkUrlToOpen('https://signin.aws.amazon.com/federation', signin).ok).toBe(false)
    expect(checkUrlToOpen('https://eu-west-1.signin.aws.amazon.com.evil.example/', signin).ok).toBe(false)
    expect(checkUrlToOpen('http://127.0.0.1:5000/federation', {kind: 'origin', origin: 'http://127.0.0.1:5000'}).ok).toBe(true)
    expect(checkUrlToOpen('http://example.com/federation', {kind: 'origin', origin: 'http://example.com'}).ok).toBe(false)
  })
})

describe('the hand-off page', () => {
  it('0600 in a fresh 0700 directory under <cache>/keyless/browser; deleted with its directory', () => {
    const page = writeHandOffPage(LINK, {XDG_CACHE_HOME: cache, HOME: cache})
    expect(dirname(dirname(page.path))).toBe(join(cache, 'keyless', 'browser'))
    expect(statSync(page.path).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(page.path)).mode & 0o777).toBe(0o700)
    expect(statSync(join(cache, 'keyless')).mode & 0o777).toBe(0o700)
    expect(readFileSync(page.path, 'utf8')).toBe(handOffHtml(LINK))
    page.remove()
    expect(statSync(dirname(page.path), {throwIfNoEntry: false})).toBeUndefined()
    page.remove() // idempotent
  })

  it('the link only in the refresh and the script, escaped; no referrer; no visible text carries it', () => {
    const html = handOffHtml(LINK)
    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${LINK}">`)
    expect(html).toContain(`<script>location.replace("${LINK}")</script>`)
    expect(html).toContain('<meta name="referrer" content="no-referrer">')
    const body = /<body>([\s\S]*)<\/body>/.exec(html)![1]!
    expect(body).not.toContain('127.0.0.1')
    const hostile = handOffHtml('http://127.0.0.1:1/"><script>x</script>\'')
    expect(hostile).not.toMatch(/"><script>x/)
    expect(hostile).not.toContain('</script>\'")')
  })
})

describe('a signal while a hand-off page is open', () => {
  // proper-lockfile loads signal-exit while a lock is held (credential-process --auto-login holds one during its
  // sign-in). signal-exit re-raises only once its listener is alone; the hand-off's listener must not count it as a
  // listener that decides, or each leaves the signal to the other and the process goes on after Ctrl-C.
  it('with only signal-exit listening too: the page goes and the process ends by the signal', async () => {
    const {spawnSync} = await import('node:child_process')
    const root = join(dirname(new URL(import.meta.url).pathname), '..', '..')
    const script = `
      import {createRequire} from 'node:module'
      const require = createRequire(${JSON.stringify(join(root, 'node_modules', 'proper-lockfile', 'index.js'))})
      require('signal-exit')(() => {})
      const {writeHandOffPage} = await import(${JSON.stringify(pathToFileURL(join(root, 'src', 'ui', 'browser-handoff.ts')).href)})
      process.stdout.write(writeHandOffPage('http://127.0.0.1:41234/x').path + '\\n')
      process.kill(process.pid, 'SIGINT')
      setTimeout(() => { process.stdout.write('still running\\n'); process.exit(7) }, 3000)
    `
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: {...process.env, XDG_CACHE_HOME: cache},
      encoding: 'utf8',
    })
    const [page, ...rest] = r.stdout.trim().split('\n')
    expect(rest, r.stderr).toEqual([])
    expect(r.signal).toBe('SIGINT')
    expect(statSync(page!, {throwIfNoEntry: false})).toBeUndefined()
  })
})
