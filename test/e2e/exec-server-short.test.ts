import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runKeyless} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 21 item 8: role credentials that arrive with 15 minutes or less left (a short permission-set session, here
// the emulator's 20-second TTL) made exec --server fetch new ones on every request of the child and write warnings
// into its stderr each time. Now: each credential is refetched at most once (when half its life is gone), and the
// warning is written once per exec.

const TTL_S = 20
const CALLS = 24
const ROLE = ['--account', '111111111111', '--role', 'AdministratorAccess']

let sandbox: Sandbox
let emulator: EmulatorHandle

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

describe('exec --server with short-lived role credentials (issue 21 item 8)', () => {
  it('one refetch per credential at most, one warning, every call signed with valid credentials', {timeout: 120_000}, async () => {
    const script = join(sandbox.home, 'many-calls.mjs')
    // The JS SDK treats credentials with under 5 minutes left as expired: it asks the endpoint before every call.
    writeFile(
      script,
      `import {STSClient, GetCallerIdentityCommand} from ${JSON.stringify(join(ROOT, 'node_modules/@aws-sdk/client-sts/dist-cjs/index.js'))}
const sts = new STSClient({})
const keys = new Set()
let ok = 0
for (let i = 0; i < ${CALLS}; i++) {
  await sts.send(new GetCallerIdentityCommand({}))
  keys.add((await sts.config.credentials()).accessKeyId)
  ok++
  await new Promise((r) => setTimeout(r, 1000))
}
console.log(JSON.stringify({ok, keys: keys.size}))
`,
    )
    const before = (await emulator.stats()).operations
    const r = await runKeyless(['exec', ...ROLE, '--server', '--', process.execPath, script], {
      env: {...sandbox.env, ...emulator.env()},
      timeoutMs: 110_000,
    })
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {ok: number; keys: number}
    expect(out.ok).toBe(CALLS)
    const after = (await emulator.stats()).operations
    const fetched = after.GetRoleCredentials - before.GetRoleCredentials
    expect(after.GetCallerIdentity - before.GetCallerIdentity).toBe(CALLS)
    // A credential lasts TTL seconds and is replaced once half of it is gone: over a run of CALLS seconds or more,
    // about CALLS / (TTL/2) + 1 fetches, each of them used. The old endpoint fetched on every request (CALLS + 1).
    expect(fetched).toBeGreaterThanOrEqual(2)
    expect(fetched).toBeLessThanOrEqual(CALLS / 2)
    expect(out.keys).toBe(fetched)
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'))
    expect(warnings, r.stderr).toHaveLength(1)
    expect(warnings[0]).toMatch(/^keyless: warning: AWS issued role credentials for 111111111111\/AdministratorAccess that expire in 0 min/)
  })
})
