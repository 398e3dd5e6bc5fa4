import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {expandHome, homeDir} from '../aws-config/paths.js'
import type {AwsSsoCliConfig} from './peers.js'

/** aws-sso-cli's config file: `$AWS_SSO_CONFIG`, else `~/.aws-sso/config.yaml` (its docs, "Configuration"). */
export function awsSsoCliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_SSO_CONFIG ? expandHome(env.AWS_SSO_CONFIG, env) : join(homeDir(env), '.aws-sso', 'config.yaml')
}

/**
 * The SSO instances of aws-sso-cli's config (`SSOConfig: {NAME: {StartUrl, SSORegion}}`, `DefaultSSO`), or
 * undefined when there is no such file or it is not YAML of that shape (its profiles are then listed, not guessed).
 */
export async function readAwsSsoCliConfig(env: NodeJS.ProcessEnv = process.env): Promise<AwsSsoCliConfig | undefined> {
  let text: string
  try {
    text = await readFile(awsSsoCliConfigPath(env), 'utf8')
  } catch {
    return undefined
  }
  try {
    const {parse} = await import('yaml')
    const doc = parse(text) as {DefaultSSO?: unknown; SSOConfig?: Record<string, {StartUrl?: unknown; SSORegion?: unknown}>} | null
    const instances = Object.entries(doc?.SSOConfig ?? {}).flatMap(([name, sso]) =>
      typeof sso?.StartUrl === 'string' && typeof sso.SSORegion === 'string' ? [{name, startUrl: sso.StartUrl, region: sso.SSORegion}] : [],
    )
    return {defaultSso: typeof doc?.DefaultSSO === 'string' ? doc.DefaultSSO : 'Default', instances}
  } catch {
    return undefined
  }
}
