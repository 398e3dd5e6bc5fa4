import type {KeylessError} from '../errors.js'
import type {Identity} from './identity.js'
import {colourWanted, renderIdentity, renderWarning} from './render.js'
import {checkAccountIds, verdict} from './verdict.js'
import {whoami} from './whoami.js'

/** `keyless whoami`'s flags, however they were parsed (oclif for --help, node:util on the fast path). */
export interface WhoamiFlags {
  profile?: string
  strict: boolean
  expectAccounts: string[]
  json: boolean
}

export interface WhoamiIo {
  env: NodeJS.ProcessEnv
  stdout: (text: string) => void
  stderr: (text: string) => void
  stdoutTTY: boolean
  stderrTTY: boolean
  now?: () => Date
}

export interface WhoamiOutcome {
  identity: Identity
  /** Set when --strict or --expect-account fails: the caller exits with its code after the output. */
  failure?: KeylessError
}

/**
 * Everything `keyless whoami` does between parsing and exiting. Human mode prints the identity on stdout and
 * the warnings on stderr. JSON mode prints nothing itself: the caller prints `identity` (also when it fails
 * the guard, so scripts can read why), and the warnings are in it.
 */
export async function runWhoami(flags: WhoamiFlags, io: WhoamiIo): Promise<WhoamiOutcome> {
  const expectAccounts = checkAccountIds(flags.expectAccounts)
  const identity = await whoami({profile: flags.profile, env: io.env, identifyTerraformKey: expectAccounts.length > 0})
  const failure = verdict(identity, {strict: flags.strict, expectAccounts})
  if (!flags.json) {
    io.stdout(renderIdentity(identity, io.now?.() ?? new Date()))
    const colour = colourWanted(io.env, io.stdoutTTY, io.stderrTTY)
    for (const warning of identity.warnings) io.stderr(renderWarning(warning, colour) + '\n')
  }
  return {identity, failure}
}
