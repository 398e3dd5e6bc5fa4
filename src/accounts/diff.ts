import type {AccountWithRoles} from './list.js'

/** What changed between two listings of the same session. */
export interface AccountsChanges {
  addedAccounts: AccountWithRoles[]
  removedAccounts: AccountWithRoles[]
  /** Roles gained or lost in accounts present in both listings. */
  addedRoles: Array<{account: AccountWithRoles; roleName: string}>
  removedRoles: Array<{account: AccountWithRoles; roleName: string}>
  /** Accounts present in both whose name changed. */
  renamedAccounts: Array<{account: AccountWithRoles; previousName: string}>
}

/** Compares two listings by account id and role name. Both inputs are left as they are. */
export function diffAccounts(before: AccountWithRoles[], after: AccountWithRoles[]): AccountsChanges {
  const old = new Map(before.map((a) => [a.accountId, a]))
  const now = new Map(after.map((a) => [a.accountId, a]))
  const changes: AccountsChanges = {addedAccounts: [], removedAccounts: [], addedRoles: [], removedRoles: [], renamedAccounts: []}
  for (const account of after) {
    const previous = old.get(account.accountId)
    if (!previous) {
      changes.addedAccounts.push(account)
      continue
    }
    if (previous.accountName !== account.accountName) changes.renamedAccounts.push({account, previousName: previous.accountName})
    const had = new Set(previous.roles)
    const has = new Set(account.roles)
    for (const roleName of account.roles) if (!had.has(roleName)) changes.addedRoles.push({account, roleName})
    for (const roleName of previous.roles) if (!has.has(roleName)) changes.removedRoles.push({account, roleName})
  }
  for (const account of before) if (!now.has(account.accountId)) changes.removedAccounts.push(account)
  return changes
}

export function hasChanges(changes: AccountsChanges): boolean {
  return Object.values(changes).some((list) => list.length > 0)
}
