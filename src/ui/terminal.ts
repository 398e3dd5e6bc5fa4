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
