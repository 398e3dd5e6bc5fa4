import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// `keyless import` with nothing of another tool's: no file is created, none is rewritten, and the one
// unconvertible profile is listed without a network call (no session is involved).
let sandbox: Sandbox
beforeAll(() => {
  sandbox = makeSandbox()
})
afterAll(() => sandbox.cleanup())

describe('keyless import with nothing to import', () => {
  it('creates no config file where there is none', async () => {
    const out = await runKeyless(['import', '--json'], {env: sandbox.env})
    expect(out.code, out.stderr).toBe(0)
    expect(JSON.parse(out.stdout)).toEqual({imported: [], notImported: [], sessionsAdded: [], alreadyKeyless: 0, keysConverted: []})
    expect(existsSync(sandbox.configFile)).toBe(false)
  })

  it('leaves a file of plain and long-term-key profiles byte for byte, listing the key profile', async () => {
    mkdirSync(dirname(sandbox.configFile), {recursive: true})
    const text =
      '[default]\r\nregion = eu-west-1\r\n\r\n[profile ci]\r\naws_access_key_id = AKIAEXAMPLEEXAMPLE01\r\naws_secret_access_key = x'
    writeFileSync(sandbox.configFile, text)
    const out = await runKeyless(['import'], {env: sandbox.env})
    expect(out.code, out.stderr).toBe(0)
    expect(out.stderr).toBe(
      'keyless: not imported: ci (static-keys): it holds a long-term key, and no keyless session lists a role for you to turn it into; run: keyless login, then keyless import again (or keyless audit --fix to remove the key)\n',
    )
    expect(out.stdout).toMatch(/^No changes to .*: 0 imported, 1 not imported, 0 session\(s\) added\./)
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(text)
    expect(existsSync(`${sandbox.configFile}.keyless.bak`)).toBe(false)
  })
})
