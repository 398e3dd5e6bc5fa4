import {KeylessError} from '../errors.js'

export const ENV_FORMATS = ['sh', 'fish', 'powershell', 'windows-cmd', 'dotenv', 'json'] as const

/** `env`'s format when none is given: the platform's own shell (PowerShell is Windows' default). */
export function defaultEnvFormat(platform: NodeJS.Platform = process.platform): (typeof ENV_FORMATS)[number] {
  return platform === 'win32' ? 'powershell' : 'sh'
}
export type EnvFormat = (typeof ENV_FORMATS)[number]

/** Profile variables a shell should drop so that nothing but the keys counts (as exec's child has it). */
const PROFILE_VARIABLES = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']

/** POSIX sh single quotes: everything literal; a ' becomes '\'' (bash, dash, zsh, ksh). */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** fish single quotes: only \\ and \' are escapes. */
export function fishQuote(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`
}

/**
 * PowerShell single-quoted string: literal, and only a single quote ends it; but PowerShell takes five characters
 * for one (' and the typographic U+2018, U+2019, U+201A, U+201B), so each is doubled, as PowerShell's own
 * CodeGeneration.EscapeSingleQuotedStringContent does. Doubling ’ to ’’ gives a literal ’: the value is kept.
 */
export function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`
}

/** dotenv: bare when plain (what `docker --env-file` needs: it takes the value verbatim), else single quotes. */
function dotenvValue(name: string, value: string): string {
  if (/^[A-Za-z0-9_./+=:@-]*$/.test(value)) return value
  if (value.includes("'") || /[\u0000-\u001f\u007f]/.test(value)) throw unquotable('dotenv', name)
  return `'${value}'`
}

function unquotable(format: string, name: string): KeylessError {
  return new KeylessError(`the value of ${name} cannot be written safely in the ${format} format`, 'use --format json or sh')
}

/**
 * The variables as lines for the shell they target (the AWS CLI's `configure export-credentials` formats, plus
 * dotenv and json). Every value is quoted for that shell, so nothing in it is ever run.
 */
export function formatVariables(variables: Array<[string, string]>, format: EnvFormat): string {
  switch (format) {
    case 'sh':
      return [`unset ${PROFILE_VARIABLES.join(' ')}`, ...variables.map(([n, v]) => `export ${n}=${shQuote(v)}`)].join('\n') + '\n'
    case 'fish':
      // `set` keeps the status before it: `true` clears the 4 of `set -e` on an unset variable, so `... | source; and cmd` works.
      return (
        [...PROFILE_VARIABLES.map((n) => `set -e ${n}`), 'true', ...variables.map(([n, v]) => `set -gx ${n} ${fishQuote(v)}`)].join('\n') +
        '\n'
      )
    case 'powershell':
      return (
        [
          ...PROFILE_VARIABLES.map((n) => `Remove-Item Env:${n} -ErrorAction SilentlyContinue`),
          ...variables.map(([n, v]) => `$Env:${n}=${powershellQuote(v)}`),
        ].join('\n') + '\n'
      )
    case 'windows-cmd':
      // cmd has no quoting that makes % ! ^ & | < > " literal everywhere, nor a line with a control character in
      // it safe: such a value is refused, not mangled.
      return (
        [
          ...PROFILE_VARIABLES.map((n) => `set ${n}=`),
          ...variables.map(([n, v]) => {
            if (/["%!^&|<>\u0000-\u001f\u007f]/.test(v)) throw unquotable('windows-cmd', n)
            return `set ${n}=${v}`
          }),
        ].join('\r\n') + '\r\n'
      )
    case 'dotenv':
      return variables.map(([n, v]) => `${n}=${dotenvValue(n, v)}`).join('\n') + '\n'
    case 'json':
      return JSON.stringify(Object.fromEntries(variables), null, 2) + '\n'
  }
}

/** The lines that clear the variables again (`env --unset`). */
export function formatUnset(names: string[], format: EnvFormat): string {
  switch (format) {
    case 'sh':
      return `unset ${names.join(' ')}\n`
    case 'fish':
      return names.map((n) => `set -e ${n}`).join('\n') + '\n'
    case 'powershell':
      return names.map((n) => `Remove-Item Env:${n} -ErrorAction SilentlyContinue`).join('\n') + '\n'
    case 'windows-cmd':
      return names.map((n) => `set ${n}=`).join('\r\n') + '\r\n'
    case 'dotenv':
      return names.map((n) => `${n}=`).join('\n') + '\n'
    case 'json':
      throw new KeylessError('--unset has no json form', 'use --format sh, fish, powershell, windows-cmd or dotenv', 2)
  }
}
