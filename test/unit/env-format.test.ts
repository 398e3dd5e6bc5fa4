import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {formatUnset, formatVariables, powershellQuote} from '../../src/env/format.js'

// The quoting of `keyless env`, checked by the real shells: whatever a value holds, the shell ends up with exactly
// that value and runs nothing of it.
const NASTY = [
  `it's`,
  'a"b',
  'back\\slash',
  '$(touch /tmp/keyless-pwned)',
  '`id`',
  'new\nline',
  'tab\there',
  '${HOME}',
  '!$',
  "\\'",
  'ünïcode ✓',
  '',
]

function valueIn(shell: string, args: string[], input: string): string {
  return execFileSync(shell, args, {input, encoding: 'utf8'})
}

describe('env formats evaluated by real shells', () => {
  for (const shell of ['bash', 'dash']) {
    it(`${shell}: every value arrives verbatim`, () => {
      for (const value of NASTY) {
        const script = formatVariables([['KEYLESS_T', value]], 'sh') + 'printf %s "$KEYLESS_T"'
        expect(valueIn(shell, ['-s'], script)).toBe(value)
      }
      expect(existsSync('/tmp/keyless-pwned')).toBe(false)
    })
  }

  it.skipIf(!existsSync('/usr/bin/fish'))('fish: every value arrives verbatim', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-fish-'))
    for (const value of NASTY) {
      const script = formatVariables([['KEYLESS_T', value]], 'fish') + 'printf %s "$KEYLESS_T"'
      // fish reads a script from a file (a pipe on stdin is refused in some environments).
      const file = join(dir, 'env.fish')
      writeFileSync(file, script)
      expect(execFileSync('fish', ['--no-config', file], {encoding: 'utf8'})).toBe(value)
    }
    rmSync(dir, {recursive: true, force: true})
  })

  it('sh: unsets the profile variables; --unset clears every variable', () => {
    const out = valueIn(
      'bash',
      ['-s'],
      `export AWS_PROFILE=p\n${formatVariables([['AWS_REGION', 'eu-west-1']], 'sh')}${formatUnset(['AWS_REGION'], 'sh')}echo "[\${AWS_PROFILE-unset}][\${AWS_REGION-unset}]"`,
    )
    expect(out).toBe('[unset][unset]\n')
  })

  it('powershell, windows-cmd, dotenv and json: the documented shapes', () => {
    expect(powershellQuote(`it's`)).toBe(`'it''s'`)
    const vars: Array<[string, string]> = [
      ['AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE'],
      ['AWS_SECRET_ACCESS_KEY', 'abc/def+ghi='],
    ]
    expect(formatVariables(vars, 'powershell')).toBe(
      "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue\n$Env:AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n$Env:AWS_SECRET_ACCESS_KEY='abc/def+ghi='\n",
    )
    expect(formatVariables(vars, 'windows-cmd')).toBe(
      'set AWS_PROFILE=\r\nset AWS_DEFAULT_PROFILE=\r\nset AWS_ACCESS_KEY_ID=ASIAEXAMPLE\r\nset AWS_SECRET_ACCESS_KEY=abc/def+ghi=\r\n',
    )
    expect(() => formatVariables([['X', '100%!']], 'windows-cmd')).toThrow(/cannot be written safely in the windows-cmd format/)
    expect(formatVariables(vars, 'dotenv')).toBe('AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=abc/def+ghi=\n')
    expect(formatVariables([['X', 'a b']], 'dotenv')).toBe("X='a b'\n")
    expect(JSON.parse(formatVariables(vars, 'json'))).toEqual({AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'abc/def+ghi='})
    expect(formatUnset(['A', 'B'], 'fish')).toBe('set -e A\nset -e B\n')
    expect(() => formatUnset(['A'], 'json')).toThrow(/--unset has no json form/)
  })
})
