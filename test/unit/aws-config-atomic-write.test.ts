import {spawn} from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {backupPath, lockPathFor, readConfigText, withConfigFileLock, writeFileAtomic} from '../../src/aws-config/atomic-write.js'
import {ConfigLockTimeoutError, ConfigReadError} from '../../src/aws-config/errors.js'
import {cacheDir, configFilePath, credentialsFilePath, displayPath, ensureCacheDir} from '../../src/aws-config/paths.js'
import {ROOT} from '../helpers/cli.js'

let home: string
let env: Record<string, string>
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'keyless-atomic-'))
  env = {HOME: home, XDG_CACHE_HOME: join(home, '.cache')}
})
afterEach(() => rmSync(home, {recursive: true, force: true}))

const mode = (p: string): number => statSync(p).mode & 0o777

describe('paths', () => {
  it('config and credentials files: env var (with ~) or ~/.aws', () => {
    expect(configFilePath({HOME: '/h'})).toBe('/h/.aws/config')
    expect(configFilePath({HOME: '/h', AWS_CONFIG_FILE: '~/x/config'})).toBe('/h/x/config')
    expect(configFilePath({HOME: '/h', AWS_CONFIG_FILE: '/etc/aws'})).toBe('/etc/aws')
    expect(credentialsFilePath({HOME: '/h'})).toBe('/h/.aws/credentials')
    expect(credentialsFilePath({HOME: '/h', AWS_SHARED_CREDENTIALS_FILE: '~/c'})).toBe('/h/c')
    expect(displayPath('/h/.aws/config', {HOME: '/h'})).toBe('~/.aws/config')
    expect(displayPath('/hx/config', {HOME: '/h'})).toBe('/hx/config')
  })

  it('cache dir: $XDG_CACHE_HOME/keyless (absolute only) or ~/.cache/keyless', () => {
    expect(cacheDir({HOME: '/h', XDG_CACHE_HOME: '/c'})).toBe('/c/keyless')
    expect(cacheDir({HOME: '/h', XDG_CACHE_HOME: 'relative'})).toBe('/h/.cache/keyless')
    expect(cacheDir({HOME: '/h'})).toBe('/h/.cache/keyless')
  })

  it('ensureCacheDir creates it 0700 and fixes a looser mode', () => {
    const dir = ensureCacheDir(env)
    expect(dir).toBe(join(home, '.cache', 'keyless'))
    expect(mode(dir)).toBe(0o700)
    chmodSync(dir, 0o755)
    ensureCacheDir(env)
    expect(mode(dir)).toBe(0o700)
  })
})

describe('writeFileAtomic', () => {
  it('creates a new file 0600 and a missing ~/.aws 0700, without a backup', async () => {
    const file = join(home, '.aws', 'config')
    expect(await writeFileAtomic(file, '[default]\n', {backup: true})).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe('[default]\n')
    expect(mode(file)).toBe(0o600)
    expect(mode(join(home, '.aws'))).toBe(0o700)
    expect(existsSync(backupPath(file))).toBe(false)
    expect(readdirSync(join(home, '.aws'))).toEqual(['config'])
  })

  it("keeps the file's mode and backs up the old bytes to config.keyless.bak", async () => {
    const file = join(home, 'config')
    writeFileSync(file, 'old ☕\r\n')
    chmodSync(file, 0o640)
    expect(await writeFileAtomic(file, 'new\n', {backup: true})).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe('new\n')
    expect(mode(file)).toBe(0o640)
    expect(backupPath(file)).toBe(join(home, 'config.keyless.bak'))
    expect(readFileSync(join(home, 'config.keyless.bak'), 'utf8')).toBe('old ☕\r\n')
    expect(readdirSync(home).sort()).toEqual(['config', 'config.keyless.bak'])
  })

  it('writes nothing at all when the bytes are the same: same inode, same mtime, no backup', async () => {
    const file = join(home, 'config')
    writeFileSync(file, '[default]\nregion = x\n')
    const past = new Date(Date.now() - 3600_000)
    utimesSync(file, past, past)
    const before = statSync(file)
    expect(await writeFileAtomic(file, '[default]\nregion = x\n', {backup: true})).toBe(false)
    const after = statSync(file)
    expect(after.ino).toBe(before.ino)
    expect(after.mtimeMs).toBe(before.mtimeMs)
    expect(existsSync(backupPath(file))).toBe(false)
  })

  it('without backup: no backup file', async () => {
    const file = join(home, 'config')
    writeFileSync(file, 'a')
    await writeFileAtomic(file, 'b', {backup: false})
    expect(readdirSync(home)).toEqual(['config'])
  })

  it('writes through a symlinked config file: the link stays a link', async () => {
    const real = join(home, 'dotfiles-config')
    const link = join(home, 'config')
    writeFileSync(real, 'old\n')
    symlinkSync(real, link)
    await writeFileAtomic(link, 'new\n', {backup: true})
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(real, 'utf8')).toBe('new\n')
    expect(readFileSync(join(home, 'config.keyless.bak'), 'utf8')).toBe('old\n')
  })
})

