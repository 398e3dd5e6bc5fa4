import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
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
  // Issue 20, item 3: quotes of every kind, and what some shell somewhere treats specially.
  'evil\u2019; Write-Host PWNED; \u2019',
  '\u2018\u2019\u201a\u201b\u201c\u201d\u201e\'"`',
  "''",
  '%PATH% ^& !x! | < > ; & # ~ * ? [a] {a,b} -n =',
  '\u001b]0;TITLE\u0007 \u001b[31mred\r\n\u007f',
  ' lead and trail ',
]

/** The shells here that run `sh` output (zsh when installed: scripts/ensure-deps.sh installs it). */
const SH_SHELLS = ['bash', 'dash', 'zsh'].filter((s) => existsSync(`/usr/bin/${s}`))

/**
 * Every value through the real shell at once: the format's lines, then each variable printed NUL-terminated;
 * the bytes that come back must be the value's UTF-8 bytes.
 */
function roundTrip(shell: 'sh-family' | 'fish', run: string, values: string[]): string[] {
  const variables = values.map((v, i): [string, string] => [`KEYLESS_T${i}`, v])
  const print = values.map((_, i) => `printf '%s\\0' "$KEYLESS_T${i}"`).join('\n')
  const dir = mkdtempSync(join(tmpdir(), 'keyless-env-'))
  try {
    const file = join(dir, 'env.script')
    writeFileSync(file, formatVariables(variables, shell === 'fish' ? 'fish' : 'sh') + print + '\n')
    const args = shell === 'fish' ? ['--no-config', file] : run === 'zsh' ? ['-f', file] : [file]
    const out = execFileSync(run, args, {cwd: dir})
    return out.toString('utf8').split('\0').slice(0, -1)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/** Values a shell can hold: any Unicode but NUL (no environment variable can carry one), quotes and controls often. */
const shellValue = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "'",
        '"',
        '`',
        '$',
        '\\',
        '%',
        '!',
        '^',
        '\n',
        '\r',
        '\t',
        '\u001b',
        '\u2018',
        '\u2019',
        '\u201a',
        '\u201b',
        '(',
        ')',
        ';',
        '{',
        '}',
      ),
      fc.string({unit: 'grapheme', maxLength: 3}),
      fc.string({unit: 'binary', maxLength: 3}),
    ),
    {maxLength: 12},
  )
  .map((parts) => parts.join(''))
  .filter((v) => !v.includes('\u0000') && !/[\uD800-\uDFFF]/.test(v.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')))

function valueIn(shell: string, args: string[], input: string): string {
  return execFileSync(shell, args, {input, encoding: 'utf8'})
}

describe('env formats evaluated by real shells', () => {
  for (const shell of SH_SHELLS) {
    it(`${shell}: hostile values and random ones arrive byte for byte, and nothing of them runs`, () => {
      expect(roundTrip('sh-family', shell, NASTY)).toEqual(NASTY)
      fc.assert(
        fc.property(fc.array(shellValue, {minLength: 1, maxLength: 20}), (values) => {
          expect(roundTrip('sh-family', shell, values)).toEqual(values)
        }),
        {numRuns: 25},
      )
      expect(existsSync('/tmp/keyless-pwned')).toBe(false)
    })
  }

  it.skipIf(!existsSync('/usr/bin/fish'))('fish: hostile values and random ones arrive byte for byte', () => {
    expect(roundTrip('fish', 'fish', NASTY)).toEqual(NASTY)
    fc.assert(
      fc.property(fc.array(shellValue, {minLength: 1, maxLength: 20}), (values) => {
        expect(roundTrip('fish', 'fish', values)).toEqual(values)
      }),
      {numRuns: 25},
    )
  })

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

/**
 * How PowerShell reads a single-quoted string (its tokenizer's ScanStringLiteral): any of the five single-quote
 * characters ends it, unless another of them follows, which then stands for itself. Returns the value and what
 * follows the closing quote. PowerShell is not installed here: this model is the check.
 */
function readPowerShellSingleQuoted(text: string): {value: string; rest: string} {
  const quote = (c: string | undefined) => c !== undefined && "'\u2018\u2019\u201a\u201b".includes(c)
  if (!quote(text[0])) throw new Error('not a single-quoted string')
  let value = ''
  for (let i = 1; i < text.length; i++) {
    if (quote(text[i])) {
      if (!quote(text[i + 1])) return {value, rest: text.slice(i + 1)}
      i++
    }
    value += text[i]
  }
  throw new Error('unterminated string')
}

describe('powershell: single-quoted by PowerShell’s full rules (issue 20, item 3)', () => {
  const table: Array<[string, string]> = [
    ["it's", "'it''s'"],
    ['evil\u2019; Write-Host PWNED; \u2019', "'evil\u2019\u2019; Write-Host PWNED; \u2019\u2019'"],
    ['\u2018', "'\u2018\u2018'"],
    ['\u201a\u201b', "'\u201a\u201a\u201b\u201b'"],
    ['\u201c"\u201d', "'\u201c\"\u201d'"], // double quotes of any kind mean nothing in single quotes
    ['$Env:X `n $(calc)', "'$Env:X `n $(calc)'"],
    ['a\nb', "'a\nb'"],
  ]
  for (const [value, quoted] of table) {
    it(`${JSON.stringify(value)} -> ${JSON.stringify(quoted)}`, () => {
      expect(powershellQuote(value)).toBe(quoted)
      expect(readPowerShellSingleQuoted(quoted)).toEqual({value, rest: ''})
    })
  }

  it("the issue's account name cannot end the string: KEYLESS_ROLE stays one assignment", () => {
    const out = formatVariables([['KEYLESS_ROLE', 'evil\u2019; Write-Host PWNED; \u2019.Admin']], 'powershell')
    const line = out.trim().split('\n').at(-1)!
    expect(line.startsWith('$Env:KEYLESS_ROLE=')).toBe(true)
    expect(readPowerShellSingleQuoted(line.slice('$Env:KEYLESS_ROLE='.length))).toEqual({
      value: 'evil\u2019; Write-Host PWNED; \u2019.Admin',
      rest: '',
    })
  })

  it('any value: the quoted string holds exactly the value and nothing follows it', () => {
    fc.assert(
      fc.property(shellValue, (value) => {
        expect(readPowerShellSingleQuoted(powershellQuote(value))).toEqual({value, rest: ''})
      }),
      {numRuns: 2000},
    )
  })
})

describe('windows-cmd and dotenv refuse what they cannot hold literally', () => {
  for (const value of ['100%', 'a!b', 'a^b', 'a&b', 'a|b', 'a<b', 'a>b', 'a"b', 'a\nb', 'a\rb', 'a\u001b]0;T\u0007', 'a\u007f'])
    it(`windows-cmd refuses ${JSON.stringify(value)}`, () => {
      expect(() => formatVariables([['X', value]], 'windows-cmd')).toThrow(/cannot be written safely in the windows-cmd format/)
    })
  for (const value of ["it's", 'a\nb', 'a\rb', 'a\tb', 'a\u001b[31m', 'a\u007f'])
    it(`dotenv refuses ${JSON.stringify(value)}`, () => {
      expect(() => formatVariables([['X', value]], 'dotenv')).toThrow(/cannot be written safely in the dotenv format/)
    })
  it('dotenv keeps $, backticks, quotes of other kinds literal in single quotes', () => {
    expect(formatVariables([['X', 'a $HOME `id` "q" \u2019']], 'dotenv')).toBe('X=\'a $HOME `id` "q" \u2019\'\n')
  })
})
