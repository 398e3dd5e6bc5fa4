import {printable} from './errors.js'

/**
 * oclif's parse errors as keyless's one-line usage errors. oclif writes a heading ("The following error
 * occurred:"), one reason per line, and "See more help with --help"; keyless prints `keyless: REASONS; run:
 * keyless CMD --help`, so the heading and oclif's own hint go, and the reasons of flag relationships and enum
 * flags are said the way keyless's other errors are.
 */
export function usageReasons(message: string): string {
  const reasons = message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^See more help with --help$|^The following errors? occurred:$/.test(line))
    .map(rewrite)
  // Two exclusive flags are reported once from each side; said the keyless way they are the same sentence.
  return printable([...new Set(reasons)].join('; '))
}

function rewrite(reason: string): string {
  let m = /^All of the following must be provided when using (--[\w-]+): (.+)$/.exec(reason)
  if (m) return `${m[1]} only works with ${m[2]!.split(', ').join(' and ')}`
  m = /^One of the following must be provided when using (--[\w-]+): (.+)$/.exec(reason)
  if (m) return `${m[1]} needs one of ${m[2]}`
  m = /^--([\w-]+)(?:=.*)? cannot also be provided when using --([\w-]+)$/.exec(reason)
  if (m) return `--${[m[1], m[2]].sort().join(' and --')} cannot be used together`
  m = /^Expected --([\w-]+)=(.*) to be one of: (.+)$/.exec(reason)
  if (m) return `--${m[1]} "${m[2]}" is not one of: ${m[3]}`
  return reason
}
