import {createRequire} from 'node:module'

import type Table from 'cli-table3'

import {printable} from '../errors.js'
import {colourOn} from '../ui/terminal.js'
import type {AccountsChanges} from './diff.js'
import type {AccountWithRoles} from './list.js'

/** The human listing: one compact row per account (name, id, email, roles), in the order given (sorted by name),
 * fitted to the terminal's width (stdout's columns, else $COLUMNS): the email and roles columns wrap when the
 * table would be wider. Every server-supplied string goes through printable(): names are untrusted terminal input. */
export function accountsTable(
  accounts: AccountWithRoles[],
  stream: NodeJS.WriteStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const colour = colourOn(stream)
  const rows = accounts.map((a) => [printable(a.accountName), a.accountId, printable(a.emailAddress), a.roles.map(printable).join(', ')])
  const head = ['Account name', 'Account ID', 'Email', 'Roles']
  const widths = fitColumns([head, ...rows], terminalWidth(stream, env))
  // Loaded here, for the terminal's table only: a pipe and --json print rows or JSON and never draw one.
  const CliTable = createRequire(import.meta.url)('cli-table3') as typeof Table
  const table = new CliTable({
    head,
    style: {head: colour ? ['bold'] : [], border: colour ? ['grey'] : [], compact: true},
    ...(widths ? {colWidths: widths, wordWrap: true, wrapOnWordBoundary: true} : {}),
  })
  for (const row of rows) table.push(row)
  return table.toString()
}

/**
 * The listing for a pipe (`keyless accounts | head`, `| cut -f2`, `| grep prod`): one line per account, no header
 * (as gh prints for a pipe: `wc -l` counts accounts, `sort` sorts them), fields separated by a tab: name, id,
 * email, roles joined by commas. printable() turns a tab or newline a server put in a name into a space, so a
 * row is always one line of four fields. --json is the exact form.
 */
export function accountsRows(accounts: AccountWithRoles[]): string {
  return accounts
    .map((a) => [printable(a.accountName), a.accountId, printable(a.emailAddress), a.roles.map(printable).join(',')].join('\t'))
    .join('\n')
}

function terminalWidth(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns
  const columns = Number(env.COLUMNS)
  return Number.isInteger(columns) && columns > 0 ? columns : undefined
}

/** Column widths (padding included) that fit `width`, or undefined when the natural widths fit (or no width is known). */
function fitColumns(rows: string[][], width: number | undefined): number[] | undefined {
  if (width === undefined) return undefined
  const natural = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)) + 2)
  const borders = natural.length + 1
  const total = natural.reduce((a, b) => a + b, 0) + borders
  if (total <= width) return undefined
  const [name, id] = natural as [number, number, number, number]
  // Account ids never wrap; a long name gives way first (to 22 characters), then email (truncated) and roles
  // (wrapped between roles) share the rest, roles the larger part.
  const cappedName = Math.min(name, 24)
  const rest = Math.max(20, width - borders - id - cappedName)
  const email = Math.min(natural[2]!, Math.max(10, Math.floor(rest * 0.35)))
  const roles = Math.max(10, rest - email)
  return [cappedName, id, email, roles]
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
  for (const a of changes.addedAccounts)
    lines.push(`  + account ${label(a)}${a.roles.length ? `: ${a.roles.map(printable).join(', ')}` : ''}`)
  for (const a of changes.removedAccounts)
    lines.push(`  - account ${label(a)}${a.roles.length ? `: ${a.roles.map(printable).join(', ')}` : ''}`)
  for (const r of changes.renamedAccounts)
    lines.push(`  ~ account ${r.account.accountId} renamed from ${printable(r.previousName)} to ${printable(r.account.accountName)}`)
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
