import {open, readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {displayPath} from '../aws-config/paths.js'
import {registerSecret} from '../ui/debug.js'
import type {Draft, FoundKey} from './types.js'

/** Files larger than this are read only this far: a scan must not load a 10 GB dump into memory. */
export const SCAN_MAX_BYTES = 1024 * 1024
/** A scan stops after this many directory entries (a home directory with a huge tree stays bounded). */
const SCAN_MAX_ENTRIES = 500_000
const SKIPPED_DIRS = new Set(['node_modules', '.git'])
const SHELL_NAMES = new Set(['.bashrc', '.bash_profile', '.bash_login', '.profile', '.zshrc', '.zshenv', '.zprofile', '.envrc', '.kshrc'])

/** `.env` files, Terraform variables and sources, shell scripts and start-up files. */
export function isScannedFile(name: string): boolean {
  return (
    name === '.env' ||
    name.startsWith('.env.') ||
    name.endsWith('.env') ||
    /\.(tfvars|tf|sh|bash|zsh|ksh)$/.test(name) ||
    name.endsWith('.tfvars.json') ||
    SHELL_NAMES.has(name)
  )
}

const KEY_ID = /(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])/
/** `NAME = value`, `NAME: value`, `export NAME=value`, `"NAME": "value"`: the name, then the value. */
const ASSIGNMENT = /["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?([^"'\s,;}]+)/g

interface PairLine {
  line: number
  name: string
  value: string
}

/**
 * Access key ids with a secret next to them (within a few lines, nearest first) in any text: assignments whose
 * name says `secret`, and `session_token`/`security_token` for temporary keys. A key id alone is no credential.
 */
export function findKeyPairs(text: string): Array<{line: number; variable: string | null; key: FoundKey}> {
  const lines = text.split(/\r\n|\n|\r/)
  const ids: PairLine[] = []
  const secrets: PairLine[] = []
  const tokens: PairLine[] = []
  for (const [i, line] of lines.entries()) {
    if (line.length > 10_000) continue
    for (const m of line.matchAll(ASSIGNMENT)) {
      const name = m[1] ?? ''
      const value = m[2] ?? ''
      if (KEY_ID.test(value) && KEY_ID.exec(value)?.[1] === value) ids.push({line: i + 1, name, value})
      else if (/secret/i.test(name) && value.length >= 16) secrets.push({line: i + 1, name, value})
      else if (/session_?token|security_?token/i.test(name) && value.length >= 16) tokens.push({line: i + 1, name, value})
    }
  }
  // Each secret belongs to one key id: the nearest pairs first (a key id and the secret on the next line).
  const candidates: Array<{id: PairLine; secret: PairLine; distance: number}> = []
  for (const id of ids)
    for (const secret of secrets)
      if (Math.abs(secret.line - id.line) <= 5) candidates.push({id, secret, distance: Math.abs(secret.line - id.line)})
  candidates.sort((a, b) => a.distance - b.distance || a.id.line - b.id.line)
  const paired = new Map<PairLine, PairLine>()
  const used = new Set<PairLine>()
  for (const c of candidates) {
    if (paired.has(c.id) || used.has(c.secret)) continue
    paired.set(c.id, c.secret)
    used.add(c.secret)
  }
  const out: Array<{line: number; variable: string | null; key: FoundKey}> = []
  for (const id of ids) {
    const secret = paired.get(id)
    if (!secret) continue
    const token = tokens
      .filter((t) => Math.abs(t.line - id.line) <= 5)
      .sort((a, b) => Math.abs(a.line - id.line) - Math.abs(b.line - id.line))[0]
    registerSecret(secret.value)
    registerSecret(token?.value)
    out.push({
      line: id.line,
      variable: id.name,
      key: {accessKeyId: id.value, secretAccessKey: secret.value, ...(token ? {sessionToken: token.value} : {})},
    })
  }
  return out
}

/** The first `max` bytes of a file, and whether there was more. */
export async function readBounded(path: string, max: number): Promise<{text: string; truncated: boolean}> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(max + 1)
    let read = 0
    while (read < buffer.length) {
      const {bytesRead} = await handle.read(buffer, read, buffer.length - read, read)
      if (bytesRead === 0) break
      read += bytesRead
    }
    return {text: buffer.subarray(0, Math.min(read, max)).toString('utf8'), truncated: read > max}
  } finally {
    await handle.close()
  }
}

/**
 * Walks DIR for key pairs in project files. Symbolic links are never followed (a link out of DIR is not DIR's,
 * and a link inside it points at something the walk reaches anyway); `node_modules` and `.git` are skipped;
 * each file is read up to SCAN_MAX_BYTES. An unreadable directory or file is one finding, not a failure.
 */
export async function scanDirectory(root: string, env: NodeJS.ProcessEnv): Promise<Draft[]> {
  const drafts: Draft[] = []
  const stack = [root]
  let entries = 0
  while (stack.length > 0 && entries < SCAN_MAX_ENTRIES) {
    const dir = stack.pop() as string
    let list
    try {
      list = await readdir(dir, {withFileTypes: true})
    } catch (error) {
      drafts.push(unreadable(dir, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): not scanned`, env))
      continue
    }
    list.sort((a, b) => (a.name < b.name ? 1 : -1))
    for (const entry of list) {
      entries++
      const path = join(dir, entry.name)
      if (entry.isSymbolicLink()) continue
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) stack.push(path)
        continue
      }
      if (!entry.isFile() || !isScannedFile(entry.name)) continue
      let read
      try {
        read = await readBounded(path, SCAN_MAX_BYTES)
      } catch (error) {
        drafts.push(unreadable(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): not scanned`, env))
        continue
      }
      if (read.truncated) {
        drafts.push({
          ...unreadable(path, `larger than ${SCAN_MAX_BYTES / 1024 / 1024} MiB: only its start was scanned`, env),
          status: 'truncated',
        })
      }
      for (const pair of findKeyPairs(read.text)) {
        drafts.push({
          kind: 'project-file-key',
          location: {file: displayPath(path, env), line: pair.line, profile: null, variable: pair.variable},
          key: pair.key,
          temporary: pair.key.accessKeyId.startsWith('ASIA') || Boolean(pair.key.sessionToken),
          path,
        })
      }
    }
  }
  return drafts
}

function unreadable(path: string, detail: string, env: NodeJS.ProcessEnv): Draft {
  return {
    kind: 'unreadable',
    location: {file: displayPath(path, env), line: null, profile: null, variable: null},
    detail,
    severity: 'info',
    path,
  }
}
