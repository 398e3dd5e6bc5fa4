import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync, existsSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {withLockFile} from '../../src/locks/file-lock.js'

// The cross-process lock under a herd (issue 28): stale means crashed, not slow; waiters are served from what the
// holder left once it lets go, instead of taking the lock one after another.

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyless-lock-'))
})
afterEach(() => {
  rmSync(dir, {recursive: true, force: true})
})

const ago = (ms: number) => new Date(Date.now() - ms)

describe('withLockFile', () => {
  it('leaves alone a lock whose holder is alive, however old its mtime (a holder stalled on a starved machine)', async () => {
    const lock = join(dir, 'session-acme.lock')
    let release!: () => void
    const held = withLockFile(lock, async () => {
      // The holder's event loop "stalled": its lock was not refreshed for 20 s, past staleMs.
      utimesSync(lock, ago(20_000), ago(20_000))
      await new Promise<void>((resolve) => (release = resolve))
      return 'holder'
    })
    await new Promise((r) => setTimeout(r, 50))
    let ran = false
    const waiter = withLockFile(
      lock,
      async () => {
        ran = true
        return 'waiter'
      },
      {waitMs: 1500, staleMs: 2000, what: 'session acme'},
    )
    // The holder named: a live one that is stuck is the user's to end (issue 28's bounded wait).
    await expect(waiter).rejects.toMatchObject({
      message: `gave up after 2 s waiting for another keyless process (pid ${process.pid}, session acme)`,
      fix: `try again; if it stays stuck, end it (kill ${process.pid}) and try again`,
    })
    expect(ran).toBe(false)
    release()
    expect(await held).toBe('holder')
  })

  it('takes over a lock whose holder has died (its note names a dead pid) or left no note, once its mtime is stale', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}).stdout
    for (const note of [(ino: number) => `${hostname()} ${dead} ${ino}\n`, () => undefined]) {
      const lock = join(dir, `role-${Math.random()}.lock`)
      mkdirSync(lock)
      const text = note(statSync(lock).ino)
      if (text) writeFileSync(`${lock}.owner`, text)
      utimesSync(lock, ago(20_000), ago(20_000))
      expect(await withLockFile(lock, async () => 'taken over', {waitMs: 5000, staleMs: 2000})).toBe('taken over')
      expect(existsSync(lock)).toBe(false)
      expect(existsSync(`${lock}.owner`)).toBe(false)
    }
  })

  it('serves the waiters from what the holder left once it lets go: the work runs once', async () => {
    const lock = join(dir, 'role-1-Admin.lock')
    let stored: string | undefined
    let runs = 0
    const work = async () => {
      runs++
      await new Promise((r) => setTimeout(r, 300))
      stored = 'fetched once'
      return stored
    }
    const first = withLockFile(lock, work, {afterRelease: async () => stored})
    await new Promise((r) => setTimeout(r, 50))
    const waiters = Array.from({length: 8}, () => withLockFile(lock, work, {afterRelease: async () => stored}))
    expect(await Promise.all([first, ...waiters])).toEqual(Array(9).fill('fetched once'))
    expect(runs).toBe(1)
  })

  it('a waiter finding nothing left behind takes the lock itself', async () => {
    const lock = join(dir, 'role-1-Read.lock')
    let runs = 0
    const work = async () => {
      runs++
      await new Promise((r) => setTimeout(r, 100))
      return `run ${runs}`
    }
    const results = await Promise.all([withLockFile(lock, work), withLockFile(lock, work, {afterRelease: async () => undefined})])
    expect(results.sort()).toEqual(['run 1', 'run 2'])
    expect(runs).toBe(2)
  })
})
