/**
 * `profiles sync --auto-login` profiles under the real AWS CLI after `logout`, on a machine where no browser
 * opens (SSH). The AWS CLI holds credential_process's stderr until it ends, so the prompt must go to the
 * controlling terminal; with no terminal, nothing may start: the usual login line at once.
 */
import {spawn} from 'node:child_process'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {writeAwsDataPath} from '../helpers/aws-data-path.js'
import {runKeyless, runProcess} from '../helpers/cli.js'
import {useSignedInEmulator} from '../helpers/seed-session.js'

const PROFILE = 'production.ReadOnlyAccess'
const SSH = {SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22'}
const signedIn = useSignedInEmulator()

let prepared: NodeJS.ProcessEnv | undefined
/** Once per file: `profiles sync --auto-login`, then `logout`. */
async function signedOutWithAutoLoginProfiles(): Promise<NodeJS.ProcessEnv> {
  if (prepared) return prepared
  const env = {...signedIn.env, AWS_DATA_PATH: writeAwsDataPath(signedIn.emulator.url, join(signedIn.sandbox.home, 'aws-data'))}
  const sync = await runKeyless(['profiles', 'sync', '--auto-login'], {env})
  expect(sync.code).toBe(0)
  expect((await runKeyless(['logout'], {env})).code).toBe(0)
  return (prepared = env)
}

describe('credential-process --auto-login under the AWS CLI, no browser', () => {
  it('no controlling terminal: fails at once with the login line, starts no device authorization', async () => {
    const env = await signedOutWithAutoLoginProfiles()
    const before = (await signedIn.emulator.stats()).operations.StartDeviceAuthorization
    // setsid: a new session with no controlling terminal, as under cron, CI or an IDE.
    const result = await runProcess('setsid', ['-w', '/usr/bin/aws', 'sts', 'get-caller-identity', '--profile', PROFILE], {
      env: {...env, ...SSH},
    })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(
      'keyless: SSO session "acme" is not signed in and --auto-login cannot sign in here (no terminal to show the sign-in code on, and this is an SSH session); run: keyless login --session acme',
    )
    expect((await signedIn.emulator.stats()).operations.StartDeviceAuthorization).toBe(before)
  })

  it('in a terminal (a pty): the prompt reaches it through /dev/tty, the login completes, the AWS CLI gets credentials', async () => {
    const env = await signedOutWithAutoLoginProfiles()
    const command = `/usr/bin/aws sts get-caller-identity --profile ${PROFILE} --output json`
    // script(1) runs the command on a new pty that becomes its controlling terminal; what it shows is script's stdout.
    const child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...env, ...SSH}, stdio: ['pipe', 'pipe', 'pipe']})
    let screen = ''
    let approved: Promise<void> | undefined
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString()
      const code = /approve this code in your browser: (?:\u001b\[1m)?([A-Z0-9-]+)/.exec(screen)?.[1]
      if (code && !approved) approved = signedIn.emulator.approve(code)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(timer)
    await approved
    // After logout nothing is stored: "not signed in", not "expired" (issue 21 item 6).
    expect(screen).toContain('keyless: SSO session "acme" is not signed in; --auto-login is signing you in')
    expect(screen).toContain(`${signedIn.emulator.url}/device?user_code=`)
    expect(exitCode).toBe(0)
    expect(JSON.parse(screen.slice(screen.indexOf('{'))).Account).toBe('333333333333')
  })
})
