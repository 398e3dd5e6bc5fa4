import {Flags} from '@oclif/core'

import {getAccounts} from '../../accounts/accounts.js'
import {accountsProgressBar} from '../../accounts/progress.js'
import {accountsRuntime} from '../../accounts/runtime.js'
import {DEFAULT_PROFILE_TEMPLATE, profileName, validateRegion, validateTemplate} from '../../aws-config/index.js'
import {checkCredentialProcessCommand} from '../../aws-config/profiles.js'
import {KeylessCommand} from '../../base-command.js'
import {KeylessError, printable} from '../../errors.js'
import {sessionFlag} from '../../flags.js'
import {syncSessionProfiles, type ProfilesSyncResult} from '../../profiles/sync.js'
import {notRunnable, optionFlags, syncCommandLine, syncOptionsInForce} from '../../profiles/options.js'
import {defaultLauncher} from '../../platform/launcher.js'
import {chooseSession, readSessions} from '../../sso/session-config.js'

export default class ProfilesSync extends KeylessCommand {
  static override summary = 'Write one credential_process profile per account and role into the AWS config file.'
  static override description = `Only profiles carrying keyless_session are keyless's: every other byte of the file is kept, and keys you add to a keyless profile survive re-syncs. Writes are atomic with a backup (config.keyless.bak); a sync that changes nothing writes nothing.`
  static override examples = [
    '<%= config.bin %> profiles sync --dry-run',
    '<%= config.bin %> profiles sync --session acme --template "{account_name}-{role_name}"',
    '<%= config.bin %> profiles sync --prune --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    session: sessionFlag,
    template: Flags.string({
      description: `profile name template: {session} {account_id} {account_name} {role_name} (default ${DEFAULT_PROFILE_TEMPLATE}; remembered per session)`,
      helpValue: 'TEMPLATE',
    }),
    region: Flags.string({description: 'region written into new profiles (default: the session region; remembered)', helpValue: 'REGION'}),
    prune: Flags.boolean({
      description: "remove this session's keyless profiles whose role is gone (nothing else; always lists afresh)",
    }),
    refresh: Flags.boolean({description: 'list the accounts and roles afresh instead of using the listing cached within the hour'}),
    'dry-run': Flags.boolean({description: 'print the unified diff and write nothing'}),
    command: Flags.string({
      description: 'how credential_process runs keyless (default: the absolute path of this keyless; remembered)',
      helpValue: 'CMD',
    }),
    'auto-login': Flags.boolean({
      description:
        'write --auto-login into each profile: an expired session starts a login instead of failing (remembered; --no-auto-login undoes it)',
      allowNo: true,
    }),
  }

