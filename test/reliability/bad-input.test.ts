import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {openKeychain} from '../../src/keychain/keychain.js'
import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {allFiles, ssoSessionSection, writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Bad input of every kind, through the built CLI: each case must end in ONE line on stderr that names the
// problem, the right exit code, and no file under HOME changed (and, for logins, nothing in the keychain).
// Server replies come from a stub HTTP server in front of the emulator that answers one route badly.

const START_URL = 'https://keyless-demo.awsapps.com/start'
const GOOD = ssoSessionSection('acme', START_URL)
const ADMIN = ['--account-id', '111111111111', '--role-name', 'AdministratorAccess']

/** What each case did, for the report printed at the end. */
const table: Array<{name: string; code: number | null; line: string}> = []

let emulator: EmulatorHandle
let stub: Stub
let sandbox: Sandbox

beforeAll(async () => {
  emulator = await startEmulator({autoApprove: true})
  stub = await startStub(emulator.url)
})
afterAll(async () => {
  await stub.close()
  await emulator.close()
  console.log(`bad-input: ${table.length} cases\n` + table.map((c) => `  [${c.code}] ${c.name}: ${c.line}`).join('\n'))
})
beforeEach(() => {
  sandbox = makeSandbox()
  writeFile(sandbox.configFile, GOOD)
  stub.answer(() => undefined)
})
afterEach(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
})

const snapshot = () => new Map(allFiles(sandbox.home).map((f) => [f.path, f.text]))
const keychainKeys = () => openKeychain({service: sandbox.keychainService}).keys()

/**
 * Runs keyless and checks the contract of a refused input: exit code, exactly one stderr line starting with
 * `keyless: ` and matching `names`, no file under HOME changed, no escape sequence, no stack trace.
 */
async function refuses(
  name: string,
  args: string[],
  expected: {code: number; names: RegExp; env?: NodeJS.ProcessEnv; viaStub?: boolean; keychainUntouched?: boolean; prompted?: boolean},
): Promise<RunResult> {
  const before = snapshot()
  const keysBefore = expected.keychainUntouched ? await keychainKeys() : []
  const endpoint = expected.viaStub ? {AWS_ENDPOINT_URL: stub.url, AWS_REGION: 'us-east-1'} : emulator.env()
  const result = await runKeyless(args, {env: {...sandbox.env, ...endpoint, ...expected.env}, timeoutMs: 40_000})
  let lines = result.stderr.trimEnd().split('\n')
  // A login that got as far as the device prompt printed it (the flow line, code, URL, QR code) before failing:
  // the error is the one line after it.
  if (expected.prompted) {
    expect(result.stderr).toMatch(/approve this code in your browser/)
    expect(lines.filter((l) => l.startsWith('keyless:') && !l.startsWith('keyless: signing in with '))).toHaveLength(1)
    lines = lines.slice(-1)
  }
  table.push({name, code: result.code, line: lines.join(' / ').slice(0, 240)})
  expect(lines, `${name}: stderr is one line`).toHaveLength(1)
  expect(lines[0]).toMatch(/^keyless: /)
  expect(lines[0]).toMatch(expected.names)
  expect(lines[0]!.length).toBeLessThan(600)
  expect(lines[0]).not.toMatch(/\u001b/)
  expect(result.stderr).not.toMatch(/^\s+at /m) // no stack trace
  expect(result.code, `${name}: exit code`).toBe(expected.code)
  expect(result.stdout).toBe('')
  expect(snapshot(), `${name}: no file changed`).toEqual(before)
  if (expected.keychainUntouched) expect(await keychainKeys()).toEqual(keysBefore)
  return result
}

