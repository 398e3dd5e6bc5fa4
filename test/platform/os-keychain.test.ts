/**
 * The OS keychain of the machine the suite runs on, through keytar itself: the Secret Service here (scripts/
 * with-keychain.sh), the macOS Keychain and Windows Credential Manager on the hosted runners
 * (.github/workflows/ci.yml). What the Wine suite cannot prove: keytar's Windows binary against Credential Manager.
 */
import {randomBytes} from 'node:crypto'
import {createRequire} from 'node:module'

import {afterAll, describe, expect, it} from 'vitest'

import {MAX_ENTRY_BYTES, openKeychain} from '../../src/keychain/keychain.js'

const keytar = createRequire(import.meta.url)('keytar') as typeof import('keytar')
const service = `keyless-test-${randomBytes(6).toString('hex')}`
const store = openKeychain({service})

afterAll(async () => {
  for (const key of await store.keys()) await store.delete(key)
  expect(await keytar.findCredentials(service)).toEqual([])
})

describe(`the OS keychain on ${process.platform}`, () => {
  it('keeps a 10 KB value whole, in as few items as the platform needs (macOS: one; Windows: under 2,560 bytes each)', async () => {
    const value = randomBytes(7500).toString('base64')
    await store.set('session/acme/token', value)
    expect(await store.get('session/acme/token')).toBe(value)
    const items = await keytar.findCredentials(service)
    if (process.platform === 'darwin') expect(items).toHaveLength(1)
    else {
      expect(items).toHaveLength(Math.ceil(value.length / MAX_ENTRY_BYTES) + 1)
      for (const item of items) expect(Buffer.byteLength(item.password)).toBeLessThanOrEqual(2560)
    }
    expect(await store.keys()).toEqual(['session/acme/token'])
    expect(await store.delete('session/acme/token')).toBe(true)
    expect(await keytar.findCredentials(service)).toEqual([])
  })
})
