import type {ListProgress} from './list.js'

/** Listings of this many accounts or fewer finish too fast for a bar to help. */
const MIN_ACCOUNTS_FOR_BAR = 10

/**
 * A progress bar on stderr for long listings: only when stderr is a terminal and more than 10 accounts are
 * being listed. Its total grows as ListAccounts pages arrive. `stop()` clears it (always call it).
 */
export function accountsProgressBar(stream: NodeJS.WriteStream = process.stderr): {update(p: ListProgress): void; stop(): void} {
  if (!stream.isTTY) return {update: () => {}, stop: () => {}}
  let bar: import('cli-progress').SingleBar | undefined
  let loading = false
  let latest: ListProgress | undefined
  let stopped = false
  const show = (p: ListProgress) => {
    bar?.setTotal(p.accountsFound)
    bar?.update(p.accountsDone, {found: p.allAccountsFound ? '' : '+'})
  }
  return {
    update(p) {
      latest = p
      if (bar) return show(p)
      if (loading || stopped || p.accountsFound <= MIN_ACCOUNTS_FOR_BAR) return
      loading = true
      // Loaded only when shown.
      void import('cli-progress').then(({default: progress}) => {
        if (stopped) return
        bar = new progress.SingleBar(
          {
            stream,
            format: 'Listing accounts and roles [{bar}] {value}/{total}{found} accounts | {eta_formatted} left',
            hideCursor: true,
            clearOnComplete: true,
            barsize: 30,
            etaBuffer: 50,
          },
          progress.Presets.shades_classic,
        )
        bar.start(latest!.accountsFound, latest!.accountsDone, {found: '+'})
        show(latest!)
      })
    },
    stop() {
      stopped = true
      bar?.stop()
      bar = undefined
    },
  }
}
