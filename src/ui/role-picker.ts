import type {AccountWithRoles} from '../accounts/list.js'
import {EXIT, KeylessError, printable} from '../errors.js'
import type {SsoSession} from '../sso/types.js'
import {PromptCancelled, search} from './prompt.js'

/** Most choices the picker renders at once; typing narrows the rest. */
const SHOWN = 50

interface Row {
  accountId: string
  roleName: string
  /** Lower-cased text the filter matches against: account name, id, role, email. */
  haystack: string
  name: string
}

/** Rows matching every word of the filter (case ignored), at most `limit`. */
export function filterRoles(rows: readonly Row[], term: string | undefined, limit = SHOWN): Row[] {
  const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  const out: Row[] = []
  for (const row of rows) {
    if (words.every((w) => row.haystack.includes(w))) out.push(row)
    if (out.length >= limit) break
  }
  return out
}

export function roleRows(accounts: readonly AccountWithRoles[]): Row[] {
  const width = Math.min(40, Math.max(0, ...accounts.map((a) => printable(a.accountName).length)))
  return accounts.flatMap((a) =>
    a.roles.map((roleName) => {
      const account = printable(a.accountName)
      return {
        accountId: a.accountId,
        roleName,
        name: `${account.padEnd(width)}  ${a.accountId}  ${printable(roleName)}`,
        haystack: `${a.accountName} ${a.accountId} ${roleName} ${a.emailAddress}`.toLowerCase(),
      }
    }),
  )
}

/**
 * Type to filter over every account and role of the listing; Enter picks, Esc or Ctrl-C leaves with exit 130.
 * Drawn on stderr, so `eval "$(keyless env)"` can pick in the terminal while stdout goes to the shell.
 */
export async function pickRole(session: SsoSession, accounts: readonly AccountWithRoles[]): Promise<{accountId: string; roleName: string}> {
  const readline = await import('node:readline')
  const rows = roleRows(accounts)
  const controller = new AbortController()
  const onKey = (_: unknown, key?: {name?: string}) => {
    if (key?.name === 'escape') controller.abort()
  }
  readline.emitKeypressEvents(process.stdin)
  process.stdin.on('keypress', onKey)
  try {
    const picked = await search<Row>(
      {
        message: `Role (${rows.length} in session ${session.name}; type to filter)`,
        pageSize: 12,
        source: (term) => filterRoles(rows, term).map((row) => ({value: row, name: row.name, short: `${row.name.replace(/\s+/g, ' ')}`})),
      },
      {output: process.stderr, signal: controller.signal, clearPromptOnDone: false},
    )
    return {accountId: picked.accountId, roleName: picked.roleName}
  } catch (error) {
    const name = (error as Error)?.name
    if (error instanceof PromptCancelled || name === 'AbortPromptError' || name === 'CancelPromptError') {
      throw new KeylessError('no role picked', undefined, EXIT.interrupted)
    }
    throw error
  } finally {
    process.stdin.off('keypress', onKey)
  }
}
