import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, findLeaks, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// `keyless exec --server`: the child gets a loopback container-credentials endpoint instead of keys. Role
// credentials live 8 seconds here, so a child that waits past that needs new ones from the endpoint.

const TTL_S = 8
const ROLE = ['--account', '111111111111', '--role', 'AdministratorAccess']
const ARN = /^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/demo\.user$/

let sandbox: Sandbox
let emulator: EmulatorHandle
const outputs: RunResult[] = []
async function keyless(argv: string[], timeoutMs = 90_000): Promise<RunResult> {
  const result = await runKeyless(argv, {env: {...sandbox.env, ...emulator.env()}, timeoutMs})
  outputs.push(result)
  return result
}

beforeAll(async () => {
  emulator = await startEmulator({roleCredentialsTtl: TTL_S})
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('keyless exec --server', () => {
  it(
    'the JS SDK in the child gets the role through the endpoint, and new credentials after the first ones expired',
    {timeout: 180_000},
    async () => {
      const script = join(sandbox.home, 'sdk-child.mjs')
      writeFile(
        script,
        `import {STSClient, GetCallerIdentityCommand} from ${JSON.stringify(join(ROOT, 'node_modules/@aws-sdk/client-sts/dist-cjs/index.js'))}
const env = Object.keys(process.env).filter((k) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(k))
const sts = new STSClient({})
const first = await sts.send(new GetCallerIdentityCommand({}))
const firstKey = (await sts.config.credentials()).accessKeyId
await new Promise((r) => setTimeout(r, ${TTL_S + 2} * 1000))
const second = await sts.send(new GetCallerIdentityCommand({}))
const secondKey = (await sts.config.credentials()).accessKeyId
console.log(JSON.stringify({env, first: first.Arn, second: second.Arn, renewed: firstKey !== secondKey}))
`,
      )
      const before = (await emulator.stats()).operations
      const r = await keyless(['exec', ...ROLE, '--server', '--', process.execPath, script], 150_000)
      expect(r.code, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout) as {env: string[]; first: string; second: string; renewed: boolean}
      expect(out.env).toEqual([]) // no key in the child's environment
      expect(out.first).toMatch(ARN)
      expect(out.second).toMatch(ARN)
      expect(out.renewed).toBe(true)
      const after = (await emulator.stats()).operations
      expect(after.GetRoleCredentials - before.GetRoleCredentials).toBeGreaterThanOrEqual(2)
      expect(after.GetCallerIdentity - before.GetCallerIdentity).toBe(2)
    },
  )

  it('the AWS CLI in the child gets the role through the endpoint', async () => {
    const r = await keyless([
      'exec',
      ...ROLE,
      '--server',
      '--',
      'aws',
      'sts',
      'get-caller-identity',
      '--endpoint-url',
      emulator.url,
      '--output',
      'json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).Arn).toMatch(ARN)
  })

  it('no token: 401; a wrong token: 403; the right one: exactly the four fields; the endpoint is gone once the child exits', async () => {
    const probe = `const u = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, t = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN
const out = {url: u, statuses: []}
for (const h of [{}, {authorization: 'wrong'}, {authorization: t}]) {
  const r = await fetch(u, {headers: h})
  out.statuses.push(r.status)
  if (r.ok) out.fields = Object.keys(await r.json())
}
out.vars = Object.keys(process.env).filter((k) => k.startsWith('AWS_') && /KEY|TOKEN/.test(k)).sort()
console.log(JSON.stringify(out))`
    const r = await keyless(['exec', ...ROLE, '--server', '--', process.execPath, '--input-type=module', '-e', probe])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {url: string; statuses: number[]; fields: string[]; vars: string[]}
    expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/)
    expect(out.statuses).toEqual([401, 403, 200])
    expect(out.fields).toEqual(['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'])
    expect(out.vars).toEqual(['AWS_CONTAINER_AUTHORIZATION_TOKEN'])
    await expect(fetch(out.url)).rejects.toThrow()
  })

  it('no secret in any file under HOME or any stderr', async () => {
    const secrets = await emulator.issued()
    const places = [...allFiles(sandbox.home), ...outputs.map((o, i) => ({path: `stderr#${i}`, text: o.stderr}))]
    expect(findLeaks(secrets, places)).toEqual([])
  })
})
