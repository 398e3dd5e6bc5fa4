/** `npm run emulator`: the ready line, flags, fixture files, the request log, SIGTERM. */
import {spawn as spawnChild} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ListAccountRolesCommand, ListAccountsCommand, SSOClient} from '@aws-sdk/client-sso'
import {afterAll, describe, expect, it} from 'vitest'

import {ROOT, runProcess} from '../helpers/cli.js'
import {signInWithSdk, spawnEmulator, type SpawnedEmulator} from '../helpers/emulator.js'
import {makeSandbox} from '../helpers/sandbox.js'

const sandbox = makeSandbox()
const running: SpawnedEmulator[] = []
afterAll(async () => {
  for (const e of running) await e.close()
  sandbox.cleanup()
})

async function spawn(args: string[]) {
  const emulator = await spawnEmulator(args)
  running.push(emulator)
  return emulator
}

describe('npm run emulator', () => {
  it('prints exactly the ready line on stdout and stops on SIGTERM', async () => {
    const child = spawnChild('npm', ['run', '--silent', 'emulator', '--', '--port', '0'], {
      cwd: ROOT,
      env: {...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1'},
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const ready = new Promise<string>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        const m = /^emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout)
        if (m) resolve(m[1]!)
      })
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const url = await ready
    expect((await fetch(`${url}/_emulator/stats`)).status).toBe(200)
    child.kill('SIGTERM')
    await exited
    expect(stdout).toMatch(/^emulator listening on http:\/\/127\.0\.0\.1:\d+\n$/)
    expect(stderr).toBe('')
    // The server is gone with it.
    await expect(fetch(`${url}/_emulator/stats`)).rejects.toThrow()
  })

  it('serves generated accounts and logs requests (never secrets) to stderr with --verbose', async () => {
    const emulator = await spawn(['--port', '0', '--accounts', '3', '--roles-per-account', '2', '--verbose', '--auto-approve'])
    const {accessToken} = await signInWithSdk(emulator)
    const sso = new SSOClient({region: 'us-east-1', endpoint: emulator.url})
    const accounts = await sso.send(new ListAccountsCommand({accessToken, maxResults: 2}))
    expect(accounts.accountList?.map((a) => a.accountName)).toEqual(['account-0001', 'account-0002'])
    expect(accounts.nextToken).toBeTruthy()
    const roles = await sso.send(new ListAccountRolesCommand({accessToken, accountId: '100000000003'}))
    expect(roles.roleList?.map((r) => r.roleName)).toEqual(['AdministratorAccess', 'ReadOnlyAccess'])
    // stderr is its own pipe: give the last line a moment to arrive.
    for (let i = 0; i < 50 && !emulator.stderr().includes('/assignment/roles'); i++) await new Promise((r) => setTimeout(r, 20))
    const log = emulator.stderr()
    expect(log).toMatch(/^POST \/client\/register 200 \d+ms$/m)
    expect(log).toMatch(/^GET \/assignment\/accounts 200 \d+ms$/m)
    for (const secret of await emulator.issued()) expect(log).not.toContain(secret)
    await emulator.close()
    expect(emulator.child.exitCode).toBe(0)
  })

  it('reads --fixture FILE, filling what it leaves out from the default fixture', async () => {
    const file = join(sandbox.home, 'fixture.json')
    writeFileSync(
      file,
      JSON.stringify({
        user: 'jane.doe',
        accounts: [{accountId: '444455556666', accountName: 'lab', emailAddress: 'lab@example.com', roles: ['Lab']}],
      }),
    )
    const emulator = await spawn(['--fixture', file, '--access-token-ttl', '120'])
    const fixture = await emulator.fixture()
    expect(fixture.user).toBe('jane.doe')
    expect(fixture.startUrl).toBe('https://keyless-demo.awsapps.com/start')
    expect(fixture.accounts).toEqual([{accountId: '444455556666', accountName: 'lab', emailAddress: 'lab@example.com', roles: ['Lab']}])
    expect(fixture.staticIdentities.map((i) => i.accessKeyId)).toEqual([
      'AKIAEMULATORROOT0001',
      'AKIAEMULATORUSER0001',
      'AKIAEMULATOROLD00001',
      'AKIAEMULATORROOT0003',
    ])
  })

  it('rejects unknown flags and bad numbers with exit 2', async () => {
    const env = {...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1'}
    const unknown = await runProcess(process.execPath, ['--import', 'tsx', 'test/emulator/main.ts', '--bogus'], {env})
    expect(unknown.code).toBe(2)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toContain('--bogus')
    const bad = await runProcess(process.execPath, ['--import', 'tsx', 'test/emulator/main.ts', '--rate-limit', 'fast'], {env})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--rate-limit needs a non-negative number')
  })
})