describe('a broken AWS config file', () => {
  const configCases: Array<[string, string | Buffer, string[], RegExp]> = [
    [
      'a line that is neither section, key nor comment',
      GOOD + 'garbage here\n',
      ['login', '--no-browser'],
      /config line 5: "garbage here" is neither/,
    ],
    ['a key before any section', 'region = x\n' + GOOD, ['status'], /config line 1: .*outside any section/],
    ['a duplicated section', GOOD + '\n' + GOOD, ['login', '--no-browser'], /config line 6: duplicate section \[sso-session acme\]/],
    ['a duplicated key', GOOD + 'sso_region = eu-west-1\n', ['accounts'], /config line 5: "sso_region" is set twice/],
    // What botocore refuses, keyless refuses ([profile] with no name, which botocore ignores, is kept with a warning).
    [
      'a nested block line without "="',
      GOOD + 's3 =\n  nonsense\n',
      ['profiles', 'sync'],
      /config line 6: "nonsense" is not a "name = value" line inside the nested "s3" block/,
    ],
    ['a key with no name', GOOD + '= x\n', ['login'], /config line 5: "= x" has no name before the "="/],
    ['a section header without "]"', GOOD + '[profile broken\n', ['status'], /config line 5: "\[profile broken" is not a section header/],
    ['binary garbage', binaryGarbage(), ['status'], /config line \d+: not UTF-8 text/],
    ['NUL bytes on a line of their own', GOOD + '\u0000\u0000\n', ['status'], /config line 5: "\\u0000\\u0000" is neither/],
    [
      'a session without sso_region',
      '[sso-session acme]\nsso_start_url = ' + START_URL + '\n',
      ['login'],
      /\[sso-session acme\] in .*config has no sso_region/,
    ],
  ]
  for (const [name, content, args, names] of configCases) {
    it(name, async () => {
      writeFile(sandbox.configFile, '')
      require0600(sandbox.configFile, content)
      await refuses(name, args, {code: 1, names, keychainUntouched: true})
    })
  }

  it('a config file that is a directory', async () => {
    rmSync(sandbox.configFile)
    mkdirSync(sandbox.configFile)
    await refuses('config is a directory (status)', ['status'], {code: 1, names: /config is a directory, not a file/})
    await refuses(
      'config is a directory (configure)',
      ['configure', '--session', 'x', '--start-url', 'https://x.awsapps.com/start', '--region', 'us-east-1'],
      {
        code: 1,
        names: /config is a directory, not a file/,
      },
    )
  })

  // As root, chmod 000 does not stop reading (CAP_DAC_OVERRIDE), and neither does a directory without search
  // permission: an unreadable file cannot be made. The message is covered for other users.
  it.skipIf(process.getuid?.() === 0)('an unreadable config file (skipped as root: root reads any file)', async () => {
    const {chmodSync} = await import('node:fs')
    chmodSync(sandbox.configFile, 0o000)
    try {
      await refuses('unreadable config', ['status'], {code: 1, names: /cannot read .*config: permission denied/})
    } finally {
      chmodSync(sandbox.configFile, 0o600)
    }
  })

  it('two sessions and none chosen lists them', async () => {
    writeFile(sandbox.configFile, GOOD + '\n' + ssoSessionSection('beta', START_URL))
    await refuses('two sessions, none chosen', ['accounts'], {
      code: 2,
      names:
        /2 SSO sessions .* and none chosen; run: keyless accounts --session NAME \(or set KEYLESS_SESSION\) with NAME one of: acme, beta$/,
    })
  })
})

