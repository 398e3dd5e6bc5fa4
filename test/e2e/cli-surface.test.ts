import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT, runKeyless} from '../helpers/cli.js'
import {makeSandbox} from '../helpers/sandbox.js'

describe('the command surface', () => {
  it('the committed oclif.manifest.json matches the commands and flags that were built', () => {
    // `npm test` builds first, which regenerates the manifest from dist/. If that changed it, the committed
    // manifest was stale: commands or flags changed without it.
    if (!existsSync(join(ROOT, '.git'))) return
    const committed = execFileSync('git', ['show', 'HEAD:oclif.manifest.json'], {cwd: ROOT, encoding: 'utf8'})
    const built = readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')
    const commandsAndFlags = (text: string) => {
      const manifest = JSON.parse(text) as {commands: Record<string, {flags: Record<string, unknown>}>}
      return Object.fromEntries(Object.entries(manifest.commands).map(([id, c]) => [id, Object.keys(c.flags).sort()]))
    }
    expect(commandsAndFlags(built), 'oclif.manifest.json is stale: run npm run build and commit it').toEqual(commandsAndFlags(committed))
    expect(built).toBe(committed)
  })

  it('keyless --version and --help work', async () => {
    const sandbox = makeSandbox()
    try {
      const version = await runKeyless(['--version'], {env: sandbox.env})
      expect(version.code).toBe(0)
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}
      expect(version.stdout).toContain(`keyless/${pkg.version}`)
      const help = await runKeyless(['--help'], {env: sandbox.env})
      expect(help.code).toBe(0)
      for (const command of ['configure', 'login', 'logout', 'status', 'accounts', 'profiles', 'credential-process', 'whoami']) {
        expect(help.stdout).toContain(command)
      }
      expect(help.stderr).toBe('')
      const unknownFlag = await runKeyless(['status', '--nope'], {env: sandbox.env})
      expect(unknownFlag.code).toBe(2)
      const unknownCommand = await runKeyless(['stauts'], {env: sandbox.env})
      expect(unknownCommand.code).toBe(2)
      expect(unknownCommand.stderr).toBe(
        'keyless: unknown command "stauts"; did you mean: keyless status? (all commands: keyless --help)\n',
      )
      const extraArgument = await runKeyless(['status', 'extra'], {env: sandbox.env})
      expect(extraArgument.code).toBe(2)
      expect(extraArgument.stderr).toBe('keyless: unexpected argument "extra"; run: keyless status --help\n')
    } finally {
      sandbox.cleanup()
    }
  })
})
