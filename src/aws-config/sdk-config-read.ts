import {closeSync, openSync, readSync} from 'node:fs'

import {dropsSection, isOtherProfile} from './sdk-config-view.js'
import {scanSdkIniHeaders} from './sdk-ini-headers.js'

/** How much of the file is in memory at once (grown for a longer line). */
const CHUNK_BYTES = 64 * 1024
const LF = 0x0a
const OPEN = 0x5b

/**
 * A header line that is a `[profile NAME]` header to scanSdkIniHeaders and to the SDK's pattern (dropsSection) alike,
 * with the NAME they both read: `[profile `, a plain NAME, `]`, maybe a CR. ASCII only, so its Latin-1 reading is
 * its UTF-8 one.
 */
const PLAIN_PROFILE_HEADER = /^\[profile [\w\-@+.%:/]+\]\r?$/
/** Where NAME starts in such a line. */
const NAME_AT = '[profile '.length

/** Buffer's own slicing methods: Buffer.prototype.toString's checks cost ~1.5 us a call in cold code, ×3,000. */
type Slicing = Buffer & {latin1Slice?: (start: number, end: number) => string}

/**
 * configForProfiles(text, keep) of the config file at `path` (its bytes decoded as UTF-8, as readFile then
 * toString('utf8') gives them), without holding the whole file in memory: whoami with 3,000 profiles otherwise makes
 * a 740 KB buffer and a 740 KB string, both fresh memory, which on a small VM costs a page fault per 4 KB, to keep
 * a few hundred bytes of it (issue 22). The file goes through one 64 KB buffer, a line never split between two
 * reads; only the kept lines and the header lines become text. Throws what openSync and readSync throw.
 *
 * The same as cutting the decoded text: every piece starts and ends at a line break, and an LF byte is never part
 * of a UTF-8 sequence, so decoding the pieces gives the characters decoding the whole gives (invalid bytes, a BOM,
 * a character across two reads alike). A header line that is not a plain `[profile NAME]` is decoded and read by
 * scanSdkIniHeaders and dropsSection themselves.
 */
export function readConfigForProfiles(path: string, keep: ReadonlySet<string>, chunkBytes = CHUNK_BYTES): string {
  const out: string[] = []
  // A plain profile's name is made a string only when it could be kept: as long as a name kept, or one that may be
  // an sso-session's or services' key (isOtherProfile). exec() and a string per header cost ~2 us each, ×3,000.
  const kept = {keep, lengths: new Set([...keep, 'default', '__proto__'].map((name) => name.length))}
  let dropping = false
  const fd = openSync(path, 'r')
  try {
    let buf: Slicing = Buffer.allocUnsafe(chunkBytes)
    let filled = 0
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, filled)
        buf = bigger
      }
      const n = readSync(fd, buf, filled, buf.length - filled, null)
      const eof = n === 0
      filled += n
      // A plain Uint8Array's indexOf is V8's own, without Buffer's per-call checks (thousands of calls here).
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, filled)
      // Whole lines only: up to the last line break (all that is left, at the end of the file).
      const end = eof ? filled : bytes.lastIndexOf(LF) + 1
      if (end === 0 && !eof) continue // a line longer than the buffer so far: read more
      const block = bytes.subarray(0, end)
      let keptFrom = 0
      for (let at = block.indexOf(OPEN); at >= 0;) {
        // A header usually opens its line: no search back then.
        const lineStart = at === 0 || block[at - 1] === LF ? at : block.lastIndexOf(LF, at - 1) + 1
        let lineEnd = block.indexOf(LF, at)
        if (lineEnd < 0) lineEnd = end
        const drop = headerDrops(buf, block, lineStart, at, lineEnd, kept)
        if (drop !== undefined) {
          if (drop && !dropping) out.push(buf.toString('utf8', keptFrom, lineStart))
          if (!drop && dropping) keptFrom = lineStart
          dropping = drop
        }
        at = block.indexOf(OPEN, lineEnd)
      }
      if (!dropping) out.push(buf.toString('utf8', keptFrom, end))
      buf.copy(buf, 0, end, filled)
      filled -= end
      if (eof) break
    }
  } finally {
    closeSync(fd)
  }
  return out.join('')
}

/**
 * Whether the line [lineStart, lineEnd), whose first `[` is at `at`, is a header whose section configForProfiles
 * leaves out; undefined when it is no header.
 */
function headerDrops(
  buf: Slicing,
  block: Uint8Array,
  lineStart: number,
  at: number,
  lineEnd: number,
  kept: {keep: ReadonlySet<string>; lengths: ReadonlySet<number>},
): boolean | undefined {
  if (at > lineStart && !blankBefore(block, lineStart, at)) return undefined
  if (at === lineStart && buf.latin1Slice) {
    const line = buf.latin1Slice(lineStart, lineEnd)
    if (PLAIN_PROFILE_HEADER.test(line)) {
      const nameEnd = line.length - (line.endsWith('\r') ? 2 : 1)
      if (!kept.lengths.has(nameEnd - NAME_AT) && line[NAME_AT] !== 's') return true
      return isOtherProfile(line.slice(NAME_AT, nameEnd), kept.keep)
    }
  }
  const inner = scanSdkIniHeaders(buf.toString('utf8', lineStart, lineEnd)).inner[0]
  return inner === undefined ? undefined : dropsSection(inner, kept.keep)
}

/** False when an ASCII byte that String.prototype.trim keeps comes before the `[`: the line is no header then. */
function blankBefore(block: Uint8Array, from: number, to: number): boolean {
  // Other bytes may be a non-ASCII blank (U+FEFF, U+00A0...): the caller decides on the decoded line.
  for (let i = from; i < to; i++) {
    const c = block[i]!
    if (c < 0x80 && c !== 0x20 && (c < 0x09 || c > 0x0d)) return false
  }
  return true
}
