import {describe, expect, it} from 'vitest'

import {accountsTable} from '../../src/accounts/render.js'
import type {AccountWithRoles} from '../../src/accounts/list.js'

const accounts: AccountWithRoles[] = Array.from({length: 60}, (_, i) => ({
  accountId: String(100000000000 + i),
  accountName: `workload-${String(i).padStart(2, '0')}-${i % 3 === 0 ? 'production-eu-central' : 'dev'}`,
  emailAddress: `aws+workload-${i}-owner@example-corporation.com`,
  roles: i % 2 === 0 ? ['AdministratorAccess', 'ReadOnlyAccess', 'PowerUserAccess', 'BillingAccess'] : ['ReadOnlyAccess'],
}))
const terminal = (columns: number) => ({isTTY: true, columns}) as NodeJS.WriteStream
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '')

describe('the accounts table', () => {
  it('is compact (no separator line between rows) and fits an 80-column terminal', () => {
    const lines = plain(accountsTable(accounts, terminal(80), {})).split('\n')
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80)
    // No rule between rows: the only one is under the header (rows that wrap take the lines their roles need).
    expect(lines.filter((l) => /^├/.test(l))).toHaveLength(1)
    const text = lines.join('\n')
    for (const a of accounts) expect(text).toContain(a.accountId) // ids are never cut
  })

  it('uses the whole width of a wide terminal without wrapping, and COLUMNS when stdout is not a terminal', () => {
    const wide = plain(accountsTable(accounts, terminal(200), {})).split('\n')
    expect(wide).toHaveLength(60 + 4)
    const piped = accountsTable(accounts, {isTTY: false} as NodeJS.WriteStream, {COLUMNS: '100'}).split('\n')
    for (const line of piped) expect(line.length).toBeLessThanOrEqual(100)
    const unbounded = accountsTable(accounts, {isTTY: false} as NodeJS.WriteStream, {}).split('\n')
    expect(unbounded).toHaveLength(60 + 4)
  })
})
