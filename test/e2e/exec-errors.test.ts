import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless, type RunResult} from '../helpers/cli.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'
import {seedSession, wipeSandboxKeychain} from '../helpers/seed-session.js'

// Issue 21 item 7: the error lines of exec say what is wrong with what the user gave: a bad --region is the
// command's region (not Identity Center's); a command that cannot start says what the system found there.

const ROLE = ['--account', '111111111111', '--role', 'ReadOnlyAccess']

let sandbox: Sandbox
let emulator: EmulatorHandle
const keyless = (argv: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  runKeyless(argv, {env: {...sandbox.env, ...emulator.env(), ...extra}, cwd: sandbox.home, timeoutMs: 60_000})

beforeAll(async () => {
  emulator = await startEmulator()
  sandbox = makeSandbox()
  await seedSession(emulator, sandbox)
  writeFile(join(sandbox.home, 'not-executable.sh'), '#!/bin/sh\necho hi\n', 0o600)
  writeFile(join(sandbox.home, 'old-python.py'), '#!/nonexistent/python9\nprint("hi")\n', 0o700)
  mkdirSync(join(sandbox.home, 'bin', 'tooldir'), {recursive: true})
})
afterAll(async () => {
  await wipeSandboxKeychain(sandbox)
  sandbox.cleanup()
  await emulator.close()
})

describe('exec error lines (issue 21 item 7)', () => {
  it("a bad --region names the command's region, for exec, env and console", async () => {
    const exec = await keyless(['exec', ...ROLE, '--region', 'moon-1', '--', 'true'])
    expect(exec.code).toBe(2)
    expect(exec.stderr).toBe('keyless: "moon-1" is not an AWS region name; pass the AWS region for the command, e.g. --region eu-west-1\n')
    const env = await keyless(['env', ...ROLE, '--region', 'moon-1'])
    expect(env.code).toBe(2)
    expect(env.stderr).toBe('keyless: "moon-1" is not an AWS region name; pass the AWS region for the variables, e.g. --region eu-west-1\n')
    const console = await keyless(['console', ...ROLE, '--print', '--region', 'moon-1'])
    expect(console.code).toBe(2)
    expect(console.stderr).toBe(
      'keyless: "moon-1" is not an AWS region name; pass the region to open the console in, e.g. --region eu-west-1\n',
    )
  })

  it('a command that cannot start: one line saying what is there, with the shell exit code', async () => {
    const cases: Array<[string[], number, string, NodeJS.ProcessEnv?]> = [
      [['/tmp'], 126, 'keyless: cannot run /tmp: it is a directory; name the program to run after --, e.g. -- ./bin/tool\n'],
      [
        ['tooldir'],
        126,
        'keyless: cannot run tooldir: it is a directory; name the program to run after --, e.g. -- ./bin/tool\n',
        {PATH: `${join(sandbox.home, 'bin')}:${process.env.PATH}`},
      ],
      [
        ['./not-executable.sh'],
        126,
        `keyless: cannot run ./not-executable.sh: it is not executable; run: chmod +x ${join(sandbox.home, 'not-executable.sh')}, or name its interpreter (-- sh ${join(sandbox.home, 'not-executable.sh')})\n`,
      ],
      [['./no-such-file'], 127, 'keyless: no such file: ./no-such-file; check the path\n'],
      [
        ['no-such-command-xyz'],
        127,
        'keyless: command not found: no-such-command-xyz; check its name and your PATH (exec runs it without a shell)\n',
      ],
      [
        ['./old-python.py'],
        127,
        "keyless: cannot run ./old-python.py: its interpreter (#!/nonexistent/python9) does not exist; install it, or correct the script's first line\n",
      ],
    ]
    for (const [command, code, line, env] of cases) {
      const r = await keyless(['exec', ...ROLE, '--', ...command], env)
      expect(r.code, command.join(' ')).toBe(code)
      expect(r.stderr, command.join(' ')).toBe(line)
    }
  })
})
