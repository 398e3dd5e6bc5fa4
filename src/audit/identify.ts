import {createHash} from 'node:crypto'

import {classifyArn} from '../identity/classify.js'
import {AWS_HTTP_OPTIONS, withCallLimits} from '../sso/clients.js'
import {AUDIT_STS_CONCURRENCY, AUDIT_STS_TIMEOUT_MS} from '../timing.js'
import {debug, sdkLogger} from '../ui/debug.js'
import type {FoundKey, KeyIdentity} from './types.js'
import {clientSts} from '../sdk-modules.js'

/** STS is global in each partition: us-east-1 reaches the `aws` partition when nothing names another. */
const DEFAULT_REGION = 'us-east-1'

/** One identity per distinct key pair (the same key in three files costs one call). Never printed. */
export function keyFingerprint(key: FoundKey): string {
  return createHash('sha256')
    .update(`${key.accessKeyId}\0${key.secretAccessKey}\0${key.sessionToken ?? ''}\0${key.region ?? ''}`)
    .digest('hex')
}

export interface IdentifyOptions {
  env: NodeJS.ProcessEnv
  concurrency?: number
  timeoutMs?: number
  /** Identities already known (the second inventory after --fix asks nothing twice). */
  known?: Map<string, KeyIdentity>
  onProgress?: (done: number, total: number) => void
}

/**
 * Asks STS GetCallerIdentity, signed with each key, who it is: at most `concurrency` calls at once, each given
 * up after `timeoutMs`. The key's region (its profile's, else AWS_REGION) picks its partition (aws-cn,
 * aws-us-gov...). Answers: `active` with account and ARN; `rejected` (InvalidClientTokenId: deleted or inactive;
 * SignatureDoesNotMatch: wrong secret); `expired`; `unreachable` (no answer in time); `error`.
 */
export async function identifyKeys(keys: FoundKey[], options: IdentifyOptions): Promise<Map<string, KeyIdentity>> {
  const results = new Map<string, KeyIdentity>(options.known ?? [])
  const todo = new Map<string, FoundKey>()
  for (const key of keys) {
    const id = keyFingerprint(key)
    if (!results.has(id) && key.secretAccessKey) todo.set(id, key)
  }
  if (todo.size === 0) return results
  const {STSClient, GetCallerIdentityCommand} = clientSts()
  const queue = [...todo.entries()]
  let done = 0
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [id, key] = next
      results.set(id, await identifyOne(key, {STSClient, GetCallerIdentityCommand}, options))
      options.onProgress?.(++done, todo.size)
    }
  }
  const workers = Math.max(1, Math.min(options.concurrency ?? AUDIT_STS_CONCURRENCY, queue.length))
  await Promise.all(Array.from({length: workers}, worker))
  return results
}

type Sts = Pick<typeof import('@aws-sdk/client-sts'), 'STSClient' | 'GetCallerIdentityCommand'>

async function identifyOne(key: FoundKey, sts: Sts, options: IdentifyOptions): Promise<KeyIdentity> {
  const timeoutMs = options.timeoutMs ?? AUDIT_STS_TIMEOUT_MS
  // The rule every AWS client of keyless follows (timeouts, a capped answer), with the audit's shorter deadline.
  const client = withCallLimits(
    new sts.STSClient({
      region: key.region || DEFAULT_REGION,
      credentials: {accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken},
      maxAttempts: 1,
      requestHandler: AWS_HTTP_OPTIONS,
      logger: sdkLogger,
    }),
    timeoutMs,
  )
  try {
    const answer = await client.send(new sts.GetCallerIdentityCommand({}))
    const principal = classifyArn(answer.Arn ?? '')
    return {
      status: 'active',
      account: answer.Account ?? principal.account,
      arn: answer.Arn ?? '',
      principalKind: principal.kind,
      ...(principal.kind === 'iam-user' && principal.name ? {userName: principal.name} : {}),
    }
  } catch (error) {
    const e = error as {name?: string; $metadata?: {httpStatusCode?: number}}
    debug('audit', 'GetCallerIdentity failed', {name: e.name, status: e.$metadata?.httpStatusCode})
    const name = e.name ?? 'Error'
    if (name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch' || name === 'UnrecognizedClientException') {
      return {status: 'rejected', reason: name}
    }
    if (name === 'ExpiredToken' || name === 'ExpiredTokenException') return {status: 'expired', reason: name}
    if (name === 'ResponseTooLargeError') return {status: 'error', reason: name}
    if (e.$metadata?.httpStatusCode === undefined || name === 'TimeoutError' || name === 'AbortError')
      return {status: 'unreachable', reason: name}
    return {status: 'error', reason: name.replace(/[^\w.-]/g, '')}
  } finally {
    client.destroy()
  }
}
