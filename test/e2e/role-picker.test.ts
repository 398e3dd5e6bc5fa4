import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'

import {writeAccountsCache} from '../../src/accounts/cache.js'
import {KEYLESS_BIN} from '../helpers/cli.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

// The role picker of exec/env/console, driven in a real pseudo-terminal (`script`), as a person uses it.

/** Runs `keyless <args>` in a pty; each time the screen matches the next pattern, types its keys. */
function inPty(
  env: NodeJS.ProcessEnv,
  args: string,
  steps: Array<[RegExp, string]>,
): Promise<{code: number | null; screen: string; left: number}> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', `${process.execPath} ${KEYLESS_BIN} ${args}`, '/dev/null'], {env: {...env, TERM: 'xterm'}})
    let screen = ''
    let pending = ''
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString()
      // eslint-disable-next-line no-control-regex
      pending += d.toString().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
      const next = steps[0]
      if (next && next[0].test(pending)) {
        steps.shift()
        pending = ''
        setTimeout(() => child.stdin.write(next[1]), 150)
      }
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, screen, left: steps.length})
    })
  })
}

describe('role picker', () => {
  const signedIn = useSignedInEmulator()

  it('type to filter, Enter picks: exec runs as the picked role', async () => {
    const r = await inPty(signedIn.env, `exec -- ${process.execPath} -e "console.log('ROLE=' + process.env.KEYLESS_ROLE)"`, [
      [/type to filter/, 'stag power'],
      // The filtered list has been drawn: the term, then the one matching role and nothing else.
      [/stag power\r?\n\S+ staging +222222222222 +PowerUserAccess\r?\n\r?\n/, '\r'],
    ])
    expect(r.left).toBe(0)
    expect(r.code).toBe(0)
    expect(r.screen).toContain('ROLE=staging.PowerUserAccess')
  })

  it('Ctrl-C and Esc leave with exit 130 and run nothing', async () => {
    for (const key of ['\u0003', '\u001b']) {
      const r = await inPty(signedIn.env, `exec -- ${process.execPath} -e "console.log('RAN')"`, [[/type to filter/, key]])
      expect(r.code).toBe(130)
      expect(r.screen).not.toContain('RAN')
    }
  })
})

describe('role picker over 1,000 accounts x 3 roles', () => {
  const big = useSignedInEmulator({accounts: 1000, rolesPerAccount: 3})

  it('filters the cached listing as you type and picks', async () => {
    // The listing as `keyless accounts` caches it (written directly: this test is about the picker, not the listing).
    const fixture = await big.emulator.fixture()
    const session = {name: 'acme', startUrl: fixture.startUrl, region: fixture.region, scopes: ['sso:account:access']}
    await writeAccountsCache(session, fixture.accounts, new Date(), big.env)
    const r = await inPty(big.env, `exec -- ${process.execPath} -e "console.log('ROLE=' + process.env.KEYLESS_ROLE)"`, [
      [/Role \(3000 in session acme; type to filter\)/, 'count-0999 readonly'],
      [/count-0999 readonly\r?\n\S+ account-0999 +100000000999 +ReadOnlyAccess\r?\n\r?\n/, '\r'],
    ])
    expect(r.left).toBe(0)
    expect(r.code).toBe(0)
    expect(r.screen).toContain('ROLE=account-0999.ReadOnlyAccess')
  })
})

describe('an expired session on a terminal', () => {
  const expired = useSignedInEmulator({autoApprove: true})

  it('exec signs in first (device flow, approved by the emulator), then runs the command', async () => {
    await expired.emulator.revokeAll()
    const before = (await expired.emulator.stats()).operations
    const r = await new Promise<{code: number | null; screen: string}>((resolve) => {
      const command = `${process.execPath} ${KEYLESS_BIN} exec --account 111111111111 --role ReadOnlyAccess -- ${process.execPath} -e "console.log('RAN')"`
      const child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...expired.env, TERM: 'dumb', BROWSER: '/bin/true'}})
      let screen = ''
      child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
      child.on('close', (code) => resolve({code, screen}))
    })
    expect(r.code, r.screen).toBe(0)
    expect(r.screen).toContain('keyless: the SSO session acme has expired; signing in first')
    expect(r.screen).toContain('RAN')
    const after = (await expired.emulator.stats()).operations
    expect(after.StartDeviceAuthorization - before.StartDeviceAuthorization).toBe(1)
  })
})
