/**
 * The region a team file gives an account and role (`keyless_regions` of the session: `ACCOUNT[/ROLE]=REGION`,
 * comma separated, ACCOUNT an id, a name or `*`): the most specific rule wins (account and role, then account,
 * then role), undefined when none matches.
 */
export function regionFor(
  rules: string | undefined,
  account: {accountId: string; accountName?: string},
  roleName: string,
): string | undefined {
  if (!rules) return undefined
  let best: {score: number; region: string} | undefined
  for (const rule of rules.split(',')) {
    const m = /^\s*([^/=\s]+)(?:\/([^=\s]+))?\s*=\s*(\S+)\s*$/.exec(rule)
    if (!m) continue
    const [, who, role, region] = m as unknown as [string, string, string | undefined, string]
    const accountMatch = who === account.accountId || (account.accountName !== undefined && who === account.accountName)
    if (!accountMatch && who !== '*') continue
    if (role !== undefined && role !== roleName) continue
    const score = (accountMatch ? 2 : 0) + (role !== undefined ? 1 : 0)
    if (!best || score > best.score) best = {score, region}
  }
  return best?.region
}
