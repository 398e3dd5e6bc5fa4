import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {KEYLESS_BIN, runKeyless} from '../helpers/cli.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox} from '../helpers/sandbox.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

// keyless in a pseudo-terminal that reports no size (0 columns, 0 rows): what a bare `script`, some CI runners and
// IDE terminals give. Every question, spinner and Ctrl-C there behaves as in a sized terminal: it answers and exits.
// Run on Node.js 20 and 24 (issue 29 items 1 and 2).

const ROOT = {id: 'AKIAEMULATORROOT0001', secret: 'emulator-root-secret-0000000000000000000'}

/** Longest a run may take here; a process still running then is killed and the test fails (no spinning for ever). */
const BOUND_MS = 40_000

interface PtyRun {
  code: number | null
  screen: string
  /** Steps whose pattern never showed up. */
  left: number
  /** Still running at BOUND_MS: killed. */
  hung: boolean
  pid?: number
}

/**
 * Runs `keyless <args>` in a pty `script` leaves at 0x0; each time the screen (escape sequences removed) matches the
 * next pattern, types its keys. The shell execs node, so the printed PID is keyless's own: a process that spins is
 * killed by it at the bound (killing `script` alone leaves it running).
 */
function inBarePty(env: NodeJS.ProcessEnv, args: string, steps: Array<[RegExp, string]>): Promise<PtyRun> {
  return new Promise((resolve) => {
    const command = `stty size; echo "PID=$$"; exec ${process.execPath} ${KEYLESS_BIN} ${args}`
    const child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...env, TERM: 'xterm'}})
    let screen = ''
    let pending = ''
    let pid: number | undefined
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString()
      pid ??= Number(/PID=(\d+)/.exec(screen)?.[1]) || undefined
      // eslint-disable-next-line no-control-regex
      pending += d.toString().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
      const next = steps[0]
      if (next && next[0].test(pending)) {
        steps.shift()
        pending = ''
        setTimeout(() => child.stdin.write(next[1]), 150)
      }
    })
    let hung = false
    const timer = setTimeout(() => {
      hung = true
      if (pid) process.kill(pid, 'SIGKILL')
      child.kill('SIGKILL')
    }, BOUND_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, screen, left: steps.length, hung, pid})
    })
  })
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The pty really is 0x0 (`stty size` prints rows and columns). */
function expectBare(run: PtyRun): void {
  expect(run.screen).toMatch(/^0 0\r?\n/)
}

describe('a terminal that reports no size: questions and spinners answer', () => {
  // STS, the portal and OIDC answer slowly enough that every spinner is drawn (they start once ora has loaded).
  const signedIn = useSignedInEmulator({latencyMs: 1500, autoApprove: true})

  it('audit --fix: the STS spinner, then the question, answered; the key is removed', async () => {
    const {sandbox, env} = signedIn
    writeFile(sandbox.credentialsFile, `[sandbox-admin]\naws_access_key_id = ${ROOT.id}\naws_secret_access_key = ${ROOT.secret}\n`)
    const r = await inBarePty(env, 'audit --fix', [[/Remove the key/, '\r']])
    expectBare(r)
    expect(r.hung, r.screen.slice(-500)).toBe(false)
    expect(r.left).toBe(0)
    expect(r.screen).toContain('Asking AWS STS who each access key belongs to')
    expect(r.code).toBe(0)
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe('')
    expect(alive(r.pid)).toBe(false)
  })

  it('configure: each missing value is asked and answered', async () => {
    const home = makeSandbox()
    try {
      const r = await inBarePty(home.env, 'configure', [
        [/Session name/, 'team\r'],
        [/AWS access portal URL/, 'https://team.awsapps.com/start\r'],
        [/Identity Center region/, '\r'],
      ])
      expectBare(r)
      expect(r.hung, r.screen.slice(-500)).toBe(false)
      expect(r.left).toBe(0)
      expect(r.code).toBe(0)
      expect(readFileSync(home.configFile, 'utf8')).toContain(
        '[sso-session team]\nsso_start_url = https://team.awsapps.com/start\nsso_region = us-east-1\n',
      )
    } finally {
      home.cleanup()
    }
  })

  it('the role picker: filter, Enter; exec runs as the picked role', async () => {
    const r = await inBarePty(signedIn.env, `exec -- ${process.execPath} -e "console.log('ROLE=' + process.env.KEYLESS_ROLE)"`, [
      [/type to filter/, 'stag power'],
      [/stag power\r?\n\S+ staging +222222222222 +PowerUserAccess\r?\n/, '\r'],
    ])
    expectBare(r)
    expect(r.hung, r.screen.slice(-500)).toBe(false)
    expect(r.left).toBe(0)
    expect(r.code).toBe(0)
    expect(r.screen).toContain('ROLE=staging.PowerUserAccess')
  })

  it('login: the spinner while the device code waits for approval, then signed in', async () => {
    const r = await inBarePty({...signedIn.env, BROWSER: '/bin/true'}, 'login --device-code --no-browser --force', [])
    expectBare(r)
    expect(r.hung, r.screen.slice(-500)).toBe(false)
    expect(r.screen).toContain('Waiting for approval')
    expect(r.code).toBe(0)
  })
})

