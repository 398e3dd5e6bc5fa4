import {chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {SessionStore} from '../../src/sso/session-store.js'
import {SignInMarker} from '../../src/sso/sign-in-marker.js'
import type {SessionToken} from '../../src/sso/types.js'
import {MemoryStore} from '../helpers/memory-store.js'

// The sign-in marker (src/sso/sign-in-marker.ts): credential-process's cache hit reads the current sign-in from
// it instead of the token. Its one rule: it never names another sign-in than the stored token's.

let home: string
let env: NodeJS.ProcessEnv
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'keyless-marker-'))
  env = {HOME: home, XDG_CACHE_HOME: join(home, '.cache')}
})
afterEach(() => rmSync(home, {recursive: true, force: true}))

const token = (signInId: string): SessionToken => ({
  accessToken: 'at',
  expiresAt: '2030-01-01T00:00:00.000Z',
  startUrl: 'https://acme.awsapps.com/start',
  region: 'us-east-1',
  signInId,
})

/** A MemoryStore whose next token write fails (a keychain that hung up half-way through a login). */
class FailingTokenWrite extends MemoryStore {
  failNext = false
  override async set(key: string, value: string) {
    if (this.failNext && key.endsWith('/token')) throw new Error('keychain write failed')
    return super.set(key, value)
  }
}

describe('the sign-in marker', () => {
  it('is written with the token, 0600 in a 0700 directory, and names only the sign-in id', async () => {
    const store = new SessionStore(new MemoryStore(), new SignInMarker(env, 'keyless'))
    expect(store.readSignIn('acme')).toBeUndefined()
    await store.writeToken('acme', token('sign-in-1'))
    expect(store.readSignIn('acme')).toBe('sign-in-1')
    const dir = join(home, '.cache', 'keyless', 'sign-in')
    expect(readdirSync(dir)).toEqual(['keyless.acme'])
    expect(readFileSync(join(dir, 'keyless.acme'), 'utf8')).toBe('sign-in-1\n')
    expect(statSync(join(dir, 'keyless.acme')).mode & 0o777).toBe(0o600)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    // A refresh keeps the sign-in: the marker stays.
    await store.writeToken('acme', {...token('sign-in-1'), accessToken: 'at2'})
    expect(store.readSignIn('acme')).toBe('sign-in-1')
  })

  it('a new sign-in whose token write fails leaves no marker, never the old one', async () => {
    const secrets = new FailingTokenWrite()
    const store = new SessionStore(secrets, new SignInMarker(env, 'keyless'))
    await store.writeToken('acme', token('sign-in-1'))
    secrets.failNext = true
    await expect(store.writeToken('acme', token('sign-in-2'))).rejects.toThrow('keychain write failed')
    expect(store.readSignIn('acme')).toBeUndefined()
    secrets.failNext = false
    await store.writeToken('acme', token('sign-in-2'))
    expect(store.readSignIn('acme')).toBe('sign-in-2')
  })

  it('sessions and keychain services do not share markers; odd names stay inside the directory', async () => {
    const a = new SessionStore(new MemoryStore(), new SignInMarker(env, 'keyless'))
    const b = new SessionStore(new MemoryStore(), new SignInMarker(env, 'keyless-test'))
    await a.writeToken('../acme', token('a'))
    await b.writeToken('../acme', token('b'))
    expect(a.readSignIn('../acme')).toBe('a')
    expect(b.readSignIn('../acme')).toBe('b')
    expect(a.readSignIn('acme')).toBeUndefined()
    expect(readdirSync(join(home, '.cache', 'keyless', 'sign-in')).sort()).toEqual(['keyless-test.%2E%2E%2Facme', 'keyless.%2E%2E%2Facme'])
  })

  it('is not read from a cache directory other users can write to', async () => {
    const store = new SessionStore(new MemoryStore(), new SignInMarker(env, 'keyless'))
    await store.writeToken('acme', token('sign-in-1'))
    chmodSync(join(home, '.cache', 'keyless', 'sign-in'), 0o777)
    expect(store.readSignIn('acme')).toBeUndefined()
    chmodSync(join(home, '.cache', 'keyless', 'sign-in'), 0o700)
    chmodSync(join(home, '.cache', 'keyless'), 0o775)
    expect(store.readSignIn('acme')).toBeUndefined()
    chmodSync(join(home, '.cache', 'keyless'), 0o700)
    expect(store.readSignIn('acme')).toBe('sign-in-1')
  })

  it('a store without a marker (tests of pure logic) reads none', async () => {
    const store = new SessionStore(new MemoryStore())
    await store.writeToken('acme', token('sign-in-1'))
    expect(store.readSignIn('acme')).toBeUndefined()
  })
})
