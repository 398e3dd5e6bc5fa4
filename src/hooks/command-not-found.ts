import type {Hook} from '@oclif/core'

import {printable} from '../errors.js'
import {typoDistance} from './typo-distance.js'

/**
 * `keyless nope` or `keyless status extra`: one line saying what was not understood and what to run,
 * exit 2 (a usage error), like every other keyless failure.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const words = options.id.split(':')
  const known = words.findLastIndex((_, i) => options.config.findCommand(words.slice(0, i + 1).join(':')) !== undefined)
  const typo = known >= 0 ? undefined : closestTypedCommand(words, options.config.commandIDs)
  const line =
    known >= 0
      ? `keyless: unexpected argument "${printable(words.slice(known + 1).join(' '))}"; run: keyless ${words.slice(0, known + 1).join(' ')} --help`
      : typo
        ? `keyless: unknown command "${printable(typo.typed.join(' '))}"; did you mean: keyless ${typo.id.replaceAll(':', ' ')}? (all commands: keyless --help)`
        : `keyless: unknown command "${printable(words.join(' '))}"; run: keyless --help`
  process.stderr.write(line + '\n')
  this.exit(2)
}

/**
 * oclif hands over the words up to the first flag as one id (`keyless ecex foo` is "ecex:foo"): the words after the
 * command are its arguments, so the longest leading words that are near a command are the typed command.
 */
export function closestTypedCommand(words: string[], ids: string[]): {typed: string[]; id: string} | undefined {
  for (let n = words.length; n > 0; n--) {
    const id = closestCommand(words.slice(0, n).join(':'), ids)
    if (id) return {typed: words.slice(0, n), id}
  }
  return undefined
}

/** The command a typo most likely meant: the nearest by edit distance, if it is near enough (as oclif's plugin-not-found). */
export function closestCommand(typed: string, ids: string[]): string | undefined {
  let best: {id: string; distance: number} | undefined
  for (const id of ids) {
    const d = typoDistance(typed, id)
    if (!best || d < best.distance) best = {id, distance: d}
  }
  // More than a third of the word wrong is not a typo.
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 3)) ? best.id : undefined
}

export default hook
