import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq} from 'yaml'

/**
 * A CI file parsed for reading and for text edits: every edit keyless makes is a splice of the original text at
 * the ranges the parser gives, so every byte it does not mean to change (comments, quoting, indentation, order,
 * blank lines, line endings) stays as it was. `yaml`'s own re-serialisation would normalise some of them.
 */
export interface ParsedYaml {
  text: string
  doc: Document.Parsed
  lines: LineCounter
}

/** The parse, or why it cannot be used: a syntax error, or several documents in one file. */
export function parseYaml(text: string): ParsedYaml | {error: string} {
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, keepSourceTokens: true, uniqueKeys: false})
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!
    const where = first.linePos?.[0] ? ` at line ${first.linePos[0].line}` : ''
    return {error: `YAML error${where}: ${first.code}`}
  }
  // parseDocument keeps the first document only; a second one would be silently dropped by an edit.
  if (/^---/m.test(text.slice(doc.range[1]))) return {error: 'more than one YAML document in the file'}
  return {text, doc, lines}
}

/** 1-based line of an offset. */
export function lineOf(parsed: ParsedYaml, offset: number): number {
  return parsed.lines.linePos(offset).line
}

/** The pair of a block or flow mapping whose key is `key` (plain string comparison). */
export function pairOf(map: unknown, key: string): Pair<Node, Node | null> | undefined {
  if (!isMap(map)) return undefined
  return (map as YAMLMap<Node, Node | null>).items.find((p) => isScalar(p.key) && String(p.key.value) === key)
}

export function mapAt(map: unknown, key: string): YAMLMap<Node, Node | null> | undefined {
  const value = pairOf(map, key)?.value
  return isMap(value) ? (value as YAMLMap<Node, Node | null>) : undefined
}

export function seqAt(map: unknown, key: string): YAMLSeq<Node> | undefined {
  const value = pairOf(map, key)?.value
  return isSeq(value) ? (value as YAMLSeq<Node>) : undefined
}

export function stringAt(map: unknown, key: string): string | undefined {
  const value = pairOf(map, key)?.value
  return isScalar(value) && value.value !== null && value.value !== undefined ? String(value.value) : undefined
}

/** Offset of the start of the line holding `offset`. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

/** Offset just past the line break of the line holding `offset` (or the end of the text). */
export function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  return nl === -1 ? text.length : nl + 1
}

/** The column (0-based) a node starts at. */
export function columnOf(text: string, offset: number): number {
  return offset - lineStart(text, offset)
}

/** The line break the file uses (CRLF files stay CRLF). */
export function eolOf(text: string): string {
  return /\r\n/.test(text) ? '\r\n' : '\n'
}

/** The lines a block-mapping pair occupies, from its key's line to the end of its value's last line (with a
 * comment on that line). */
export function pairSpan(text: string, pair: Pair<Node, Node | null>): {start: number; end: number} {
  const keyStart = (pair.key as Node).range![0]
  const value = pair.value as Node | null
  const last = value?.range ? Math.max(value.range[1] - 1, keyStart) : keyStart
  return {start: lineStart(text, keyStart), end: lineEnd(text, last)}
}
