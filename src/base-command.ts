import {Command, Flags} from '@oclif/core'

import {KeylessError, terminalSafeJson, toUserLine} from './errors.js'
import {debugEnabled, enableDebug, redact} from './ui/debug.js'
import {usageReasons} from './usage-errors.js'

/**
 * Common error handling for every keyless command: a known failure becomes one line on stderr and its exit
 * code; anything unexpected is one line too (with the stack only under --debug / DEBUG=keyless*).
 */
export abstract class KeylessCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({description: 'print what keyless does on stderr (secrets redacted); also DEBUG=keyless*', helpGroup: 'GLOBAL'}),
  }

  public override async init(): Promise<void> {
    // Before parsing, so that debug output covers everything the command does.
    if (this.argv.includes('--debug')) enableDebug()
    await super.init()
  }

  /** oclif's --json output, with the control characters JSON.stringify leaves raw (DEL, C1) escaped: server
   * strings (account names) must not reach a terminal as control sequences, not even inside JSON. */
  public override logJson(json: unknown): void {
    process.stdout.write(terminalSafeJson(json) + '\n')
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's own parse errors (unknown flag, missing value, conflicting flags) keep their exit code 2, as one line.
    if (error.oclif?.exit !== undefined && !(error instanceof KeylessError) && (error as {code?: string}).code !== 'EEXIT') {
      const help = ['keyless', ...(this.id ?? '').split(':').filter(Boolean), '--help'].join(' ')
      process.stderr.write(`keyless: ${usageReasons(error.message)}; run: ${help}\n`)
      this.exit(error.oclif.exit)
    }
    if ((error as {code?: string}).code === 'EEXIT') return super.catch(error)
    const line = toUserLine(error)
    process.stderr.write(line + '\n')
    if (debugEnabled() && error.stack && !(error instanceof KeylessError)) {
      // A stack's first line is the error's message, which may quote a server: redacted like all debug output.
      process.stderr.write(redact(error.stack) + '\n')
    }
    this.exit(error instanceof KeylessError ? error.exitCode : 1)
  }
}