  async run(): Promise<ProfilesSyncResult> {
    const {flags} = await this.parse(ProfilesSync)
    // One read finds the session; the edit reads the file again under its lock (another process may write between).
    const config = await readSessions()
    const {sessions} = config
    const session = chooseSession(config, flags.session, process.env, this.id)
    const options = syncOptionsInForce(
      {template: flags.template, command: flags.command, autoLogin: flags['auto-login'], region: flags.region},
      session,
    )
    // Usage errors before the listing: no network call, no cache write for a command that cannot succeed.
    profileName(options.template, {session: session.name, account_id: '000000000000', account_name: 'account', role_name: 'Role'})
    validateTemplate(
      options.template,
      syncCommandLine({
        session: session.name,
        sessionCount: 2,
        options: {...options, template: DEFAULT_PROFILE_TEMPLATE},
        remembered: true,
      }),
    )
    if (options.command !== undefined) checkCredentialProcessCommand(options.command)
    const commandProblem = options.command === undefined ? undefined : await notRunnable(options.command)
    if (commandProblem) {
      process.stderr.write(
        `keyless: warning: --command ${printable(options.command!)} ${commandProblem}: the AWS tools will fail to run the profiles; pass the path of keyless, or keyless when it is on PATH` +
          '\n',
      )
    }
    const region =
      options.region === undefined
        ? undefined
        : validateRegion(options.region, 'pass the AWS region the profiles should use, e.g. --region eu-west-1')
    // The default line (this keyless, as each platform's AWS tools can start it), with why it may not start everywhere.
    const launcher = defaultLauncher()
    if (options.command === undefined && launcher.warning) process.stderr.write(`keyless: warning: ${printable(launcher.warning)}` + '\n')
    const bar = accountsProgressBar()
    // A cached listing (under an hour old, what `keyless accounts` just showed) is used as it is: a full listing of a
    // large organisation spends its shared rate limit for about a minute. Pruning deletes, so it lists afresh.
    const refresh = flags.refresh || flags.prune
    const listing = await getAccounts(session, {...accountsRuntime(session), onProgress: (p) => bar.update(p)}, {refresh}).finally(() =>
      bar.stop(),
    )
    if (listing.source === 'cache') {
      process.stderr.write(
        `keyless: using the accounts and roles listed ${listingAge(listing.fetchedAt)} (cached); to list them again, add --refresh` + '\n',
      )
    }
    const dryRun = flags['dry-run']
    const outcome = await syncSessionProfiles(session, listing.result.accounts, {
      template: options.template,
      region,
      prune: flags.prune,
      dryRun,
      command: options.command ?? launcher.parts,
      autoLogin: options.autoLogin,
      remember: options.remember,
    })
    const rerun = (extra: string[]) =>
      syncCommandLine({session: session.name, sessionCount: sessions.length, options, remembered: !dryRun, extra})
    for (const warning of outcome.warnings) process.stderr.write(`keyless: ${printable(warning)}` + '\n')
    const fix = options.template.includes('{session}')
      ? 'choose another --template'
      : `give this session its own names, run: ${syncCommandLine({session: session.name, sessionCount: 2, options: {...options, template: `{session}.${options.template}`}, remembered: false})}`
    for (const taken of outcome.takenBy) {
      const names = taken.names.length === 1 ? '1 profile name is' : `${taken.names.length} profile names are`
      process.stderr.write(
        `keyless: ${names} taken by keyless session "${taken.session}" (${taken.names.join(', ')}): left alone; ${printable(fix)}` + '\n',
      )
    }
    if (outcome.stale.length > 0 && !flags.prune) {
      process.stderr.write(
        `keyless: ${outcome.stale.length} profile(s) of session ${session.name} point at roles you no longer have (${outcome.stale.join(', ')}); remove them with: ${rerun(['--prune'])}` +
          '\n',
      )
    }
    if (dryRun) {
      const inForce = optionFlags(options)
      if (inForce.length > 0) {
        const from = options.fromSection.length > 0 ? ` (from [sso-session ${session.name}])` : ''
        process.stderr.write(`keyless: options in force for session ${session.name}${from}: ${inForce.join(' ')}` + '\n')
      }
    }
    if (dryRun && !this.jsonEnabled()) {
      this.log(outcome.diff || `No changes to ${outcome.configFile}.`)
      return outcome.result
    }
    const {added, updated, removed, unchanged, skipped} = outcome.result
    const counts = `${added.length} added, ${updated.length} updated, ${removed.length} removed, ${unchanged.length} unchanged, ${skipped.length} skipped`
    const allTaken = skipped.length > 0 && added.length + updated.length + removed.length + unchanged.length === 0
    if (outcome.wrote) this.log(`Updated ${outcome.configFile}: ${counts}.`)
    else if (allTaken) this.log(`Nothing written to ${outcome.configFile}: ${counts} (every profile name is taken).`)
    else this.log(`No changes to ${outcome.configFile}: ${counts}.`)
    if (added.length > 0) this.log(`Try: aws sts get-caller-identity --profile ${added[0]}`)
    if (allTaken) {
      // Profiles were wanted and none could be written: a failure for the onboarding script that ran this.
      if (this.jsonEnabled()) this.logJson(outcome.result)
      const n = skipped.length
      throw new KeylessError(
        `no profile written: ${n === 1 ? 'the 1 profile name' : `all ${n} profile names`} keyless wanted ${n === 1 ? 'is' : 'are'} taken (see above)`,
        printable(fix),
      )
    }
    return outcome.result
  }
}

/** "3 minutes ago", for the one line that says a cached listing was used. */
function listingAge(fetchedAt: string): string {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(fetchedAt)) / 60_000))
  if (minutes === 0) return 'less than a minute ago'
  return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`
}
