import {spawnSync} from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

// Issue 22: the cached path's bundle compiled from a V8 code cache (src/credential-process/code-cache.ts). Each load
// runs in a fresh Node.js process, as every credential-process call does; the module it loads stands in for hot.cjs.

const MODULE = pathToFileURL(join(ROOT, 'src', 'credential-process', 'code-cache.ts')).href
const ID = 'ab'.repeat(32)

let dir: string
let bundle: string
let cacheRoot: string
let cacheDirectory: string

/** A bundle as scripts/bundle-hot-path.mjs writes one: the build id, then `"use strict"` and the import() fallback. */
const bundleText = (answer: string, id = ID) =>
  `${id ? `// keyless-build-id ${id}\n` : ''}"use strict";var __keyless_import=typeof __keyless_import=="function"?__keyless_import:s=>import(s);` +
  `module.exports={answer:()=>${answer},line:()=>new Error().stack.split("\\n")[1],later:()=>__keyless_import("node:path").then((p)=>typeof p.join)};\n`

/** Loads the bundle in a fresh process: what it answers, where its stack says it is, what the cache did. */
function load(): {answer: number; line: string; later: string; cache: string; why?: string} {
  const script = `
    import {requireWithCodeCache} from ${JSON.stringify(MODULE)}
    const m = requireWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(cacheDirectory)}, (s) => import(s))
    const later = await m.exports.later()
    console.log(JSON.stringify({answer: m.exports.answer(), line: m.exports.line(), later, cache: m.cache, why: m.why}))
  `
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8', cwd: ROOT})
  expect(r.status, r.stderr).toBe(0)
  expect(r.stderr).toBe('')
  return JSON.parse(r.stdout) as ReturnType<typeof load>
}

const cacheFiles = () => (existsSync(cacheDirectory) ? readdirSync(cacheDirectory).sort() : [])

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyless-code-cache-'))
  bundle = join(dir, 'dist', 'hot.cjs')
  mkdirSync(join(dir, 'dist'))
  writeFileSync(bundle, bundleText('42'))
  cacheRoot = join(dir, 'cache', 'keyless')
  mkdirSync(cacheRoot, {recursive: true, mode: 0o700})
  cacheDirectory = join(cacheRoot, 'code-cache')
})

afterEach(() => rmSync(dir, {recursive: true, force: true}))

describe('requireWithCodeCache', () => {
  it('writes the cache at the first load (0600 in a 0700 directory) and compiles from it at the next', () => {
    const first = load()
    expect(first).toMatchObject({answer: 42, cache: 'written', later: 'function'})
    const files = cacheFiles()
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(new RegExp(`^hot-${ID.slice(0, 16)}-\\d+-\\d+-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8$`))
    expect(statSync(cacheDirectory).mode & 0o777).toBe(0o700)
    expect(statSync(join(cacheDirectory, files[0]!)).mode & 0o777).toBe(0o600)
    const second = load()
    expect(second).toMatchObject({answer: 42, cache: 'used', later: 'function'})
    // The bundle's own file and line in a stack, as if required: the wrapper adds no line.
    expect(second.line).toContain(`${bundle}:2:`)
    expect(second.line).toBe(first.line)
  })

  it('never runs a cache made for other text: a bundle edited in place to the same length compiles anew', () => {
    // V8 takes a cache made for any text of the same length; the file name (size and mtime) is what tells them apart.
    expect(load()).toMatchObject({answer: 42, cache: 'written'})
    const before = cacheFiles()
    writeFileSync(bundle, bundleText('43'))
    const later = new Date(Date.now() + 5_000)
    utimesSync(bundle, later, later)
    expect(load()).toMatchObject({answer: 43, cache: 'written'})
    const after = cacheFiles()
    expect(after).toHaveLength(1)
    expect(after).not.toEqual(before)
    expect(load()).toMatchObject({answer: 43, cache: 'used'})
  })

  it('a cache V8 refuses (another V8, or bytes that are not one) is replaced, and the load is the same', () => {
    load()
    const [file] = cacheFiles()
    writeFileSync(join(cacheDirectory, file!), Buffer.alloc(4096, 7))
    expect(load()).toMatchObject({answer: 42, cache: 'rejected', later: 'function'})
    expect(readFileSync(join(cacheDirectory, file!)).equals(Buffer.alloc(4096, 7))).toBe(false)
    expect(load()).toMatchObject({answer: 42, cache: 'used'})
  })

  it('keeps no cache where others may write (code this process would run): a plain require', () => {
    chmodSync(cacheRoot, 0o777)
    const loaded = load()
    expect(loaded).toMatchObject({answer: 42, cache: 'off', later: 'function'})
    expect(loaded.why).toContain('others may write')
    expect(existsSync(cacheDirectory)).toBe(false)
    // A code-cache directory others may write to: not read, not written.
    chmodSync(cacheRoot, 0o700)
    mkdirSync(cacheDirectory, {mode: 0o700})
    chmodSync(cacheDirectory, 0o777)
    expect(load()).toMatchObject({answer: 42, cache: 'off', why: `others may write to ${cacheDirectory}`})
    expect(cacheFiles()).toEqual([])
  })

  it('a bundle without a build id, or no cache directory yet: a plain require, nothing written', () => {
    writeFileSync(bundle, bundleText('42', ''))
    expect(load()).toMatchObject({answer: 42, cache: 'off', why: 'hot.cjs has no build id'})
    rmSync(cacheRoot, {recursive: true})
    writeFileSync(bundle, bundleText('42'))
    expect(load()).toMatchObject({answer: 42, cache: 'off'})
    expect(existsSync(cacheRoot)).toBe(false)
  })

  it("leaves the caches of other Node.js versions, and drops this one's for other builds", () => {
    load()
    const other = `hot-${'cd'.repeat(8)}-100-100-v99.0.0-${process.arch}.v8`
    const stale = `hot-${'ef'.repeat(8)}-100-100-${process.version}-${process.arch}.v8`
    writeFileSync(join(cacheDirectory, other), 'x', {mode: 0o600})
    writeFileSync(join(cacheDirectory, stale), 'x', {mode: 0o600})
    writeFileSync(bundle, bundleText('44'))
    load()
    expect(cacheFiles()).toContain(other)
    expect(cacheFiles()).not.toContain(stale)
    expect(cacheFiles()).toHaveLength(2)
  })
})
