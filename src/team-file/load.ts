import {readFile} from 'node:fs/promises'

import {KeylessError} from '../errors.js'

/** How long a team file fetch may take, body included: a stalled server (a VPN down) fails it, nothing changes. */
export const TEAM_FILE_TIMEOUT_MS = 10_000
/** A team file is a few KB; anything past this is not one. */
export const TEAM_FILE_MAX_BYTES = 1024 * 1024

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * The team file's text from a path or an https URL (http only to this machine's loopback, for local mirrors and
 * tests). The whole body or an error: a failed, refused, redirected-to-http or timed-out fetch throws, and the caller
 * changes nothing.
 */
export async function loadTeamFile(source: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    try {
      return await readFile(source, 'utf8')
    } catch (error) {
      throw new KeylessError(
        `cannot read team file ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        'check the path',
      )
    }
  }
  let url: URL
  try {
    url = new URL(source)
  } catch {
    throw new KeylessError(`"${source}" is not a URL`, 'pass a path or an https:// URL to --from')
  }
  const allowed = (u: URL) => u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))
  if (!allowed(url)) throw new KeylessError(`team file URL ${url.origin} is not https`, 'serve the team file over https')
  const timeoutMs = Number(env.KEYLESS_TEAM_FILE_TIMEOUT_MS) || TEAM_FILE_TIMEOUT_MS
  const signal = AbortSignal.timeout(timeoutMs)
  const failed = (why: string) =>
    new KeylessError(
      `could not fetch team file ${url.origin}${url.pathname}: ${why}; nothing was changed`,
      'check the URL and your network (VPN), then run the command again',
    )
  try {
    const response = await fetch(url, {signal, redirect: 'follow', headers: {accept: 'application/yaml, application/json, text/plain'}})
    if (!allowed(new URL(response.url || url.href))) throw failed('redirected to a URL that is not https')
    if (response.status !== 200) throw failed(`HTTP ${response.status}`)
    const declared = Number(response.headers.get('content-length'))
    if (declared > TEAM_FILE_MAX_BYTES) throw failed(`over ${TEAM_FILE_MAX_BYTES} bytes`)
    const body = Buffer.from(await response.arrayBuffer())
    if (body.length > TEAM_FILE_MAX_BYTES) throw failed(`over ${TEAM_FILE_MAX_BYTES} bytes`)
    return new TextDecoder('utf-8', {fatal: true}).decode(body)
  } catch (error) {
    if (error instanceof KeylessError) throw error
    const name = (error as Error).name
    if (name === 'TimeoutError' || name === 'AbortError') throw failed(`no complete answer within ${Math.round(timeoutMs / 1000)} s`)
    if (error instanceof TypeError && /decode|encoded/i.test(error.message)) throw failed('the body is not UTF-8 text')
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    throw failed(cause?.code ?? cause?.message ?? (error as Error).message)
  }
}
