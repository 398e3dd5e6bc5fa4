import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {printable} from '../errors.js'
import type {ImportResult} from '../import/import.js'

export default class Import extends KeylessCommand {
  static override summary =
    "Turn other tools' profiles (AWS CLI SSO, granted, aws-sso-cli, aws-vault) into keyless profiles under the same names."
  static override description = `Every --profile NAME, AWS_PROFILE=NAME and script keeps working: each profile keeps its name, its comments and its other keys; its SSO keys and the other tool's credential_process give way to keyless's credential_process and keyless_session. Each role is checked against your sessions' roles first. Profiles that cannot be converted are listed with why and left untouched. The write is locked, atomic and backed up (config.keyless.bak), as profiles sync's.

A profile with a long-term key (aws_access_key_id in the credentials or config file) whose account has a role of yours in a keyless session can become a keyless profile for that role under the same name, its key removed from both files (backups credentials.keyless.bak and config.keyless.bak, readable by you only): on a terminal import asks per profile; in scripts name each one with --convert-keys PROFILE[=ROLE]. A root key is offered with a warning. keyless cannot deactivate the key at AWS: it prints the command to do so.`
  static override examples = [
    '<%= config.bin %> import --dry-run',
    '<%= config.bin %> import',
    '<%= config.bin %> import --json',
    '<%= config.bin %> import --convert-keys deployer=ReadOnlyAccess',
  ]
  static override enableJsonFlag = true
  static override flags = {
    'dry-run': Flags.boolean({description: 'print the unified diff and write nothing'}),
    'convert-keys': Flags.string({
      description:
        "turn this profile's long-term key into a keyless profile for ROLE of the key's account (the key is removed; ROLE may be left out when the account offers one role); repeatable",
      helpValue: 'PROFILE[=ROLE]',
      multiple: true,
    }),
  }

  async run(): Promise<ImportResult> {
    const {flags} = await this.parse(Import)
    const {importPeerProfiles} = await import('../import/import.js')
    const convertKeys = flags['convert-keys'] && new Map(flags['convert-keys'].map(parseConvertKeys))
    // Asked only of a person at a terminal, for a write (not --dry-run), when the command line named no key profile.
    const canAsk = Boolean(process.stdin.isTTY) && !this.jsonEnabled() && !flags['dry-run'] && !convertKeys
    const outcome = await importPeerProfiles(
      {dryRun: flags['dry-run'], command: resolve(process.argv[1] ?? 'keyless'), convertKeys},
      // Each loaded only when a profile needs it.
      {
        rolesOf: async (session) => (await import('../import/roles.js')).rolesOfSession(session, process.env),
        identify: async (keys) => (await import('../audit/identify.js')).identifyKeys(keys, {env: process.env}),
        rolesByAccount: async () => (await import('../audit/roles.js')).rolesByAccount(process.env),
        askKey: canAsk ? async (offer) => (await import('../import/ask-key.js')).askKeyConversion(offer) : undefined,
      },
    )
    const {result} = outcome
    for (const n of result.notImported) {
      process.stderr.write(`keyless: not imported: ${printable(n.name)} (${n.from}): ${printable(n.reason)}; ${printable(n.fix)}\n`)
    }
    for (const line of outcome.notices) process.stderr.write(`${printable(line)}\n`)
    if (flags['dry-run'] && !this.jsonEnabled()) {
      this.log(outcome.diff || `No changes to ${outcome.configFile}.`)
      return result
    }
    const counts = `${result.imported.length + result.keysConverted.length} imported, ${result.notImported.length} not imported, ${result.sessionsAdded.length} session(s) added`
    this.log(outcome.wrote ? `Updated ${outcome.configFile}: ${counts}.` : `No changes to ${outcome.configFile}: ${counts}.`)
    for (const k of result.keysConverted) {
      this.log(`Converted ${printable(k.name)}: its key is gone; it now uses ${k.roleName} in ${k.accountId} (session ${k.session}).`)
    }
    const tryName = result.imported[0]?.name ?? result.keysConverted[0]?.name
    if (tryName !== undefined) this.log(`Try: aws sts get-caller-identity --profile ${tryName}`)
    return result
  }
}

/** `NAME` or `NAME=ROLE`: a profile name has no `=` (keyless writes none). */
function parseConvertKeys(value: string): [string, string | undefined] {
  const at = value.indexOf('=')
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1) || undefined]
}
