import {printable} from '../errors.js'
import {credentialsFor, useRole} from '../role/runtime.js'
import {EXPIRY_WINDOW_MS} from '../timing.js'
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

/** The role as the flags name it, for a refusal made before the role is looked up. */
function flagsLabel(flags: RoleFlags): string {
  if (flags.profile !== undefined) return flags.profile
  if (flags.role !== undefined) return flags.role
  if (flags.account !== undefined && flags.roleName !== undefined) return `${flags.account}.${flags.roleName}`
  return 'the role you pick'
}

/** `keyless exec`: the role's credentials, then the command with them; resolves with the command's exit code. */
export async function execRole(flags: RoleFlags, options: ExecOptions): Promise<number> {
  const env = options.env ?? process.env
  // --server: refuse before any sign-in or picker when [default] (or a boto config) would win over the endpoint.
  const shadows = options.server ? await import('./server-shadow.js') : undefined
  const shadow = await shadows?.findServerShadow(env)
  if (shadows && shadow && !shadow.keylessRole) throw shadows.serverShadowError(shadow, flagsLabel(flags))
  const {choice, credentials} = await useRole(flags, {command: 'exec', debug: options.debug, env})
  if (shadows && shadow) {
    const role = {session: choice.session.name, accountId: choice.accountId, roleName: choice.roleName}
    if (!shadows.servesSameRole(shadow, role)) throw shadows.serverShadowError(shadow, choice.label)
  }
  const region = roleRegion(choice, options.region, env)
  if (env.KEYLESS_ROLE && env.KEYLESS_ROLE !== choice.label) {
    process.stderr.write(`keyless: warning: this exec of ${choice.label} replaces the outer role ${printable(env.KEYLESS_ROLE)}\n`)
  }
  if (!options.server) {
    return runChild(options.command, options.args, childEnvironment(env, {region, label: choice.label, credentials}))
  }
  const [{startCredentialsServer}, {servedCredentials, firstWarningOnly}] = await Promise.all([
    import('./credentials-server.js'),
    import('./served-credentials.js'),
  ])
  const stderr = (line: string) => process.stderr.write(line + '\n')
  // The command's stderr is ours: one warning about short credentials per exec, not one per request. The cache
  // never serves credentials that short, so first ones like that were just fetched, and that fetch warned already.
  const warn = firstWarningOnly(stderr, Date.parse(credentials.expiresAt) - Date.now() <= EXPIRY_WINDOW_MS)
  const server = await startCredentialsServer(
    servedCredentials(credentials, () => credentialsFor(choice, options.debug, env, warn)),
    stderr,
  )
  try {
    return await runChild(options.command, options.args, childEnvironment(env, {region, label: choice.label, server}))
  } finally {
    await server.close()
  }
}
