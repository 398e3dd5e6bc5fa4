import type {ConfigDocument, ConfigSection, LineEnding} from './ini.js'

/**
 * Line-level edits on a parsed document: replace a line's text, remove lines, insert lines after a line,
 * append whole sections. Every line not named by an edit comes out byte for byte (text and line ending).
 * New lines use the file's own line ending; a file without a final newline keeps having none.
 */
export class LineEditor {
  private readonly replaced = new Map<number, string>()
  private readonly removed = new Set<number>()
  private readonly inserted = new Map<number, string[]>()
  private readonly appended: string[][] = []

  constructor(private readonly doc: ConfigDocument) {}

  /** True once any edit was recorded. */
  get changed(): boolean {
    return this.replaced.size + this.removed.size + this.inserted.size + this.appended.length > 0
  }

  /** Replaces the text of line `index` (its line ending is kept), unless it already is `text`. */
  replace(index: number, text: string): boolean {
    if ((this.replaced.get(index) ?? this.doc.lines[index]?.text) === text) return false
    this.replaced.set(index, text)
    return true
  }

  /** Removes lines [start, end). */
  remove(start: number, end: number): void {
    for (let i = start; i < end; i++) this.removed.add(i)
  }

  /** Inserts new lines right after line `index`. */
  insertAfter(index: number, texts: string[]): void {
    if (texts.length === 0) return
    this.inserted.set(index, [...(this.inserted.get(index) ?? []), ...texts])
  }

  /**
   * Removes a whole section: header through its last key/continuation line, plus the blank lines right after it.
   * When nothing that stays follows it, the blank lines before it go too (so the file does not end in blanks
   * that separated it). Comments after its body stay: they usually describe the next section.
   * Remove sections from the last to the first so that "what stays" is known.
   */
  removeSection(section: ConfigSection): void {
    const lines = this.doc.lines
    let end = section.bodyEnd
    while (end < lines.length && lines[end]?.kind === 'blank') end++
    this.remove(section.start, end)
    let rest = end
    while (rest < lines.length && (this.removed.has(rest) || lines[rest]?.kind === 'blank')) rest++
    if (rest < lines.length) return
    let before = section.start
    while (before > 0 && (lines[before - 1]?.kind === 'blank' || this.removed.has(before - 1))) before--
    this.remove(before, section.start)
  }

  /** Appends a section (its lines, header first) at the end of the file, after one blank line. */
  appendSection(texts: string[]): void {
    this.appended.push(texts)
  }

  /** The edited text (the original text, untouched, when nothing was edited). */
  result(original: string): string {
    if (!this.changed) return original
    const eol = this.doc.eol
    const out: Array<{text: string; eol: LineEnding}> = []
    const push = (text: string, lineEol: LineEnding): void => {
      const last = out.at(-1)
      if (last && last.eol === '') last.eol = eol
      out.push({text, eol: lineEol})
    }
    for (const [i, line] of this.doc.lines.entries()) {
      if (!this.removed.has(i)) push(this.replaced.get(i) ?? line.text, line.eol)
      for (const text of this.inserted.get(i) ?? []) push(text, eol)
    }
    for (const section of this.appended) {
      const last = out.at(-1)
      if (last && last.text.trim() !== '') push('', eol)
      for (const text of section) push(text, eol)
    }
    const last = out.at(-1)
    if (last) last.eol = this.doc.finalNewline ? last.eol || eol : ''
    return (this.doc.bom ? '\ufeff' : '') + out.map((l) => l.text + l.eol).join('')
  }
}

export interface KeyWrite {
  /** Lower-case key name. */
  name: string
  /** The wanted value; undefined leaves the key as it is. */
  value: string | undefined
  /** `set`: bring an existing key to `value` too; `if-missing`: only add it when the section lacks it. */
  mode: 'set' | 'if-missing'
}

/**
 * Brings a section's keys to the wanted values, touching nothing else in it. An existing key keeps its line,
 * its spelling and the spacing before its value; only the value changes (a key's continuation lines go with
 * its old value). A missing key is inserted after the nearest key that precedes it in `writes` order (after
 * the header when none does), so keys come out in `writes` order in a section keyless wrote.
 * Returns true when something changed.
 */
export function writeSectionKeys(editor: LineEditor, doc: ConfigDocument, section: ConfigSection, writes: KeyWrite[]): boolean {
  let changed = false
  const anchors = new Map<string, number>()
  for (const key of section.keys) anchors.set(key.name, key.end - 1)
  for (const [n, write] of writes.entries()) {
    if (write.value === undefined) continue
    const existing = section.keys.find((k) => k.name === write.name)
    if (existing) {
      const continued = doc.lines.slice(existing.line + 1, existing.end).some((l) => l.kind === 'subkey')
      // A value continued on indented lines is a different (multi-line) value for botocore.
      if (write.mode === 'if-missing' || (existing.value === write.value && !continued)) continue
      const line = doc.lines[existing.line]
      const match = line && /^([^\S\ufeff]*)(.*?)([^\S\ufeff]*[=:][^\S\ufeff]*)(.*)$/s.exec(line.text)
      const text =
        match && existing.value !== ''
          ? `${match[1]}${match[2]}${match[3]}${write.value}`
          : `${match?.[1] ?? ''}${match?.[2] ?? write.name} = ${write.value}`
      changed = editor.replace(existing.line, text) || changed
      for (let i = existing.line + 1; i < existing.end; i++) {
        if (doc.lines[i]?.kind === 'subkey') {
          editor.remove(i, i + 1)
          changed = true
        }
      }
      continue
    }
    let anchor = section.start
    for (const previous of writes.slice(0, n).reverse()) {
      const at = anchors.get(previous.name)
      if (at !== undefined) {
        anchor = at
        break
      }
    }
    editor.insertAfter(anchor, [`${write.name} = ${write.value}`])
    anchors.set(write.name, anchor)
    changed = true
  }
  return changed
}
