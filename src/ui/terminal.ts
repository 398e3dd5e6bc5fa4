/** What the terminal can do: colour and interactivity decided once, from the streams and NO_COLOR. */
export function stderrIsTty(): boolean {
  return Boolean(process.stderr.isTTY)
}
export function stdinIsTty(): boolean {
  return Boolean(process.stdin.isTTY)
}
export function colourOn(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb'
}
export function red(text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return colourOn(stream) ? `\u001b[1;31m${text}\u001b[0m` : text
}
export function bold(text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return colourOn(stream) ? `\u001b[1m${text}\u001b[0m` : text
}
export function dim(text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return colourOn(stream) ? `\u001b[2m${text}\u001b[0m` : text
}

/** The width used when a terminal reports none: what the prompt library, cli-progress and Node.js 20 fall back to. */
export const FALLBACK_COLUMNS = 80
const FALLBACK_ROWS = 24

/**
 * The stream with a size the drawing libraries can divide by. A pseudo-terminal nobody sized (a bare `script`, some
 * CI runners and IDE terminals) reports 0 columns and 0 rows; ora then counts Infinity lines to erase and loops for
 * ever, its event loop blocked (so not even SIGTERM's handler runs). Such a terminal still has a person at it who
 * can read and type, so it keeps its prompts and spinners, drawn 80 columns wide; a real size, and later resizes,
 * pass through unchanged.
 */
export function sizedStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!stream.isTTY) return stream
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') return target.columns || FALLBACK_COLUMNS
      if (key === 'rows') return target.rows || FALLBACK_ROWS
      if (key === 'getWindowSize') return () => [target.columns || FALLBACK_COLUMNS, target.rows || FALLBACK_ROWS]
      const value = Reflect.get(target, key, target) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}
