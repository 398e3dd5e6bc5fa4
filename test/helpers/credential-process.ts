/**
 * Shared set-up of the credential-process suites (e2e, reliability) and the benchmark: credential_process
 * profiles written by hand (the session itself is seeded with seed-session.ts), and a module-load tracer.
 */
import {join} from 'node:path'

import {KEYLESS_BIN} from './cli.js'
import {ssoSessionSection} from './files.js'

export const SESSION = 'acme'

export interface ProfileSpec {
  name: string
  accountId: string
  roleName: string
  session?: string
  autoLogin?: boolean
}

/** The credential_process line keyless profiles sync would write, with node spelled out (bin/run.js is a script). */
export function credentialProcessLine(p: ProfileSpec): string {
  const flags = `--session ${p.session ?? SESSION} --account-id ${p.accountId} --role-name ${p.roleName}${p.autoLogin ? ' --auto-login' : ''}`
  return `"${process.execPath}" "${KEYLESS_BIN}" credential-process ${flags}`
}

/** An AWS config with the [sso-session] of the emulator's fixture and one credential_process profile per spec. */
export function configText(startUrl: string, region: string, profiles: ProfileSpec[], extraSessions: string[] = []): string {
  let text = ssoSessionSection(SESSION, startUrl, region)
  for (const name of extraSessions) text += '\n' + ssoSessionSection(name, startUrl, region)
  for (const p of profiles) {
    text += `\n[profile ${p.name}]\ncredential_process = ${credentialProcessLine(p)}\nregion = ${region}\nkeyless_session = ${p.session ?? SESSION}\n`
  }
  return text
}

/**
 * Files for `node --require <register>`: records the URL of every module the process loads, CommonJS
 * (require: the credential-process bundle, keytar) and ESM (import: everything from dist/) alike, into
 * $KEYLESS_MODULE_TRACE, to check what the cached path loads.
 */
export function moduleTraceFiles(dir: string): {register: string; hook: string} {
  return {register: join(dir, 'trace-register.cjs'), hook: join(dir, 'trace-hook.mjs')}
}
export const TRACE_HOOK = `import {appendFileSync} from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (process.env.KEYLESS_MODULE_TRACE) appendFileSync(process.env.KEYLESS_MODULE_TRACE, result.url + '\\n')
  // The ESM loader's own: a CommonJS file it loads has its exports read by cjs-module-lexer first.
  if (process.env.KEYLESS_ESM_TRACE) appendFileSync(process.env.KEYLESS_ESM_TRACE, result.url + '\\n')
  return result
}
`
export const traceRegister = (hookPath: string) => `const Module = require('node:module')
const {appendFileSync} = require('node:fs')
const {isAbsolute} = require('node:path')
const {pathToFileURL} = require('node:url')
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args)
  if (process.env.KEYLESS_MODULE_TRACE && isAbsolute(file)) appendFileSync(process.env.KEYLESS_MODULE_TRACE, pathToFileURL(file).href + '\\n')
  return file
}
Module.register(pathToFileURL(${JSON.stringify(hookPath)}))
`