describe('readConfigText', () => {
  it("returns '' for a missing file and keeps a BOM", async () => {
    expect(await readConfigText(join(home, 'nope'))).toBe('')
    writeFileSync(join(home, 'bom'), '\ufeff[default]\n')
    expect(await readConfigText(join(home, 'bom'))).toBe('\ufeff[default]\n')
  })

  it('a directory is a clear error', async () => {
    mkdirSync(join(home, 'dir'))
    await expect(readConfigText(join(home, 'dir'))).rejects.toThrow(ConfigReadError)
    await expect(readConfigText(join(home, 'dir'))).rejects.toThrow(/is a directory, not a file/)
  })

  it('invalid UTF-8 names the line', async () => {
    writeFileSync(join(home, 'latin1'), Buffer.concat([Buffer.from('[default]\n# ok\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]))
    await expect(readConfigText(join(home, 'latin1'))).rejects.toThrow(/line 3: not UTF-8 text/)
  })

  it.skipIf(process.getuid?.() === 0)('an unreadable file is a clear error', async () => {
    const file = join(home, 'locked')
    writeFileSync(file, '[default]\n')
    chmodSync(file, 0o000)
    await expect(readConfigText(file)).rejects.toThrow(/permission denied/)
  })
})

describe('withConfigFileLock', () => {
  it('serialises read-modify-write cycles in one process', async () => {
    const file = join(home, 'counter')
    writeFileSync(file, '0')
    const bump = (): Promise<void> =>
      withConfigFileLock(
        file,
        async () => {
          const n = Number(readFileSync(file, 'utf8'))
          await new Promise((r) => setTimeout(r, 5))
          writeFileSync(file, String(n + 1))
        },
        {env},
      )
    await Promise.all(Array.from({length: 8}, bump))
    expect(readFileSync(file, 'utf8')).toBe('8')
    expect(lockPathFor(file, env).startsWith(join(home, '.cache', 'keyless'))).toBe(true)
  })

  /** Takes the lock on `file` and resolves once it is held (not merely requested). */
  async function holdLock(file: string) {
    let release!: () => void
    let acquired!: () => void
    const held = new Promise<void>((r) => (acquired = r))
    const holder = withConfigFileLock(file, () => new Promise<void>((r) => ((release = r), acquired())), {env})
    await held
    return {holder, release}
  }

  it('a config reached through a symlink and through its target share one lock', async () => {
    const file = join(home, 'real-config')
    writeFileSync(file, '')
    const link = join(home, 'linked-config')
    symlinkSync(file, link)
    expect(lockPathFor(link, env)).toBe(lockPathFor(file, env))
    const {holder, release} = await holdLock(file)
    const error = await withConfigFileLock(link, async () => 'never', {env, waitMs: 200}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigLockTimeoutError)
    release()
    await holder
  })

  it('gives up after the wait bound with a clear error', async () => {
    const file = join(home, 'config')
    const {holder, release} = await holdLock(file)
    const error = await withConfigFileLock(file, async () => 'never', {env, waitMs: 200}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigLockTimeoutError)
    expect((error as Error).message).toMatch(/another keyless process has been editing .*config for over 0 s/)
    release()
    await holder
    expect(await withConfigFileLock(file, async () => 'free again', {env, waitMs: 200})).toBe('free again')
  })

  it('takes over a stale lock left by a crashed process', async () => {
    const file = join(home, 'config')
    const lock = lockPathFor(file, env)
    mkdirSync(lock)
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)
    expect(await withConfigFileLock(file, async () => 'got it', {env, waitMs: 500})).toBe('got it')
  })

  it('serialises separate processes', async () => {
    const file = join(home, 'counter')
    writeFileSync(file, '0')
    const script = `
      import {readFileSync, writeFileSync} from 'node:fs'
      import {withConfigFileLock} from ${JSON.stringify(join(ROOT, 'src/aws-config/atomic-write.ts'))}
      const file = process.env.COUNTER_FILE
      for (let i = 0; i < 10; i++) {
        await withConfigFileLock(file, async () => {
          const n = Number(readFileSync(file, 'utf8'))
          await new Promise((r) => setTimeout(r, 2))
          writeFileSync(file, String(n + 1))
        })
      }
    `
    const run = (): Promise<number | null> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: ROOT,
          env: {...process.env, ...env, COUNTER_FILE: file},
          stdio: ['ignore', 'inherit', 'inherit'],
        })
        child.on('error', reject)
        child.on('exit', resolve)
      })
    expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0])
    expect(readFileSync(file, 'utf8')).toBe('30')
  })
})

describe.skipIf(process.getuid?.() !== 0)('writeFileAtomic as root', () => {
  it("keeps the owner of someone else's file", async () => {
    const {chownSync} = await import('node:fs')
    const file = join(home, 'config')
    writeFileSync(file, 'old\n')
    chownSync(file, 4321, 4322)
    await writeFileAtomic(file, 'new\n', {backup: true})
    expect([statSync(file).uid, statSync(file).gid]).toEqual([4321, 4322])
    expect(statSync(join(home, 'config.keyless.bak')).uid).toBe(4321)
  })
})
