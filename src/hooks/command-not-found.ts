import type {Hook} from '@oclif/core'

import {distance} from 'fastest-levenshtein'

import {printable} from '../errors.js'

/**
 * `keyless nope` or `keyless status extra`: one line saying what was not understood and what to run,
 * exit 2 (a usage error), like every other keyless failure.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const words = options.id.split(':')
  const known = words.findLastIndex((_, i) => options.config.findCommand(words.slice(0, i + 1).join(':')) !== undefined)
  const closest = known >= 0 ? undefined : closestCommand(options.id, options.config.commandIDs)
  const line =
    known >= 0
      ? `keyless: unexpected argument "${printable(words.slice(known + 1).join(' '))}"; run: keyless ${words.slice(0, known + 1).join(' ')} --help`
      : closest
        ? `keyless: unknown command "${printable(words.join(' '))}"; did you mean: keyless ${closest.replaceAll(':', ' ')}? (all commands: keyless --help)`
        : `keyless: unknown command "${printable(words.join(' '))}"; run: keyless --help`
  process.stderr.write(line + '\n')
  this.exit(2)
}

/** The command a typo most likely meant: the nearest by edit distance, if it is near enough (as oclif's plugin-not-found). */
export function closestCommand(typed: string, ids: string[]): string | undefined {
  let best: {id: string; distance: number} | undefined
  for (const id of ids) {
    const d = distance(typed, id)
    if (!best || d < best.distance) best = {id, distance: d}
  }
  // More than a third of the word wrong is not a typo.
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 3)) ? best.id : undefined
}

export default hook
