import {describe, expect, it} from 'vitest'

import {MemoryStore} from '../helpers/memory-store.js'

import {deviceAuthorizationLogin, type DevicePrompt} from '../../src/sso/device-flow.js'
import {SessionStore} from '../../src/sso/session-store.js'
import type {SsoSession} from '../../src/sso/types.js'

// Pure logic of the poller, with a fake clock and a scripted OIDC client: runs in milliseconds.
// The same flow against the emulator and the real keychain is in test/e2e/login.test.ts.

const session: SsoSession = {name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access']}

function sdkError(name: string) {
  return Object.assign(new Error(name), {name})
}

function harness(tokenReplies: Array<string | 'ok'>, options: {interval?: number; expiresIn?: number} = {}) {
  let clock = 1_700_000_000_000
  const sleeps: number[] = []
  const calls: string[] = []
  const client = {
    destroy() {},
    async send(command: {constructor: {name: string}}) {
      const op = command.constructor.name.replace(/Command$/, '')
      calls.push(op)
      if (op === 'RegisterClient')
        return {clientId: 'cid', clientSecret: 'csecret-123456789', clientSecretExpiresAt: clock / 1000 + 90 * 86400}
      if (op === 'StartDeviceAuthorization') {
        return {
          deviceCode: 'dc-123456789',
          userCode: 'ABCD-EFGH',
          verificationUri: 'https://device',
          verificationUriComplete: 'https://device?user_code=ABCD-EFGH',
          interval: options.interval ?? 1,
          expiresIn: options.expiresIn ?? 600,
        }
      }
      const reply = tokenReplies.shift()
      if (reply === 'ok' || reply === undefined)
        return {accessToken: 'at-123456789', refreshToken: 'rt-123456789', expiresIn: 28800, tokenType: 'Bearer'}
      throw sdkError(reply)
    },
  }
  const memory = new MemoryStore()
  const prompts: DevicePrompt[] = []
  const deps = {
    store: new SessionStore(memory),
    oidc: async () => client as never,
    now: () => clock,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      clock += ms
    },
    present: (p: DevicePrompt) => void prompts.push(p),
  }
  return {deps, sleeps, calls, memory, prompts}
}

describe('device-authorization poller', () => {
  it('polls at the server interval until approved and stores registration and token', async () => {
    const h = harness(['AuthorizationPendingException', 'AuthorizationPendingException', 'ok'])
    const token = await deviceAuthorizationLogin(session, h.deps)
    expect(h.sleeps).toEqual([1000, 1000, 1000])
    expect(h.prompts[0]?.userCode).toBe('ABCD-EFGH')
    expect(token.refreshToken).toBe('rt-123456789')
    expect([...h.memory.entries.keys()].sort()).toEqual(['session/acme/registration', 'session/acme/token'])
  })

  it('adds 5 seconds to the interval on each slow_down', async () => {
    const h = harness(['SlowDownException', 'AuthorizationPendingException', 'SlowDownException', 'ok'], {interval: 2})
    await deviceAuthorizationLogin(session, h.deps)
    expect(h.sleeps).toEqual([2000, 7000, 7000, 12000])
  })

  it('stops at expiresIn without polling past it, storing nothing', async () => {
    const h = harness(Array(100).fill('AuthorizationPendingException'), {interval: 5, expiresIn: 30})
    await expect(deviceAuthorizationLogin(session, h.deps)).rejects.toThrow(/expired before it was approved/)
    expect(h.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000)
    expect(h.memory.entries.size).toBe(0)
  })

  it('reports a denial in one line and stores nothing', async () => {
    const h = harness(['AuthorizationPendingException', 'AccessDeniedException'])
    await expect(deviceAuthorizationLogin(session, h.deps)).rejects.toThrow(/denied in the browser/)
    expect(h.memory.entries.size).toBe(0)
  })

  it('reuses a stored registration and registers anew when Identity Center rejects it', async () => {
    const h = harness(['ok'])
    await h.deps.store.writeRegistration('acme', {
      clientId: 'old',
      clientSecret: 'old-secret-1234',
      expiresAt: new Date(Date.now() + 86400e3 * 30).toISOString(),
      region: 'us-east-1',
      scopes: ['sso:account:access'],
    })
    let rejected = false
    const client = await h.deps.oidc()
    const send = (client as {send: (c: {constructor: {name: string}; input: {clientId?: string}}) => Promise<unknown>}).send
    ;(client as {send: unknown}).send = async (command: {constructor: {name: string}; input: {clientId?: string}}) => {
      if (command.constructor.name === 'StartDeviceAuthorizationCommand' && command.input.clientId === 'old') {
        rejected = true
        throw sdkError('InvalidClientException')
      }
      return send(command)
    }
    await deviceAuthorizationLogin(session, h.deps)
    expect(rejected).toBe(true)
    expect(h.calls.filter((c) => c === 'RegisterClient')).toHaveLength(1)
    expect(JSON.parse(h.memory.entries.get('session/acme/registration')!).clientId).toBe('cid')
  })
})
