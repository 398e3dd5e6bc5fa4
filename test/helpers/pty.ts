/**
 * A command in a real pseudo-terminal (`script`), as a person at a shell runs it: stdin, stdout and stderr are
 * the terminal, which is also the controlling terminal (/dev/tty). Each answer is typed once its pattern shows.
 */
import {spawn} from 'node:child_process'

export interface TerminalRun {
  code: number | null
  /** Everything the terminal showed (stdout and stderr together, with the terminal's CRLF line endings). */
  screen: string
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

export async function runInTerminal(
  argv: string[],
  options: {env: NodeJS.ProcessEnv; answers?: Array<[RegExp, string]>; timeoutMs?: number},
): Promise<TerminalRun> {
  const answers = [...(options.answers ?? [])]
  // The pty gets a size, as a terminal has: `script` leaves it 0x0, and on Node.js 24 the prompt library then
  // redraws for ever.
  const command = `stty cols 100 rows 40; exec ${argv.map(quote).join(' ')}`
  const child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...options.env, TERM: 'xterm'}})
  let screen = ''
  let unanswered = ''
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString()
    unanswered += d.toString()
    const next = answers[0]
    if (next && next[0].test(unanswered)) {
      answers.shift()
      unanswered = ''
      setTimeout(() => child.stdin.write(next[1]), 200)
    }
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearTimeout(timer)
  if (answers.length > 0) throw new Error(`the terminal never showed ${answers[0]![0]}; it showed: ${JSON.stringify(screen)}`)
  return {code, screen}
}
