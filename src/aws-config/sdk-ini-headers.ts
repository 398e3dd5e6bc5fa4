/**
 * The section headers of an AWS config or credentials file as the AWS SDK for JavaScript finds them: a line whose
 * text, comments cut off (`;` or `#` at its start or after whitespace) and trimmed, is `[...]`. whoami reads the
 * sections it needs from them, and hands the SDK's STS client the file without other profiles' sections
 * (sdk-config-view.ts): one scan serves both (issue 22).
 *
 * With 3,000 profiles in the file, what costs is what a scan leaves alive, not the scan: each object kept past the
 * next young-generation collection is copied to fresh memory, which on a small VM costs a page fault per 4 KB. So the
 * headers are three flat arrays (one string per header, the rest numbers), not an object per section.
 */
export interface SdkIniHeaders {
  /** What lies between the brackets, untrimmed (the SDK's profile pattern does not trim it; whoami's reading does). */
  readonly inner: string[]
  /** Where each header's line starts. */
  readonly lineStart: number[]
  /** Where the section's first line after the header starts (the text's length when the header is its last line). */
  readonly bodyFrom: number[]
}

/**
 * Only a line whose first non-blank character is `[` can be a header, so the scan jumps from one `[` to the next and
 * reads nothing else. Lines end at LF; a CR before it is blank to the trim.
 */
export function scanSdkIniHeaders(text: string): SdkIniHeaders {
  const headers: SdkIniHeaders = {inner: [], lineStart: [], bodyFrom: []}
  for (let at = text.indexOf('['); at >= 0;) {
    const lineStart = at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1
    let lineEnd = text.indexOf('\n', at)
    if (lineEnd < 0) lineEnd = text.length
    if (lineStart === at || text.slice(lineStart, at).trim() === '') {
      const line = uncommented(text.slice(lineStart, lineEnd))
      if (line.length > 1 && line.endsWith(']')) {
        headers.inner.push(line.slice(1, -1))
        headers.lineStart.push(lineStart)
        headers.bodyFrom.push(Math.min(lineEnd + 1, text.length))
      }
    }
    at = text.indexOf('[', lineEnd)
  }
  return headers
}

/** The SDK's reading of one line without its line break: the text it keeps, comments cut off, trimmed. */
export function uncommented(rawLine: string): string {
  // Most lines have no comment character: they skip the comment-splitting expression (cold code, it costs).
  return (rawLine.includes(';') || rawLine.includes('#') ? (rawLine.split(/(?:^|\s)[;#]/)[0] ?? '') : rawLine).trim()
}