describe('bad flags and values', () => {
  const configure = (url: string, region = 'us-east-1', session = 'x') => [
    'configure',
    '--session',
    session,
    '--start-url',
    url,
    '--region',
    region,
  ]
  const cases: Array<[string, string[], number, RegExp, NodeJS.ProcessEnv?]> = [
    ['an http start URL', configure('http://acme.awsapps.com/start'), 2, /start URL must use https, not http/],
    ['a start URL that is not a URL', configure('acme.awsapps.com'), 2, /"acme.awsapps.com" is not a URL/],
    ['a start URL with a password in it', configure('https://me:pw@acme.awsapps.com/start'), 2, /must not contain a user name or password/],
    ['an unknown region', configure('https://acme.awsapps.com/start', 'mars-north-1'), 2, /"mars-north-1" is not an AWS region name/],
    [
      'a session name with a space',
      configure('https://acme.awsapps.com/start', 'us-east-1', 'a b'),
      2,
      /"a b" is not a usable session name/,
    ],
    ['configure without --start-url (no TTY)', ['configure', '--session', 'x', '--region', 'us-east-1'], 2, /missing --start-url/],
    [
      'a non-numeric account id',
      ['credential-process', '--session', 'acme', '--account-id', 'abcdefghijkl', '--role-name', 'Admin'],
      2,
      /--account-id must be a 12-digit AWS account id/,
    ],
    [
      'a short account id',
      ['credential-process', '--session', 'acme', '--account-id', '12345', '--role-name', 'Admin'],
      2,
      /--account-id must be a 12-digit/,
    ],
    [
      'a role name with forbidden characters',
      ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'Admin; rm -rf ~'],
      2,
      /--role-name is not a valid role name/,
    ],
    [
      'credential-process without --role-name',
      ['credential-process', '--session', 'acme', '--account-id', '111111111111'],
      2,
      /missing required flag --role-name/,
    ],
    ['an unknown flag (credential-process)', ['credential-process', '--bogus'], 2, /Unknown option '--bogus'/],
    ['an unknown session', ['login', '--session', 'nope'], 2, /no SSO session "nope" in .*; run: keyless login --session acme$/],
    [
      'an unknown session from KEYLESS_SESSION',
      ['accounts'],
      2,
      /no SSO session "zzz" \(from \$KEYLESS_SESSION\)/,
      {KEYLESS_SESSION: 'zzz'},
    ],
    ['an unknown session (credential-process)', ['credential-process', '--session', 'nope', ...ADMIN], 2, /no SSO session "nope"/],
    [
      'conflicting flags (logout --all --session)',
      ['logout', '--all', '--session', 'acme'],
      2,
      /^keyless: --all and --session cannot be used together; run: keyless logout --help$/,
    ],
    ['an unknown flag (oclif command)', ['accounts', '--bogus'], 2, /Nonexistent flag: --bogus.*keyless accounts --help/],
    ['a flag without its value', ['login', '--session'], 2, /--session.*expects a value/],
    [
      'profiles sync --region not a region',
      ['profiles', 'sync', '--region', 'moon-1'],
      2,
      /^keyless: "moon-1" is not an AWS region name; pass the AWS region the profiles should use, e.g. --region eu-west-1$/m,
    ],
    [
      'whoami --expect-account not an id',
      ['whoami', '--expect-account', '12'],
      2,
      /--expect-account "12" is not a 12-digit AWS account id/,
    ],
    ['whoami with an unknown profile', ['whoami', '--profile', 'nope'], 1, /profile \[nope\] is not in/],
    [
      'AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY',
      ['whoami'],
      1,
      /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/,
      {AWS_ACCESS_KEY_ID: 'AKIAEMULATORUSER0001'},
    ],
    [
      'AWS_SECRET_ACCESS_KEY without AWS_ACCESS_KEY_ID',
      ['whoami'],
      1,
      /^keyless: no AWS credentials found \(.*\); AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID, which every AWS tool ignores; export AWS_ACCESS_KEY_ID with its secret, or unset AWS_SECRET_ACCESS_KEY and run: keyless login/,
      {AWS_SECRET_ACCESS_KEY: 'x'.repeat(40)},
    ],
    [
      'AWS_SESSION_TOKEN alone',
      ['whoami'],
      1,
      /^keyless: no AWS credentials found \(.*\); AWS_SESSION_TOKEN is set without AWS_ACCESS_KEY_ID, which every AWS tool ignores; export AWS_ACCESS_KEY_ID with its secret, or unset AWS_SESSION_TOKEN and run: keyless login/,
      {AWS_SESSION_TOKEN: 'y'.repeat(40)},
    ],
  ]
  for (const [name, args, code, names, env] of cases) {
    it(name, async () => {
      await refuses(name, args, {code, names, env, keychainUntouched: true})
    })
  }

  it('an unknown --template placeholder (signed in)', async () => {
    await seedSession(emulator, sandbox, {skipConfig: true})
    await refuses('unknown template placeholder', ['profiles', 'sync', '--template', '{bogus}.{role_name}'], {
      code: 2,
      names: /--template uses \{bogus\}/,
    })
  })
})

