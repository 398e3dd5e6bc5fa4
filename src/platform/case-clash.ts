/**
 * Platforms where names that differ only by case are one name: Windows Credential Manager and NTFS, macOS's
 * default APFS. A session's keychain entries and its markers in the cache directory are named after it, so
 * sessions `Acme` and `acme` would share them there.
 */
export function ignoresCase(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32' || platform === 'darwin'
}

/** The existing name that `name` differs from only by case, where the platform ignores case; else undefined. */
export function caseOnlyClash(name: string, existing: readonly string[], platform: NodeJS.Platform = process.platform): string | undefined {
  if (!ignoresCase(platform)) return undefined
  const folded = name.toLowerCase()
  return existing.find((other) => other !== name && other.toLowerCase() === folded)
}
