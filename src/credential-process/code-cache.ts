/**
 * The cached path's bundle (hot.cjs) compiled from a V8 code cache: the bytecode V8 made for it on an earlier call,
 * kept in the user's own cache directory. Every AWS command runs credential-process, and V8 pre-parses the whole
 * bundle and compiles each function it calls, every time: from the cache it does neither (issue 22: ~4 ms of CPU a
 * call on Node.js 20, about what keyless's own work on a cache hit costs besides).
 *
 * Node.js has this built in from 22.1 (module.enableCompileCache); keyless runs on 20 too, so it does it the way that
 * works on both, through node:vm's cachedData, with its own rules:
 * - The cache is code this process runs: it is read and written only in a directory the user owns that no one else
 *   may write to (the same test as the sign-in marker's), files 0600, written whole (a temp file renamed).
 * - V8 accepts a cache for a source of the same length made by the same V8 with the same flags; it does not compare
 *   the text. So the file's name holds what does: the bundle's build id (a SHA-256 of its bytes, in its first line),
 *   its size and mtime (a bundle edited in place), the Node.js version and the CPU architecture.
 * - Anything unexpected (no such directory, a bundle without a build id, a failed write) means a plain require: the cache only ever saves time, it never decides whether the call works.
 */
import {closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {basename, dirname, join} from 'node:path'

/** What happened to the cache: read and accepted, refused by V8 (then written anew), missing (written), not used. */
export type CodeCacheState = 'used' | 'rejected' | 'written' | 'off'

export interface CachedModule<T> {
  exports: T
  cache: CodeCacheState
  /** Why the cache was not used, for --debug (state `off`). */
  why?: string
}

/** The first line of a bundle scripts/bundle-hot-path.mjs writes: its build id. */
const BUILD_ID = /^\/\/ keyless-build-id ([0-9a-f]{64})\n/

/**
 * Loads the CommonJS file `file` like require() (its own require, module and __filename), compiled from the code cache
 * in `cacheDirectory` when there is a usable one, and writes the cache at exit when there was none (or V8 refused it).
 */
export function requireWithCodeCache<T>(
  file: string,
  cacheDirectory: string,
  importer: (specifier: string) => Promise<unknown>,
): CachedModule<T> {
  const require = createRequire(file)
  const plain = (why: string): CachedModule<T> => ({exports: require(file) as T, cache: 'off', why})
  if (!ownedBy(dirname(cacheDirectory))) return plain(`${dirname(cacheDirectory)} is missing or others may write to it`)
  const there = lstatSync(cacheDirectory, {throwIfNoEntry: false}) !== undefined
  if (there && !ownedBy(cacheDirectory)) return plain(`others may write to ${cacheDirectory}`)
  let source: string
  let name: string
  const fd = openSync(file, 'r')
  try {
    const stat = fstatSync(fd)
    source = readFileSync(fd, 'utf8')
    const id = BUILD_ID.exec(source)?.[1]
    if (!id) return plain(`${basename(file)} has no build id`)
    name = `${basename(file, '.cjs')}-${id.slice(0, 16)}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}.v8`
  } finally {
    closeSync(fd)
  }
  const cacheFile = join(cacheDirectory, name)
  const cachedData = there ? readIfThere(cacheFile) : undefined
  const vm = require('node:vm') as typeof import('node:vm')
  // The function Node.js wraps every CommonJS module in, on the file's first line (its line numbers stay), with one
  // more parameter: the bundle's import() (see IMPORT_PARAMETER).
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, ${IMPORT_PARAMETER}) {${source}\n})`, {
    filename: file,
    cachedData,
  })
  const cache: CodeCacheState = cachedData === undefined ? 'written' : script.cachedDataRejected ? 'rejected' : 'used'
  // At exit, so that the cache holds the functions this call compiled, not only the file's top level.
  if (cache !== 'used') process.once('exit', (code) => code === 0 && writeCache(cacheDirectory, cacheFile, () => script.createCachedData()))
  const module = {exports: {} as T}
  ;(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, dirname(file), importer)
  return {exports: module.exports, cache}
}

/**
 * What the bundle calls for import() (scripts/bundle-hot-path.mjs rewrites its import() calls to it; required the usual
 * way, it falls back to import() itself). A vm script's own import() needs vm's loader for scripts, which Node.js 20
 * drops for code read from a cache and Node.js 24 calls experimental (a warning on stderr): the caller's import(), from
 * the bundle's directory, resolves the same specifiers to the same modules.
 */
export const IMPORT_PARAMETER = '__keyless_import'

/** A directory of this user's that no one else may write to (Windows: any directory; its ACLs decide). */
function ownedBy(directory: string): boolean {
  const stat = lstatSync(directory, {throwIfNoEntry: false})
  if (!stat?.isDirectory()) return false
  const uid = process.getuid?.()
  return process.platform === 'win32' || ((uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0)
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

/** The cache, whole or not at all, in place of any other build's for this Node.js. Never throws. */
function writeCache(directory: string, file: string, data: () => Buffer): void {
  try {
    mkdirSync(directory, {mode: 0o700, recursive: true})
    if (!ownedBy(directory)) return
    const temp = `${file}.${process.pid}.tmp`
    writeFileSync(temp, data(), {mode: 0o600, flag: 'wx'})
    renameSync(temp, file)
    // Other builds' caches for this Node.js (an upgrade of keyless); another Node.js version's (nvm) stay.
    const name = basename(file)
    const prefix = name.slice(0, name.indexOf('-') + 1)
    const suffix = `-${process.version}-${process.arch}.v8`
    for (const entry of readdirSync(directory)) {
      if (entry.startsWith(prefix) && entry.endsWith(suffix) && entry !== name) rmSync(join(directory, entry), {force: true})
    }
  } catch {
    // A full disk, a read-only home: the next call compiles as this one did.
  }
}