describe('bad replies from the server (a stub in front of the emulator)', () => {
  const html502 = () => ({
    status: 502,
    headers: {'content-type': 'text/html'},
    body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n',
  })

  it('an HTML 502 page from a proxy during login (CreateToken)', async () => {
    stub.answer((req) => (req.path === '/token' ? html502() : undefined))
    await refuses('HTML 502 from a proxy (login)', ['login', '--no-browser'], {
      code: 1,
      viaStub: true,
      names: /answered HTTP 502 with text\/html that is not JSON.*proxy/,
      keychainUntouched: true,
      prompted: true,
    })
  })

  it('a proxy answering 502 to every portal call: accounts gives up with one line instead of retrying for 10 minutes', async () => {
    await seedSession(emulator, sandbox, {skipConfig: true})
    stub.answer((req) => (req.path.startsWith('/assignment/') ? html502() : undefined))
    await refuses('HTML 502 for every portal call (accounts)', ['accounts'], {code: 1, viaStub: true, names: /HTTP 502/})
  }, 90_000)

  it('an HTML page with status 200 (captive portal) instead of ListAccounts', async () => {
    await seedSession(emulator, sandbox, {skipConfig: true})
    stub.answer((req) =>
      req.path === '/assignment/accounts'
        ? {
            status: 200,
            headers: {'content-type': 'text/html'},
            body: '<!doctype html><html><body>Please sign in to the hotel Wi-Fi</body></html>',
          }
        : undefined,
    )
    await refuses('HTML 200 page (captive portal) for ListAccounts', ['accounts'], {code: 1, viaStub: true, names: /not JSON.*proxy/})
  })

  it('a non-JSON reply to StartDeviceAuthorization', async () => {
    stub.answer((req) =>
      req.path === '/device_authorization'
        ? {status: 200, headers: {'content-type': 'application/json'}, body: 'this is {not json'}
        : undefined,
    )
    await refuses('non-JSON reply (StartDeviceAuthorization)', ['login', '--no-browser'], {
      code: 1,
      viaStub: true,
      names: /not JSON/,
      keychainUntouched: true,
    })
  })

  it('a 10 MB reply to GetRoleCredentials', async () => {
    await seedSession(emulator, sandbox, {skipConfig: true})
    const huge = Buffer.alloc(10 * 1024 * 1024, 'A')
    stub.answer((req) =>
      req.path === '/federation/credentials' ? {status: 200, headers: {'content-type': 'application/json'}, body: huge} : undefined,
    )
    await refuses('10 MB reply (GetRoleCredentials)', ['credential-process', '--session', 'acme', ...ADMIN], {
      code: 1,
      viaStub: true,
      names: /not JSON|too large/,
      keychainUntouched: true,
    })
  })

  it('a 10 MB token in a well-formed CreateToken reply', async () => {
    stub.answer(async (req, forward) => {
      if (req.path !== '/token') return undefined
      const real = await forward()
      if (real.status !== 200) return real
      const json = JSON.parse(real.body.toString())
      return {
        status: 200,
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({...json, accessToken: 'a'.repeat(10 * 1024 * 1024)}),
      }
    })
    await refuses('10 MB access token (CreateToken)', ['login', '--no-browser'], {
      code: 1,
      viaStub: true,
      names: /too large/,
      keychainUntouched: true,
      prompted: true,
    })
  })

  it('a CreateToken reply without accessToken', async () => {
    stub.answer(async (req, forward) => {
      if (req.path !== '/token') return undefined
      const real = await forward()
      if (real.status !== 200) return real
      const {accessToken: _, ...rest} = JSON.parse(real.body.toString())
      return {status: 200, headers: {'content-type': 'application/json'}, body: JSON.stringify(rest)}
    })
    await refuses('CreateToken reply missing accessToken', ['login', '--no-browser'], {
      code: 1,
      viaStub: true,
      names: /returned no access token/,
      keychainUntouched: true,
      prompted: true,
    })
  })

  it('a CreateToken reply with an absurd expiresIn (10^12 s)', async () => {
    stub.answer(async (req, forward) => {
      if (req.path !== '/token') return undefined
      const real = await forward()
      if (real.status !== 200) return real
      return {
        status: 200,
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({...JSON.parse(real.body.toString()), expiresIn: 1e12}),
      }
    })
    await refuses('CreateToken expiresIn 10^12', ['login', '--no-browser'], {
      code: 1,
      viaStub: true,
      names: /expiresIn.*not plausible/,
      keychainUntouched: true,
      prompted: true,
    })
  })

  it('a refresh reply with an absurd expiresIn keeps the stored token', async () => {
    await seedSession(emulator, sandbox, {skipConfig: true, tokenExpiresInSeconds: 600})
    const token = await openKeychain({service: sandbox.keychainService}).get('session/acme/token')
    stub.answer(async (req, forward) => {
      if (req.path !== '/token') return undefined
      const real = await forward()
      return {
        status: 200,
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({...JSON.parse(real.body.toString()), expiresIn: -5}),
      }
    })
    await refuses('refresh reply expiresIn -5', ['accounts'], {code: 1, viaStub: true, names: /expiresIn.*not plausible/})
    expect(await openKeychain({service: sandbox.keychainService}).get('session/acme/token')).toBe(token)
  })

  it('a GetRoleCredentials reply missing the session token', async () => {
    await seedSession(emulator, sandbox, {skipConfig: true})
    stub.answer(async (req, forward) => {
      if (req.path !== '/federation/credentials') return undefined
      const real = JSON.parse((await forward()).body.toString())
      delete real.roleCredentials.sessionToken
      return {status: 200, headers: {'content-type': 'application/json'}, body: JSON.stringify(real)}
    })
    await refuses('GetRoleCredentials reply missing sessionToken', ['credential-process', '--session', 'acme', ...ADMIN], {
      code: 1,
      viaStub: true,
      names: /incomplete role credentials/,
      keychainUntouched: true,
    })
  })

  it("clock skew: role credentials already expired by this machine's clock", async () => {
    await seedSession(emulator, sandbox, {skipConfig: true})
    stub.answer(async (req, forward) => {
      if (req.path !== '/federation/credentials') return undefined
      const real = JSON.parse((await forward()).body.toString())
      // As if this machine's clock ran two hours ahead of AWS: a 1-hour credential looks expired on arrival.
      real.roleCredentials.expiration = Date.now() - 3600_000
      return {status: 200, headers: {'content-type': 'application/json'}, body: JSON.stringify(real)}
    })
    await refuses('role credentials expired on arrival (clock skew)', ['credential-process', '--session', 'acme', ...ADMIN], {
      code: 1,
      viaStub: true,
      names: /clock/,
      keychainUntouched: true,
    })
  })

  it('a role that is not assigned (GetRoleCredentials 404)', async () => {
    await seedSession(emulator, sandbox, {skipConfig: true})
    await refuses(
      'unknown role (not assigned)',
      ['credential-process', '--session', 'acme', '--account-id', '111111111111', '--role-name', 'NoSuchRole'],
      {
        code: 1,
        names: /role NoSuchRole in account 111111111111 is not assigned to you/,
        keychainUntouched: true,
      },
    )
  })
})

