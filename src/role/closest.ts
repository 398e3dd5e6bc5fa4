import {distance} from 'fastest-levenshtein'

/**
 * The names closest to a mistyped one, best first: a name containing the input (or contained in it) first, then
 * by edit distance, case ignored. For the one-line "no account X; closest: a, b, c" errors. `limit` is the largest
 * edit distance still counted as close (default: half the input's length, at least 3).
 */
export function closestNames(input: string, names: readonly string[], max = 3, limit?: number): string[] {
  const wanted = input.toLowerCase()
  const scored = [...new Set(names)].map((name) => {
    const n = name.toLowerCase()
    const contains = n.includes(wanted) || wanted.includes(n)
    // Letters left out (`AdminAccess` for `AdministratorAccess`) count less than letters that differ.
    const abbreviation = isSubsequence(wanted, n) || isSubsequence(n, wanted)
    return {name, score: editDistance(wanted, n) - (contains ? 100 : abbreviation ? 50 : 0)}
  })
  const within = limit ?? Math.max(3, Math.ceil(wanted.length / 2))
  return scored
    .filter((s) => s.score <= within)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name)
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0
  for (const c of long) if (c === short[i]) i++
  return short.length > 0 && i === short.length
}

/** Levenshtein distance (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  return distance(a, b)
}
