import {closeSync, openSync, readdirSync, readSync} from 'node:fs'
import {join} from 'node:path'

import {isBinaryFileSync} from 'isbinaryfile'

/**
 * The bounds of one `--scan` walk. Per file: a file larger than `maxFileBytes` is read that far (a 10 GB dump is
 * not loaded). In total: the walk stops after `maxTotalBytes` read or `maxEntries` directory entries, and says so.
 */
export interface WalkLimits {
  maxFileBytes: number
  maxTotalBytes: number
  maxEntries: number
}

export const SCAN_LIMITS: WalkLimits = {maxFileBytes: 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 * 1024, maxEntries: 1_000_000}

/**
 * Directories of dependencies and version control: other people's code, or history the working tree already
 * shows. Secrets a project left lie in its own files, which the walk reads whatever their name or extension.
 */
export const SKIPPED_DIRS = new Set([
  'node_modules',
  'bower_components',
  'jspm_packages',
  'vendor',
  '.git',
  '.hg',
  '.svn',
  '.bzr',
  '_darcs',
  '.venv',
  'site-packages',
  '__pycache__',
  '.tox',
  '.terraform',
  '.gradle',
])

/** Enough of a file to tell text from binary by content (isbinaryfile looks at the first 512 bytes). */
const SNIFF_BYTES = 64 * 1024

export type SkipReason = 'binary' | 'symlink' | 'dependency-or-vcs-dir' | 'not-a-regular-file' | 'unreadable' | 'empty'

export interface WalkVisitor {
  /** A text file: `bytes` holds its first `length` bytes (a buffer reused for the next file: copy what you keep). */
  file(path: string, bytes: Buffer, length: number, truncated: boolean): void
  skip(path: string, reason: SkipReason, detail?: string): void
}

export interface WalkResult {
  files: number
  bytes: number
  /** Why the walk stopped before the end (a total bound), else undefined. */
  stopped?: string
}

/**
 * Every text file under `root`, depth first in name order. Symbolic links are never followed: a link out of
 * `root` is not `root`'s, and one inside reaches what the walk reaches anyway. Binaries are told by content.
 * Synchronous on purpose: one file at a time is the fastest a single thread reads many small files (no thread
 * pool hop per call), and one buffer serves every file, so memory stays flat whatever the tree.
 */
export function walkTextFiles(root: string, limits: WalkLimits, visit: WalkVisitor): WalkResult {
  const buffer = Buffer.allocUnsafe(limits.maxFileBytes + 1)
  const result: WalkResult = {files: 0, bytes: 0}
  const stack = [root]
  let entries = 0
  while (stack.length > 0) {
    const dir = stack.pop()!
    let list
    try {
      list = readdirSync(dir, {withFileTypes: true})
    } catch (error) {
      visit.skip(dir, 'unreadable', (error as NodeJS.ErrnoException).code ?? 'error')
      continue
    }
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const subdirs: string[] = []
    for (const entry of list) {
      if (++entries > limits.maxEntries) {
        result.stopped = `after ${limits.maxEntries} directory entries`
        return result
      }
      const path = join(dir, entry.name)
      if (entry.isSymbolicLink()) {
        visit.skip(path, 'symlink')
        continue
      }
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) visit.skip(path, 'dependency-or-vcs-dir')
        else subdirs.push(path)
        continue
      }
      if (!entry.isFile()) {
        visit.skip(path, 'not-a-regular-file')
        continue
      }
      if (result.bytes >= limits.maxTotalBytes) {
        const mib = limits.maxTotalBytes / 1024 / 1024
        result.stopped = `after ${mib >= 1 ? `${Math.round(mib)} MiB` : `${limits.maxTotalBytes} bytes`} read`
        return result
      }
      readOne(path, buffer, limits, result, visit)
    }
    for (const sub of subdirs.reverse()) stack.push(sub)
  }
  return result
}

function readOne(path: string, buffer: Buffer, limits: WalkLimits, result: WalkResult, visit: WalkVisitor): void {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    visit.skip(path, 'unreadable', (error as NodeJS.ErrnoException).code ?? 'error')
    return
  }
  try {
    // One byte past the bound tells a file that is longer than it.
    const want = limits.maxFileBytes + 1
    const sniff = Math.min(SNIFF_BYTES, want)
    let length = readFull(fd, buffer, 0, sniff)
    if (length === 0) {
      visit.skip(path, 'empty')
      return
    }
    if (isBinaryFileSync(buffer, Math.min(length, 1024))) {
      result.bytes += length
      visit.skip(path, 'binary')
      return
    }
    if (length === sniff) length += readFull(fd, buffer, length, want - length)
    const truncated = length > limits.maxFileBytes
    const kept = Math.min(length, limits.maxFileBytes)
    result.bytes += kept
    result.files++
    visit.file(path, buffer, kept, truncated)
  } catch (error) {
    visit.skip(path, 'unreadable', (error as NodeJS.ErrnoException).code ?? 'error')
  } finally {
    closeSync(fd)
  }
}

function readFull(fd: number, buffer: Buffer, offset: number, want: number): number {
  let read = 0
  while (read < want) {
    const n = readSync(fd, buffer, offset + read, want - read, null)
    if (n === 0) break
    read += n
  }
  return read
}
