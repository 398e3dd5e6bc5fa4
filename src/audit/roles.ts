import {getAccounts} from '../accounts/accounts.js'
import {accountsRuntime} from '../accounts/runtime.js'
import {loadSessions} from '../sso/session-config.js'
import {debug} from '../ui/debug.js'
import type {RoleChoice} from './fix.js'

/**
 * The roles each account offers through keyless's signed-in sessions (the cached listing when fresh, else
 * Identity Center). A session that is not signed in offers nothing: conversion is then simply not proposed.
 */
export async function rolesByAccount(env: NodeJS.ProcessEnv): Promise<Map<string, RoleChoice[]>> {
  const out = new Map<string, RoleChoice[]>()
  const sessions = await loadSessions(env).catch(() => [])
  for (const session of sessions) {
    if (!session.startUrl || !session.region) continue
    try {
      const listing = await getAccounts(session, accountsRuntime(session, env), {refresh: false})
      for (const account of listing.result.accounts) {
        const list = out.get(account.accountId) ?? []
        for (const roleName of account.roles) {
          list.push({
            session: session.name,
            region: session.region,
            accountId: account.accountId,
            accountName: account.accountName,
            roleName,
          })
        }
        out.set(account.accountId, list)
      }
    } catch (error) {
      debug('audit', `no roles from session ${session.name}`, {name: (error as Error)?.name})
    }
  }
  return out
}