// ---------------------------------------------------------------------------------------------------------

function require0600(path: string, content: string | Buffer): void {
  writeFile(path, '')
  writeFileSync(path, content, {mode: 0o600})
}

/** 400 bytes of deterministic pseudo-random bytes (not valid UTF-8). */
function binaryGarbage(): Buffer {
  const bytes = Buffer.alloc(400)
  let x = 12345
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    bytes[i] = (x >> 16) & 0xff
  }
  bytes[0] = 0xff // never valid UTF-8
  return bytes
}

interface StubRequest {
  method: string
  path: string
  body: string
}
interface StubReply {
  status: number
  headers?: Record<string, string>
  body: string | Buffer
}
type Answer = (
  req: StubRequest,
  forward: () => Promise<{status: number; headers: Record<string, string>; body: Buffer}>,
) => StubReply | undefined | Promise<StubReply | undefined>

interface Stub {
  url: string
  answer(fn: Answer): void
  close(): Promise<void>
}

/** A tiny HTTP server: answers what `answer` returns, forwards everything else to the emulator unchanged. */
async function startStub(upstream: string): Promise<Stub> {
  let answer: Answer = () => undefined
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req)
      const forward = async () => {
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v
        const r = await fetch(upstream + req.url, {
          method: req.method,
          headers,
          body: ['GET', 'HEAD'].includes(req.method!) ? undefined : body,
        })
        const out: Record<string, string> = {}
        r.headers.forEach((v, k) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v
        })
        return {status: r.status, headers: out, body: Buffer.from(await r.arrayBuffer())}
      }
      const reply =
        (await answer({method: req.method!, path: req.url!.split('?')[0]!, body: body.toString()}, forward)) ?? (await forward())
      res.writeHead(reply.status, reply.headers)
      res.end(reply.body)
    } catch (error) {
      res.writeHead(500)
      res.end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: (fn) => (answer = fn),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
