import {createHash, randomBytes} from 'node:crypto'
import {constants, realpathSync} from 'node:fs'
import {access, mkdir, open, readdir, readFile, realpath, stat, unlink} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'

import {withLockFile} from '../locks/file-lock.js'
import {processAlive} from '../locks/lock-state.js'
import {FileBusyError, renameRetrying} from '../platform/rename.js'
import {LOCK_STALE_MS, LOCK_WAIT_MS, RENAME_RETRY_MS} from '../timing.js'
import {ConfigLockTimeoutError, ConfigReadError, ConfigWriteError} from './errors.js'
import {displayPath, ensureCacheDir} from './paths.js'

type Env = Record<string, string | undefined>

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code

/** The backup `writeFileAtomic` keeps: `config.keyless.bak` next to `config`. */
export function backupPath(path: string): string {
  return join(dirname(path), `${basename(path)}.keyless.bak`)
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined
    throw error
  }
}

/** Writes `data` to a fresh temp file in `dir` with `mode`, fsyncs it and renames it onto `target`. */
async function replaceFile(target: string, data: Buffer, mode: number, owner?: {uid: number; gid: number}): Promise<void> {
  const dir = dirname(target)
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
  try {
    try {
      await handle.writeFile(data)
      // open() applies the umask: set the exact mode the file had.
      await handle.chmod(mode)
      // Run as root (sudo) on someone's file: the new file keeps that someone as its owner.
      if (owner && process.getuid?.() === 0) await handle.chown(owner.uid, owner.gid)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameRetrying(temp, target)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
  await syncDir(dir)
}

/** Temp files of writers that were killed mid-write (their process is gone): never renamed, safe to delete. */
async function removeOrphanTemps(...targets: string[]): Promise<void> {
  for (const target of targets) {
    const prefix = `.${basename(target)}.`
    let names: string[] = []
    try {
      names = await readdir(dirname(target))
    } catch {
      return
    }
    for (const name of names) {
      const m = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length)) : null
      if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue
      await unlink(join(dirname(target), name)).catch(() => {})
    }
  }
}

/** fsync a directory so the rename itself survives a power cut. Not possible on Windows: skipped there. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  const handle = await open(dir, constants.O_RDONLY)
  try {
    await handle.sync()
  } catch (error) {
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes(errno(error) ?? '')) throw error
  } finally {
    await handle.close()
  }
}

/**
 * Replaces a file's content atomically: readers (and a crash at any moment) see the old bytes or the new ones,
 * never a mix. If the file already holds exactly `text`, nothing is written (not even the backup) and the
 * result is false. Otherwise: the current file is first copied (atomically too) to `NAME.keyless.bak` when
 * `backup`; the new text goes to a temp file in the same directory with the current file's mode (0600 for a
 * new file; a missing directory such as `~/.aws` is created 0700), is fsynced, renamed over, and the directory
 * fsynced. A symlinked config file (dotfile managers) is written through: the link stays a link.
 */
export async function writeFileAtomic(path: string, text: string, options: {backup: boolean}): Promise<boolean> {
  const data = Buffer.from(text, 'utf8')
  let target = path
  try {
    target = await realpath(path)
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw writeError(path, error)
  }
  try {
    const current = await readIfExists(target)
    if (current?.equals(data)) return false
    let mode = 0o600
    let owner: {uid: number; gid: number} | undefined
    if (current) {
      const st = await stat(target)
      mode = st.mode & 0o7777
      owner = {uid: st.uid, gid: st.gid}
      await refuseReadOnly(path, target, st)
    } else {
      await mkdir(dirname(target), {recursive: true, mode: 0o700})
    }
    if (current && options.backup) await replaceFile(backupPath(path), current, mode, owner)
    await replaceFile(target, data, mode, owner)
    await removeOrphanTemps(target, backupPath(path))
    return true
  } catch (error) {
    if (error instanceof ConfigWriteError) throw error
    throw writeError(path, error)
  }
}

/**
 * A file the user made read-only (chmod 444), or one another user owns and this one may not write (configuration
 * management), is not keyless's to replace, even though renaming over it in a writable directory would work.
 * Root may write anything: for root, a file with no write bit at all counts as read-only.
 */
