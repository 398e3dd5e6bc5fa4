/**
 * Edit distance for typed commands: insertions, deletions, substitutions and swaps of two neighbouring letters
 * cost 1 each (optimal string alignment, the restricted Damerau-Levenshtein distance). Swapped keys are the
 * commonest typing slip (`exce`, `stauts`), and plain Levenshtein counts each swap as two edits.
 */
export function typoDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table: two back, one back, current.
  let twoBack: number[] = []
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, twoBack[j - 2]! + 1)
      current[j] = best
    }
    twoBack = previous
    previous = current
  }
  return previous[b.length]!
}
