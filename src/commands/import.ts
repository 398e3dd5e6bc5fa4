import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {printable} from '../errors.js'
import type {ImportResult} from '../import/import.js'

export default class Import extends KeylessCommand {
  static override summary =
    "Turn other tools' profiles (AWS CLI SSO, granted, aws-sso-cli, aws-vault) into keyless profiles under the same names."
  static override description = `Every --profile NAME, AWS_PROFILE=NAME and script keeps working: each profile keeps its name, its comments and its other keys; its SSO keys and the other tool's credential_process give way to keyless's credential_process and keyless_session. Each role is checked against your sessions' roles first. Profiles that cannot be converted are listed with why and left untouched. The write is locked, atomic and backed up (config.keyless.bak), as profiles sync's.`
  static override examples = ['<%= config.bin %> import --dry-run', '<%= config.bin %> import', '<%= config.bin %> import --json']
  static override enableJsonFlag = true
  static override flags = {
    'dry-run': Flags.boolean({description: 'print the unified diff and write nothing'}),
  }

  async run(): Promise<ImportResult> {
    const {flags} = await this.parse(Import)
    const {importPeerProfiles} = await import('../import/import.js')
    const outcome = await importPeerProfiles(
      {dryRun: flags['dry-run'], command: resolve(process.argv[1] ?? 'keyless')},
      // Loaded only when a profile's role needs checking.
      {rolesOf: async (session) => (await import('../import/roles.js')).rolesOfSession(session, process.env)},
    )
    const {result} = outcome
    for (const n of result.notImported) {
      process.stderr.write(`keyless: not imported: ${printable(n.name)} (${n.from}): ${printable(n.reason)}; ${printable(n.fix)}\n`)
    }
    if (flags['dry-run'] && !this.jsonEnabled()) {
      this.log(outcome.diff || `No changes to ${outcome.configFile}.`)
      return result
    }
    const counts = `${result.imported.length} imported, ${result.notImported.length} not imported, ${result.sessionsAdded.length} session(s) added`
    this.log(outcome.wrote ? `Updated ${outcome.configFile}: ${counts}.` : `No changes to ${outcome.configFile}: ${counts}.`)
    if (result.imported.length > 0) this.log(`Try: aws sts get-caller-identity --profile ${result.imported[0]!.name}`)
    return result
  }
}
