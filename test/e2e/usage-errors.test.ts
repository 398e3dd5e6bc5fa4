/**
 * Issue 21 items 9 and 13: usage errors in keyless's one-line style (exit 2, `keyless: what; run: ...`), oclif's
 * own parse errors included, and "did you mean" for a mistyped command followed by its arguments.
 */
import {readFileSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {writeFile} from '../helpers/files.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
beforeAll(() => {
  sandbox = makeSandbox()
})
afterAll(() => sandbox.cleanup())
const keyless = (args: string[]) => runKeyless(args, {env: sandbox.env})

/** One line on stderr, nothing on stdout, exit 2. */
async function usageError(args: string[]): Promise<string> {
  const result = await keyless(args)
  expect(result.stdout, args.join(' ')).toBe('')
  expect(result.code, args.join(' ')).toBe(2)
  expect(result.stderr.split('\n'), args.join(' ')).toHaveLength(2)
  return result.stderr
}

describe("oclif's parse errors, in one line", () => {
  it('a flag that needs another (audit --yes without --fix)', async () => {
    expect(await usageError(['audit', '--yes'])).toBe('keyless: --yes only works with --fix; run: keyless audit --help\n')
  })

  it('a value an enum flag does not take', async () => {
    expect(await usageError(['env', '--format', 'zsh'])).toBe(
      'keyless: --format "zsh" is not one of: sh, fish, powershell, windows-cmd, dotenv, json; run: keyless env --help\n',
    )
    expect(await usageError(['configure', '--store', 'vault'])).toBe(
      'keyless: --store "vault" is not one of: keychain, kernel-keyring; run: keyless configure --help\n',
    )
  })

  it('two flags that exclude each other: said once', async () => {
    expect(await usageError(['logout', '--all', '--session', 'acme'])).toBe(
      'keyless: --all and --session cannot be used together; run: keyless logout --help\n',
    )
  })

  it('never the heading or the hint of oclif', async () => {
    for (const args of [
      ['audit', '--yes'],
      ['env', '--format', 'zsh'],
      ['accounts', '--bogus'],
      ['login', '--session'],
    ]) {
      const line = await usageError(args)
      expect(line).not.toMatch(/The following error|See more help/)
      expect(line.match(/--help/g), line).toHaveLength(1)
    }
  })
})

describe('audit --fix with no terminal to ask on', () => {
  it('fails first: exit 2 before any inventory is printed, nothing changed', async () => {
    const credentials =
      '[default]\naws_access_key_id = AKIAEMULATORUSER0001\naws_secret_access_key = emulator-user-secret-0000000000000000000\n'
    writeFile(sandbox.credentialsFile, credentials)
    const result = await runKeyless(['audit', '--fix', '--offline'], {env: sandbox.env, input: ''})
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'keyless: --fix asks before removing anything, and there is no terminal to ask on; run it in a terminal, or add --yes to remove every key and cache keyless can (no profile conversion)\n',
    )
    expect(result.code).toBe(2)
    expect(readFileSync(sandbox.credentialsFile, 'utf8')).toBe(credentials)
  })
})

describe('did you mean', () => {
  it('a mistyped command with arguments after it (keyless ecex foo)', async () => {
    expect(await usageError(['ecex', 'foo'])).toBe(
      'keyless: unknown command "ecex"; did you mean: keyless exec? (all commands: keyless --help)\n',
    )
    expect(await usageError(['exce', 'foo', 'bar'])).toBe(
      'keyless: unknown command "exce"; did you mean: keyless exec? (all commands: keyless --help)\n',
    )
    expect(await usageError(['profile', 'sync', '--dry-run'])).toBe(
      'keyless: unknown command "profile sync"; did you mean: keyless profiles sync? (all commands: keyless --help)\n',
    )
  })

  it('letters swapped twice in a long command', async () => {
    expect(await usageError(['acocutns'])).toBe(
      'keyless: unknown command "acocutns"; did you mean: keyless accounts? (all commands: keyless --help)\n',
    )
  })

  it('nothing close: no guess', async () => {
    expect(await usageError(['frobnicate', 'x'])).toBe('keyless: unknown command "frobnicate x"; run: keyless --help\n')
  })
})
