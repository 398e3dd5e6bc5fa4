import Table from 'cli-table3'

import {printable} from '../errors.js'
import {colourOn} from '../ui/terminal.js'
import type {AccountsChanges} from './diff.js'
import type {AccountWithRoles} from './list.js'

/** The human listing: one row per account (name, id, email, roles), in the order given (sorted by name).
 * Every server-supplied string goes through printable(): names are untrusted terminal input. */
export function accountsTable(accounts: AccountWithRoles[], stream: NodeJS.WriteStream = process.stdout): string {
  const colour = colourOn(stream)
  const table = new Table({
    head: ['Account name', 'Account ID', 'Email', 'Roles'],
    style: {head: colour ? ['bold'] : [], border: colour ? ['grey'] : [], compact: false},
  })
  for (const a of accounts) {
    table.push([printable(a.accountName), a.accountId, printable(a.emailAddress), a.roles.map(printable).join(', ')])
  }
  return table.toString()
}

/** `N accounts, M roles; fetched just now` or `...; cached 12 min ago (--refresh to fetch again)`. */
export function summaryLine(accounts: AccountWithRoles[], source: 'cache' | 'network', fetchedAt: string, now: number): string {
  const roles = accounts.reduce((n, a) => n + a.roles.length, 0)
  const counts = `${plural(accounts.length, 'account')}, ${plural(roles, 'role')}`
  if (source === 'network') return `${counts}; fetched just now`
  return `${counts}; cached ${ago(now - Date.parse(fetchedAt))} (run with --refresh to fetch again)`
}

/** What changed since the previous listing, one line each (`+`/`-` account or role), or a no-change line. */
export function changeLines(changes: AccountsChanges, previousFetchedAt: string): string[] {
  const label = (a: AccountWithRoles) => `${printable(a.accountName)} (${a.accountId})`
  const lines: string[] = []
  for (const a of changes.addedAccounts) lines.push(`  + account ${label(a)}${a.roles.length ? `: ${a.roles.map(printable).join(', ')}` : ''}`)
  for (const a of changes.removedAccounts) lines.push(`  - account ${label(a)}${a.roles.length ? `: ${a.roles.map(printable).join(', ')}` : ''}`)
  for (const r of changes.renamedAccounts) lines.push(`  ~ account ${r.account.accountId} renamed from ${printable(r.previousName)} to ${printable(r.account.accountName)}`)
  for (const r of changes.addedRoles) lines.push(`  + role ${printable(r.roleName)} in ${label(r.account)}`)
  for (const r of changes.removedRoles) lines.push(`  - role ${printable(r.roleName)} in ${label(r.account)}`)
  if (lines.length === 0) return [`No changes since the listing of ${previousFetchedAt}.`]
  return [`Changes since the listing of ${previousFetchedAt}:`, ...lines]
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`
}

function ago(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000)
  if (minutes < 1) return 'less than a minute ago'
  return minutes < 120 ? `${minutes} min ago` : `${Math.floor(minutes / 60)} h ago`
}
