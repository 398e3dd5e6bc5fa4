import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 21 item 14: `keyless console` with a display but no working browser (the opener succeeds, nothing follows
// the link) used to print "Opening the AWS console..." and then wait two minutes in silence. Now it says what it
// waits for, for how long, and what to do instead.

const NOTICE = 'no browser has opened the sign-in link yet'

let sandbox: Sandbox
let emulator: EmulatorHandle

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('keyless console without a working browser (issue 21 item 14)', () => {
  it('says on stderr what it waits for, how long, and --print; Ctrl-C ends the wait', {timeout: 60_000}, async () => {
    let child: import('node:child_process').ChildProcess | undefined
    const r = await runKeyless(['console', '--account', 'production', '--role', 'ReadOnlyAccess'], {
      // A display, and an opener that reports success without any browser behind it.
      env: {...sandbox.env, ...emulator.env(), DISPLAY: ':99', BROWSER: '/bin/true'},
      timeoutMs: 45_000,
      onSpawn: (c) => (child = c),
      onStderr: (_text, all) => {
        if (all.includes(NOTICE) && all.endsWith('\n')) child?.kill('SIGINT')
      },
    })
    expect(r.signal ?? r.code, r.stderr).not.toBe('SIGKILL') // ended by our Ctrl-C, not the test's timeout
    // Ctrl-C withdraws the link and exits 130 (the hand-off's listener and the lock library's signal-exit must not
    // each leave the signal to the other and keep waiting).
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toMatch(/^keyless: cancelled: the sign-in link was withdrawn$/m)
    expect(r.stdout).toBe('')
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      'Opening the AWS console as production.ReadOnlyAccess in your browser...',
      `keyless: ${NOTICE}; waiting up to 2 minutes in all (Ctrl-C stops). If no browser window appeared, press Ctrl-C and run: keyless console --print --reveal ... to open the URL yourself`,
    ])
    expect(r.stderr).not.toMatch(/SigninToken|federation/)
  })
})
