/**
 * `keyless whoami` without oclif: bin/run.js imports this directly (except for --help), because loading
 * oclif costs more than everything whoami does itself, and `keyless whoami --strict && terraform apply`
 * runs before every deploy. Flags and behaviour are those of src/commands/whoami.ts (which serves --help).
 */
import {parseArgs} from 'node:util'

import {EXIT, KeylessError, terminalSafeJson} from '../errors.js'
import type {WhoamiFlags} from './run.js'

const USAGE_FIX = 'run: keyless whoami --help'

export function parseWhoamiArgs(argv: string[], env: NodeJS.ProcessEnv): WhoamiFlags & {debug: boolean} {
  let values
  try {
    ;({values} = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        profile: {type: 'string'},
        strict: {type: 'boolean', default: false},
        'expect-account': {type: 'string', multiple: true, default: []},
        json: {type: 'boolean', default: false},
        debug: {type: 'boolean', default: false},
      },
    }))
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '')
    throw new KeylessError(message.replace(/\.$/, ''), USAGE_FIX, EXIT.usage)
  }
  if (values.profile !== undefined && values.profile.trim() === '') {
    throw new KeylessError('--profile must not be empty', USAGE_FIX, EXIT.usage)
  }
  return {
    profile: values.profile,
    strict: values.strict,
    expectAccounts: values['expect-account'],
    // As oclif's enableJsonFlag: KEYLESS_CONTENT_TYPE=json means --json.
    json: values.json || env.KEYLESS_CONTENT_TYPE?.toLowerCase() === 'json',
    debug: values.debug,
  }
}

/** bin/run.js calls this with the arguments after `whoami`; it always ends the process. */
export async function main(argv: string[]): Promise<never> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  let code: number = EXIT.ok
  const out: string[] = []
  const err: string[] = []
  try {
    const flags = parseWhoamiArgs(argv, process.env)
    if (flags.debug) (await import('../ui/debug.js')).enableDebug()
    const {runWhoami} = await import('./run.js')
    const {identity, failure} = await runWhoami(flags, {
      env: process.env,
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      stdoutTTY: Boolean(process.stdout.isTTY),
      stderrTTY: Boolean(process.stderr.isTTY),
    })
    if (flags.json) out.push(terminalSafeJson(identity) + '\n')
    if (failure) {
      err.push(failure.toLine() + '\n')
      code = failure.exitCode
    }
  } catch (error) {
    code = error instanceof KeylessError ? error.exitCode : EXIT.failure
    const message = error instanceof KeylessError ? error.toLine() : `keyless: ${String((error as Error)?.message ?? error).split('\n')[0]}`
    err.push(message + '\n')
    if (!(error instanceof KeylessError) && error instanceof Error && error.stack && argv.includes('--debug')) {
      const {redact} = await import('../ui/debug.js')
      err.push(redact(error.stack) + '\n')
    }
  }
  await write(process.stdout, out.join(''))
  await write(process.stderr, err.join(''))
  process.exit(code)
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  if (!text) return Promise.resolve()
  return new Promise((resolve) => stream.write(text, () => resolve()))
}