async function refuseReadOnly(path: string, target: string, st: {mode: number; uid: number}): Promise<void> {
  const writable = await access(target, constants.W_OK).then(
    () => true,
    () => false,
  )
  if (writable && (st.mode & 0o222) !== 0) return
  const shown = displayPath(path)
  const mode = `mode 0${(st.mode & 0o777).toString(8)}`
  const ours = st.uid === process.getuid?.()
  const what = 'keyless does not replace a file made read-only, nothing was written'
  throw ours || process.getuid?.() === 0
    ? new ConfigWriteError(`${shown} is read-only (${mode}): ${what}`, `to let keyless edit it, run: chmod u+w ${shown}`)
    : new ConfigWriteError(
        `${shown} is read-only for you (owner uid ${st.uid}, ${mode}): ${what}`,
        'change it where it is managed, or set AWS_CONFIG_FILE to a file of your own',
      )
}

/** The one-line error for a failed write of `path` (exported for its unit test). */
export function writeError(path: string, error: unknown): ConfigWriteError {
  const shown = displayPath(path)
  const code = errno(error)
  if (error instanceof FileBusyError) {
    return new ConfigWriteError(
      `cannot write ${shown}: another program kept it open for ${RENAME_RETRY_MS / 1000} s (antivirus, the search indexer, an editor; it is unchanged)`,
      'close the program that has it open, or wait a moment, and run the command again',
    )
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ConfigWriteError(`cannot write ${shown}: permission denied (it is unchanged)`, `check the permissions of ${dirname(shown)}`)
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ConfigWriteError(`cannot write ${shown}: the disk is full (it is unchanged)`, 'free some space and run the command again')
  }
  if (code === 'EROFS') {
    return new ConfigWriteError(`cannot write ${shown}: read-only file system (it is unchanged)`, 'set AWS_CONFIG_FILE to a writable path')
  }
  const message = error instanceof Error ? error.message : String(error)
  return new ConfigWriteError(`cannot write ${shown}: ${message} (it is unchanged)`, 'fix the cause and run the command again')
}

/**
 * The config file's text: '' when it does not exist. Clear errors for a directory, a file we may not read
 * and bytes that are not UTF-8 (with the line of the first bad byte). A BOM is kept in the returned text.
 */
export async function readConfigText(path: string): Promise<string> {
  const shown = displayPath(path)
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    const code = errno(error)
    if (code === 'ENOENT') return ''
    if (code === 'EISDIR') {
      throw new ConfigReadError(`${shown} is a directory, not a file`, `move it away, or set AWS_CONFIG_FILE to the config file`)
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new ConfigReadError(`cannot read ${shown}: permission denied`, `run: chmod u+rw ${path}`)
    }
    const message = error instanceof Error ? error.message : String(error)
    throw new ConfigReadError(`cannot read ${shown}: ${message}`, 'fix the cause and run the command again')
  }
  try {
    return new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(bytes)
  } catch {
    const line = firstInvalidUtf8Line(bytes)
    throw new ConfigReadError(
      `${shown} line ${line}: not UTF-8 text (binary data, or another encoding)`,
      `re-save ${shown} as UTF-8, then run the command again`,
    )
  }
}

/** 1-based line of the first byte sequence that is not valid UTF-8. */
function firstInvalidUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', {fatal: true})
  let line = 1
  let start = 0
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i))
      } catch {
        return line
      }
      line++
      start = i + 1
    }
  }
  return line
}

/** Where the lock for a given file lives: the cache dir, named after a hash of the file's absolute path. */
export function lockPathFor(path: string, env: Env = process.env): string {
  // The real path: a config reached through a symlink and through its target is one file, so one lock.
  const real = realPathOrResolved(path)
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 16)
  return join(ensureCacheDir(env), `${basename(real).replace(/[^\w.-]/g, '_')}-${hash}.lock`)
}

function realPathOrResolved(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path) // not there yet: the first write creates it
  }
}

/**
 * Runs `fn` holding a cross-process lock on `path` (proper-lockfile: an atomic mkdir in the cache dir whose
 * mtime the holder keeps fresh). Do the whole read-modify-write inside, so two `profiles sync` / `configure`
 * runs serialise instead of losing each other's edits. A holder that crashed stops refreshing the lock and it
 * is taken over after `staleMs`; a live holder is waited for at most `waitMs`, then ConfigLockTimeoutError.
 */
export async function withConfigFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: {env?: Env; waitMs?: number; staleMs?: number} = {},
): Promise<T> {
  const env = options.env ?? process.env
  return withLockFile(lockPathFor(path, env), fn, {
    waitMs: options.waitMs ?? LOCK_WAIT_MS,
    staleMs: options.staleMs ?? LOCK_STALE_MS,
    onTimeout: (lockPath, waitMs) =>
      new ConfigLockTimeoutError(
        `another keyless process has been editing ${displayPath(path, env)} for over ${Math.round(waitMs / 1000)} s`,
        `wait for it to finish; if no keyless is running, remove ${lockPath}`,
      ),
  })
}
