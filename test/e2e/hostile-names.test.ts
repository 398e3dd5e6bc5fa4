import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {defaultFixture} from '../emulator/fixture.js'
import {runKeyless, runProcess, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 20, items 3 and 5: an account name from the server (the portal, a proxy, a tampered listing cache) with a
// terminal escape and PowerShell's typographic quotes reaches no terminal raw, no KEYLESS_ROLE with a control
// character, and no shell as code.

const HOSTILE = 'evil\u2019; Write-Host PWNED; \u2019\u001b]0;TITLE\u0007\u001b[31m'
const SHOWN = 'evil\u2019; Write-Host PWNED; \u2019]0;TITLE[31m' // printable(): the controls dropped, the rest kept
const ROLE = ['--account', HOSTILE, '--role', 'ReadOnlyAccess']
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

let sandbox: Sandbox
let emulator: EmulatorHandle
const keyless = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  runKeyless(args, {env: {...sandbox.env, ...emulator.env(), ...env}, timeoutMs: 60_000})

beforeAll(async () => {
  const fixture = defaultFixture()
  fixture.accounts = fixture.accounts.map((a) => (a.accountId === '333333333333' ? {...a, accountName: HOSTILE} : a))
  emulator = await startEmulator({fixture})
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('a hostile account name', () => {
  it('env --format powershell: KEYLESS_ROLE is one single-quoted string with every quote doubled, no control character', async () => {
    const r = await keyless(['env', ...ROLE, '--format', 'powershell'])
    expect(r.code, r.stderr).toBe(0)
    const line = r.stdout.split('\n').find((l) => l.startsWith('$Env:KEYLESS_ROLE='))!
    expect(line).toBe(`$Env:KEYLESS_ROLE='evil\u2019\u2019; Write-Host PWNED; \u2019\u2019]0;TITLE[31m.ReadOnlyAccess'`)
    expect(r.stdout).not.toMatch(CONTROL)
  })

  it('env --format sh in bash: KEYLESS_ROLE holds the printable name, nothing ran', async () => {
    const r = await keyless(['env', ...ROLE, '--format', 'sh'])
    expect(r.code, r.stderr).toBe(0)
    const out = await runProcess('bash', ['-c', `${r.stdout}\nprintf '%s' "$KEYLESS_ROLE"`], {env: {PATH: process.env.PATH}})
    expect(out.stdout).toBe(`${SHOWN}.ReadOnlyAccess`)
  })

  it('exec: the child gets KEYLESS_ROLE without control characters; the warning on stderr carries none either', async () => {
    const r = await keyless(['exec', ...ROLE, '--', 'printenv', 'KEYLESS_ROLE'], {KEYLESS_ROLE: 'outer\u001b]0;X\u0007'})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(`${SHOWN}.ReadOnlyAccess\n`)
    expect(r.stderr).toBe(`keyless: warning: this exec of ${SHOWN}.ReadOnlyAccess replaces the outer role outer]0;X\n`)
    expect(r.stderr).not.toMatch(CONTROL)
  })
})
