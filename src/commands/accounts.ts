import {Flags} from '@oclif/core'

import {getAccounts, type AccountsResult} from '../accounts/accounts.js'
import {accountsProgressBar} from '../accounts/progress.js'
import {accountsRows, accountsTable, changeLines, summaryLine} from '../accounts/render.js'
import {accountsRuntime} from '../accounts/runtime.js'
import {KeylessCommand} from '../base-command.js'
import {KeylessError} from '../errors.js'
import {sessionFlag} from '../flags.js'
import {loadSession} from '../sso/session-config.js'

export default class Accounts extends KeylessCommand {
  static override summary = 'List the accounts you can reach and your permission sets (roles) in each.'
  static override description = `Lists every account and every role of the SSO session, concurrently, backing off and retrying when Identity Center throttles. The listing is cached for an hour in $XDG_CACHE_HOME/keyless; --refresh fetches it again and shows what changed.`
  static override examples = [
    '<%= config.bin %> accounts',
    '<%= config.bin %> accounts --session acme --json',
    '<%= config.bin %> accounts --refresh',
  ]
  static override enableJsonFlag = true
  static override flags = {
    session: sessionFlag,
    refresh: Flags.boolean({description: 'ignore the cached listing: fetch it again and show what changed'}),
  }

  async run(): Promise<AccountsResult> {
    const {flags} = await this.parse(Accounts)
    const session = await loadSession(flags.session, process.env, this.id)
    const bar = accountsProgressBar()
    const controller = new AbortController()
    const onSigint = () => controller.abort(new KeylessError('listing cancelled', undefined, 130))
    // `on`, not `once`: proper-lockfile's signal-exit re-raises SIGINT when no other listener remains.
    process.on('SIGINT', onSigint)
    try {
      const outcome = await getAccounts(
        session,
        {...accountsRuntime(session), onProgress: (p) => bar.update(p), signal: controller.signal},
        {refresh: flags.refresh},
      )
      bar.stop()
      const {accounts} = outcome.result
      if (outcome.changes) process.stderr.write(changeLines(outcome.changes, outcome.previousFetchedAt!).join('\n') + '\n')
      if (!this.jsonEnabled()) {
        // The table for people at a terminal; plain tab-separated rows for a pipe, where a message is no row.
        const terminal = Boolean(process.stdout.isTTY)
        const none = `No accounts are assigned to you in session ${session.name}.`
        if (accounts.length > 0) this.log(terminal ? accountsTable(accounts) : accountsRows(accounts))
        else if (terminal) this.log(none)
        else process.stderr.write(none + '\n')
        process.stderr.write(summaryLine(accounts, outcome.source, outcome.fetchedAt, Date.now()) + '\n')
      }
      return outcome.result
    } finally {
      bar.stop()
      process.removeListener('SIGINT', onSigint)
    }
  }
}
