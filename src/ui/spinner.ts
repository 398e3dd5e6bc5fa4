import {sizedStream, stderrIsTty} from './terminal.js'

/** A spinner on stderr while something is waited for; nothing at all when stderr is not a terminal. */
export function pollingSpinner(text: string): {start(): void; stop(): void} {
  let spinner: {stop(): void} | undefined
  let wanted = false
  return {
    start() {
      if (!stderrIsTty() || wanted) return
      wanted = true
      // Loaded only when shown: ora is not needed on any non-interactive path.
      void import('ora').then(({default: ora}) => {
        if (wanted) spinner = ora({text, stream: sizedStream(process.stderr)}).start()
      })
    },
    stop() {
      wanted = false
      spinner?.stop()
      spinner = undefined
    },
  }
}
