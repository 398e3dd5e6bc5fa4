import {describe, expect, it} from 'vitest'

import {MemoryStore} from '../helpers/memory-store.js'

import {toUserLine} from '../../src/errors.js'
import {KeychainTimeoutError, KeychainUnavailableError} from '../../src/keychain/errors.js'
import {refreshAccessToken} from '../../src/sso/access-token.js'
import {deviceAuthorizationLogin} from '../../src/sso/device-flow.js'
import {SessionStore} from '../../src/sso/session-store.js'
import type {SsoSession} from '../../src/sso/types.js'

// A keychain failure inside the SSO flows must reach the user as the keychain's own line (cause and fix),
// not as "AWS Identity Center call failed (KeychainUnavailableError: ...); run again with --debug".

const session: SsoSession = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access']}
const NOW = 1_700_000_000_000

/** A MemoryStore whose reads and/or writes fail the way an unreachable or hung keychain does. */
class FailingStore extends MemoryStore {
  constructor(private readonly fail: {read?: Error; write?: Error}) {
    super()
  }
  override async get(key: string) {
    if (this.fail.read) throw this.fail.read
    return super.get(key)
  }
  override async set(key: string, value: string) {
    if (this.fail.write) throw this.fail.write
    return super.set(key, value)
  }
}

const oidcClient = {
  destroy() {},
  async send(command: {constructor: {name: string}}) {
    const op = command.constructor.name.replace(/Command$/, '')
    if (op === 'RegisterClient') return {clientId: 'cid', clientSecret: 'csecret-123456789', clientSecretExpiresAt: NOW / 1000 + 90 * 86400}
    if (op === 'StartDeviceAuthorization') {
      return {
        deviceCode: 'dc-123456789',
        userCode: 'ABCD-EFGH',
        verificationUri: 'https://device',
        verificationUriComplete: 'https://device?user_code=ABCD-EFGH',
        interval: 1,
        expiresIn: 600,
      }
    }
    return {accessToken: 'at-new-123456789', refreshToken: 'rt-new-123456789', expiresIn: 28800}
  },
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

describe('keychain failures inside the SSO flows', () => {
  it('device flow: an unreachable keychain is reported as itself, with its fix', async () => {
    const unreachable = new KeychainUnavailableError('no Secret Service keychain is reachable on D-Bus (x)', 'start a keyring')
    const store = new SessionStore(new FailingStore({read: unreachable}))
    const error = await failure(
      deviceAuthorizationLogin(session, {
        store,
        oidc: async () => oidcClient as never,
        now: () => NOW,
        sleep: async () => {},
        present: () => {},
      }),
    )
    expect(toUserLine(error)).toBe('keyless: no Secret Service keychain is reachable on D-Bus (x); start a keyring')
  })

  it('device flow: a keychain that hangs while storing the approved token is reported as itself', async () => {
    const hung = new KeychainTimeoutError('the OS keychain did not answer within 5 s (write)', 'unlock your keyring')
    const store = new SessionStore(new FailingStore({write: hung}))
    const error = await failure(
      deviceAuthorizationLogin(session, {
        store,
        oidc: async () => oidcClient as never,
        now: () => NOW,
        sleep: async () => {},
        present: () => {},
      }),
    )
    expect(toUserLine(error)).toBe('keyless: the OS keychain did not answer within 5 s (write); unlock your keyring')
  })

  it('refresh: a keychain that fails while storing the refreshed token is reported as itself', async () => {
    const memory = new FailingStore({})
    const store = new SessionStore(memory)
    await store.writeRegistration('acme', {
      clientId: 'cid',
      clientSecret: 'csecret-123456789',
      expiresAt: new Date(NOW + 86400_000).toISOString(),
      region: 'us-east-1',
      scopes: ['sso:account:access'],
    })
    const token = {
      accessToken: 'at-old-123456789',
      refreshToken: 'rt-old-123456789',
      expiresAt: new Date(NOW + 60_000).toISOString(),
      startUrl: session.startUrl,
      region: session.region,
    }
    await store.writeToken('acme', token)
    ;(memory as unknown as {fail: {write?: Error}}).fail.write = new KeychainUnavailableError(
      'the OS keychain refused access (locked)',
      'unlock your keyring',
    )
    const error = await failure(refreshAccessToken(session, token, {store, now: () => NOW, oidc: async () => oidcClient as never}))
    expect(toUserLine(error)).toBe('keyless: the OS keychain refused access (locked); unlock your keyring')
  })
})
