import {printable} from '../errors.js'
import {credentialsFor, useRole} from '../role/runtime.js'
import type {RoleFlags} from '../role/select.js'
import {childEnvironment, roleRegion} from './environment.js'
import {runChild} from './run-child.js'

export interface ExecOptions {
  command: string
  args: string[]
  region?: string
  /** Serve the credentials from a loopback container-credentials endpoint instead of the environment. */
  server: boolean
  debug: boolean
  env?: NodeJS.ProcessEnv
}

/** `keyless exec`: the role's credentials, then the command with them; resolves with the command's exit code. */
export async function execRole(flags: RoleFlags, options: ExecOptions): Promise<number> {
  const env = options.env ?? process.env
  const {choice, credentials} = await useRole(flags, {command: 'exec', debug: options.debug, env})
  const region = roleRegion(choice, options.region, env)
  if (env.KEYLESS_ROLE && env.KEYLESS_ROLE !== choice.label) {
    process.stderr.write(`keyless: warning: this exec of ${choice.label} replaces the outer role ${printable(env.KEYLESS_ROLE)}\n`)
  }
  if (!options.server) {
    return runChild(options.command, options.args, childEnvironment(env, {region, label: choice.label, credentials}))
  }
  const {startCredentialsServer} = await import('./credentials-server.js')
  const server = await startCredentialsServer(
    () => credentialsFor(choice, options.debug, env),
    (line) => process.stderr.write(line + '\n'),
  )
  try {
    return await runChild(options.command, options.args, childEnvironment(env, {region, label: choice.label, server}))
  } finally {
    await server.close()
  }
}
