/**
 * `keyless exec` without oclif: bin/run.js imports this directly (oclif's start-up would be most of the time a
 * warm `exec -- true` takes). `keyless exec --help` still goes through oclif.
 */
import {EXIT, KeylessError, toUserLine} from '../errors.js'
import {parseExecArgs} from './args.js'

export async function main(argv: string[]): Promise<never> {
  let code: number = EXIT.failure
  try {
    const args = parseExecArgs(argv)
    if (args.debug) (await import('../ui/debug.js')).enableDebug()
    const {execRole} = await import('./exec.js')
    code = await execRole(args.role, {command: args.command, args: args.args, region: args.region, server: args.server, debug: args.debug})
  } catch (error) {
    code = error instanceof KeylessError ? error.exitCode : EXIT.failure
    process.stderr.write(toUserLine(error, 'run again with --debug for details') + '\n')
  }
  process.exit(code)
}
