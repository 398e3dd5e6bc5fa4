import {open} from 'node:fs/promises'

import {displayPath} from '../aws-config/paths.js'
import {debug} from '../ui/debug.js'
import {findKeys, type KeyHit} from './pairs.js'
import type {Draft, FindingKind, FixAction} from './types.js'
import {SCAN_LIMITS, walkTextFiles, type WalkLimits} from './walk.js'

export {findKeyPairs} from './pairs.js'

/** Files larger than this are read only this far: a scan must not load a 10 GB dump into memory. */
export const SCAN_MAX_BYTES = SCAN_LIMITS.maxFileBytes

/** The first `max` bytes of a file, and whether there was more. */
export async function readBounded(path: string, max: number): Promise<{text: string; truncated: boolean}> {
  const handle = await open(path, 'r')
  try {
    // Sized by the file, not by the bound (a bound of many MiB for a file of a few KiB would be zeroed memory for
    // nothing), and grown if the file grew since; one byte past `max` tells a file read in part.
    let buffer = Buffer.alloc(Math.min(max, (await handle.stat()).size) + 1)
    let read = 0
    for (;;) {
      const {bytesRead} = await handle.read(buffer, read, buffer.length - read, read)
      if (bytesRead === 0) break
      read += bytesRead
      if (read < buffer.length) continue
      if (buffer.length > max) break
      const grown = Buffer.alloc(Math.min(max + 1, buffer.length * 2))
      buffer.copy(grown, 0, 0, read)
      buffer = grown
    }
    return {text: buffer.subarray(0, Math.min(read, max)).toString('utf8'), truncated: read > max}
  } finally {
    await handle.close()
  }
}

/**
 * Drafts for what a file says about keys: each pair as `kind` (with `action`, what --fix may do to those lines),
 * each key id alone as `key-id`, each documented example as `example-key`.
 */
export function hitDrafts(
  hits: KeyHit[],
  where: {kind: FindingKind; path: string; shown: string; profileOf?: (line: number) => string | null; detail?: string},
  action?: (hit: KeyHit & {type: 'pair'}) => FixAction | undefined,
): Draft[] {
  return hits.map((hit): Draft => {
    const location = {file: where.shown, line: hit.line, profile: where.profileOf?.(hit.line) ?? null, variable: hit.variable}
    if (hit.type !== 'pair') {
      return {
        kind: hit.type === 'id' ? 'key-id' : 'example-key',
        location,
        key: {accessKeyId: hit.accessKeyId, secretAccessKey: ''},
        path: where.path,
        ...(where.detail ? {detail: where.detail} : {}),
      }
    }
    const fix = action?.(hit)
    return {
      kind: where.kind,
      location,
      key: hit.key,
      temporary: hit.key.accessKeyId.startsWith('ASIA') || Boolean(hit.key.sessionToken),
      path: where.path,
      ...(where.detail ? {detail: where.detail} : {}),
      ...(fix ? {action: fix} : {}),
    }
  })
}

/**
 * Walks DIR for keys in every text file (walk.ts: binaries told by content, dependency and VCS directories and
 * symbolic links skipped, bytes bounded). A file is searched only when it holds `AKIA` or `ASIA` at all: one
 * byte search, no decoding, for the thousands of files that do not. What was skipped and why is in --debug; an
 * unreadable entry, a file read in part and a walk stopped by its bound are findings.
 */
export function scanDirectory(root: string, env: NodeJS.ProcessEnv, limits: WalkLimits = SCAN_LIMITS): Draft[] {
  const drafts: Draft[] = []
  const skipped: Record<string, number> = {}
  const result = walkTextFiles(root, limits, {
    file(path, bytes, length, truncated) {
      if (truncated) {
        drafts.push({
          ...unreadable(path, `larger than ${limits.maxFileBytes / 1024 / 1024} MiB: only its start was scanned`, env),
          status: 'truncated',
        })
      }
      const view = bytes.subarray(0, length)
      if (view.indexOf('AKIA', 0, 'latin1') < 0 && view.indexOf('ASIA', 0, 'latin1') < 0) return
      const text = view.toString('utf8')
      drafts.push(...hitDrafts(findKeys(text), {kind: 'project-file-key', path, shown: displayPath(path, env)}))
    },
    skip(path, reason, detail) {
      skipped[reason] = (skipped[reason] ?? 0) + 1
      debug('audit', `scan skipped ${path}: ${reason}${detail ? ` (${detail})` : ''}`)
      if (reason === 'unreadable') drafts.push(unreadable(path, `cannot be read (${detail ?? 'error'}): not scanned`, env))
    },
  })
  debug('audit', `scan of ${root}: ${result.files} text files, ${result.bytes} bytes read`, {skipped})
  if (result.stopped) {
    drafts.push({
      ...unreadable(root, `the scan stopped ${result.stopped}: the rest was not scanned (scan its subdirectories one by one)`, env),
      status: 'truncated',
    })
  }
  return drafts
}

export function unreadable(path: string, detail: string, env: NodeJS.ProcessEnv): Draft {
  return {
    kind: 'unreadable',
    location: {file: displayPath(path, env), line: null, profile: null, variable: null},
    detail,
    severity: 'info',
    path,
  }
}
