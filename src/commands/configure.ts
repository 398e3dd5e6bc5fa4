import {Flags} from '@oclif/core'

import {KeylessCommand} from '../base-command.js'
import {validateRegion, validateSessionName, validateStartUrl} from '../aws-config/sso-sessions.js'
import {KeylessError} from '../errors.js'
import {STORE_KINDS, type StoreKind} from '../keychain/stores.js'
import {configureSession, type ConfigureResult} from '../sso/configure-session.js'
import {sessionRuntime, type SessionRef} from '../sso/runtime.js'
import {loadSessions} from '../sso/session-config.js'
import {stdinIsTty} from '../ui/terminal.js'
import {saveConsolePreferences, validateBrowserValue} from '../console/preferences.js'
import {applyTeamFileCommand} from '../team-file/command.js'
import type {TeamFileResult} from '../team-file/team-file.js'

export default class Configure extends KeylessCommand {
  static override summary = 'Add or update an [sso-session] section in the AWS config file.'
  static override description = `Touches no other byte of the file. Prompts for what is missing when run in a terminal; otherwise a missing value is an error naming its flag.`
  static override examples = [
    '<%= config.bin %> configure --session acme --start-url https://acme.awsapps.com/start --region us-east-1',
    '<%= config.bin %> configure --session acme --login-flow device-code',
    '<%= config.bin %> configure --session acme --store kernel-keyring',
    '<%= config.bin %> configure --session acme --browser chrome --isolate',
    '<%= config.bin %> configure',
    '<%= config.bin %> configure --from https://example.com/platform/keyless-team.yaml',
    '<%= config.bin %> configure --from keyless-team.yaml --check',
  ]
  static override enableJsonFlag = true
  static override flags = {
    session: Flags.string({description: 'name of the [sso-session] section', helpValue: 'NAME'}),
    'start-url': Flags.string({description: 'the AWS access portal URL (https://....awsapps.com/start)', helpValue: 'URL'}),
    region: Flags.string({description: 'the region of the IAM Identity Center instance', helpValue: 'REGION'}),
    scopes: Flags.string({
      description: 'comma-separated registration scopes (a new session gets sso:account:access)',
      helpValue: 'SCOPES',
    }),
    'login-flow': Flags.string({
      description:
        'how keyless login signs in to this session from now on (saved as keyless_login_flow; auto removes it: the machine decides); login flags still win',
      options: ['auto', 'auth-code', 'device-code'],
      helpValue: 'auto|auth-code|device-code',
    }),
    store: Flags.string({
      description:
        'where the session keeps its secrets: keychain (the OS keychain) or kernel-keyring (Linux kernel memory, for SSH, WSL and containers)',
      options: [...STORE_KINDS],
    }),
    browser: Flags.string({
      description: 'the browser keyless console opens for this session (saved as keyless_browser)',
      helpValue: 'chrome|chromium|edge|brave|firefox|safari|default|PATH',
    }),
    isolate: Flags.boolean({
      description: 'keyless console opens each role in a browser profile or container of its own (saved as keyless_isolate)',
      allowNo: true,
    }),
    from: Flags.string({
      description:
        'apply a team file (sessions, name template, regions, role chains) from a path or an https URL; nothing changes unless it validates whole',
      helpValue: 'PATH|URL',
      exclusive: ['session', 'start-url', 'region', 'scopes', 'login-flow', 'store', 'browser', 'isolate'],
    }),
    check: Flags.boolean({description: 'with --from: only validate the team file (exit 0, or 1 with the error)', dependsOn: ['from']}),
  }

  async run(): Promise<ConfigureResult | TeamFileResult> {
    const {flags} = await this.parse(Configure)
    if (flags.from !== undefined) return applyTeamFileCommand(this, flags.from, flags.check)
    const browser = flags.browser === undefined ? undefined : validateBrowserValue(flags.browser)
    const existing = await loadSessions()
    const interactive = stdinIsTty() && !flags.json
    const ask = async (flag: string, message: string, check: (value: string) => unknown, fallback?: string): Promise<string> => {
      if (!interactive) {
        throw new KeylessError(`missing --${flag}`, `run: keyless configure --session NAME --start-url URL --region REGION`, 2)
      }
      const {input} = await import('../ui/prompt.js')
      // A bad answer is explained under the prompt and asked again, instead of ending the command.
      const validate = (value: string) => {
        try {
          check(value.trim())
          return true
        } catch (error) {
          return (error as Error).message
        }
      }
      return (await input({message, default: fallback, required: true, validate})).trim()
    }
    const name = flags.session ?? (await ask('session', 'Session name', validateSessionName, existing.length === 0 ? 'default' : undefined))
    const current = existing.find((s) => s.name === name)
    const startUrl = flags['start-url'] ?? current?.startUrl ?? (await ask('start-url', 'AWS access portal URL', validateStartUrl))
    const region = flags.region ?? current?.region ?? (await ask('region', 'Identity Center region', validateRegion, 'us-east-1'))
    // Only when given: a run that changes one thing (--store, --login-flow) leaves the section's scopes as they are.
    const scopes = flags.scopes
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    // Re-pointing the session clears its cached role credentials from the store it uses now.
    const store = current ? storeOf(current) : undefined
    const result = await configureSession(
      {name, startUrl, region, scopes, loginFlow: flags['login-flow'], store: flags.store as StoreKind | undefined},
      process.env,
      store,
    )
    // The console's choices, written after the section exists (a new session gets them in the same run).
    if (await saveConsolePreferences(name, {browser, isolate: flags.isolate})) result.changed = true
    // A new login is needed only for a new session, another start URL or region, or another store.
    const next = result.created || result.repointed || result.previousStore ? ` Next: keyless login --session ${name}` : ''
    this.log(
      result.changed
        ? `${result.created ? 'Added' : 'Updated'} [sso-session ${name}] in ${result.configFile}.${next}`
        : `[sso-session ${name}] in ${result.configFile} is already up to date.`,
    )
    if (result.previousStore) {
      this.log(
        `Its secrets now go to the ${result.store} store; the next login fills it and deletes ${name}'s entries from the ${result.previousStore} store.`,
      )
    }
    return result
  }
}

/** The session's store as configured before this run; none when its keyless_store is unknown (configure fixes that). */
function storeOf(session: SessionRef) {
  try {
    return sessionRuntime(process.env, session).store
  } catch {
    return undefined
  }
}