describe('Ctrl-C at a question in such a terminal: exit 130, nothing changed, and the next keychain call answers', () => {
  const signedIn = useSignedInEmulator()

  /** `keyless status --json` reads every secret entry of the session from the keychain. */
  async function keychainAnswers(env: NodeJS.ProcessEnv): Promise<void> {
    const status = await runKeyless(['status', '--json'], {env, timeoutMs: BOUND_MS})
    expect(status.stderr).toBe('')
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).sessions[0]).toMatchObject({name: 'acme', hasRefreshToken: true})
  }

  it('at the audit --fix question', async () => {
    const {sandbox, env} = signedIn
    const credentials = `[sandbox-admin]\naws_access_key_id = ${ROOT.id}\naws_secret_access_key = ${ROOT.secret}\n`
    writeFile(sandbox.credentialsFile, credentials)
    const configBefore = readFileSync(sandbox.configFile, 'utf8')
    const r = await inBarePty(env, 'audit --fix', [[/Remove the key/, '\u0003']])
    expect(r.hung, r.screen.slice(-500)).toBe(false)
    expect(r.code).toBe(130)
    expect(r.screen).toContain('keyless: cancelled: nothing was changed')
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe(credentials)
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(configBefore)
    expect(existsSync(`${sandbox.credentialsFile}.keyless.bak`)).toBe(false)
    expect(alive(r.pid)).toBe(false)
    await keychainAnswers(env)
  })

  it("at configure's question", async () => {
    const {sandbox, env} = signedIn
    const configBefore = readFileSync(sandbox.configFile, 'utf8')
    const r = await inBarePty(env, 'configure --session other', [[/AWS access portal URL/, '\u0003']])
    expect(r.hung, r.screen.slice(-500)).toBe(false)
    expect(r.code).toBe(130)
    expect(r.screen).toContain('keyless: cancelled: nothing was changed')
    expect(readFileSync(sandbox.configFile, 'utf8')).toBe(configBefore)
    expect(alive(r.pid)).toBe(false)
    await keychainAnswers(env)
  })

  it('at the role picker', async () => {
    const {env} = signedIn
    const r = await inBarePty(env, `exec -- ${process.execPath} -e "console.log('RAN')"`, [[/type to filter/, '\u0003']])
    expect(r.hung, r.screen.slice(-500)).toBe(false)
    expect(r.code).toBe(130)
    expect(r.screen).toContain('keyless: no role picked')
    expect(r.screen).not.toContain('RAN')
    expect(alive(r.pid)).toBe(false)
    await keychainAnswers(env)
  })
})
