/**
 * A reverse proxy in front of the emulator that rewrites its answers: a compromised or malicious endpoint, as
 * `AWS_ENDPOINT_URL` or a corporate proxy can put between keyless and AWS. Point keyless at `proxy.url` (or
 * merge `proxy.env()`); by default it forwards every request unchanged (the emulator's own origin in answers
 * becomes the proxy's, as a real reverse proxy would). Rules change what matching requests get:
 * a JSON edit of the real answer, a canned reply, the real answer late, silence, a slow drip, or a flood of bytes.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface ProxiedRequest {
  method: string
  /** Path and query, e.g. `/federation/credentials?account_id=...`. */
  url: string
  headers: Record<string, string>
  body: string
}

export type ProxyAction =
  /** Forward, then replace the JSON answer with what `edit` returns (status kept unless given). */
  | {kind: 'edit-json'; edit: (answer: Record<string, unknown>, request: ProxiedRequest) => unknown; status?: number}
  /** Answer this instead of forwarding (body may be built from the request, e.g. to echo it). */
  | {kind: 'reply'; status: number; headers?: Record<string, string>; body: string | ((request: ProxiedRequest) => string)}
  /** Forward (the server acts on the request at once), then hold its answer this long: a slow network or proxy. */
  | {kind: 'delay'; ms: number}
  /** Accept the request and never answer (the socket stays open until the client gives up or the proxy closes). */
  | {kind: 'hang'}
  /** Send 200 headers and then one byte every `intervalMs`, forever. */
  | {kind: 'drip'; intervalMs: number}
  /** Send 200 and `bytes` bytes of a JSON string as fast as the client reads them (no content-length). */
  | {kind: 'flood'; bytes: number}

export interface ProxyRule {
  /** Which requests: a path prefix (`/token`, `/federation/credentials`), a RegExp on method + ' ' + url, or a predicate. */
  match: string | RegExp | ((request: ProxiedRequest) => boolean)
  action: ProxyAction
  /** Apply to this many matching requests, then forward again (default: every one). */
  times?: number
}

export interface RewritingProxy {
  url: string
  /** AWS_ENDPOINT_URL at the proxy (and the emulator's region). */
  env(): Record<string, string>
  /** Adds a rule (checked in the order added; the first that matches wins). */
  rule(rule: ProxyRule): void
  /** Removes every rule: plain forwarding again. */
  clear(): void
  /** Every request the proxy received, in order. */
  requests: ProxiedRequest[]
  /** Bytes the proxy managed to write in flood and drip answers (what the client read, give or take socket buffers). */
  bytesSent(): number
  close(): Promise<void>
}

const HOP_BY_HOP = ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']

export async function startRewritingProxy(upstream: string, region = 'us-east-1'): Promise<RewritingProxy> {
  let rules: Array<ProxyRule & {used: number}> = []
  const requests: ProxiedRequest[] = []
  let sent = 0
  const timers = new Set<NodeJS.Timeout>()
  let self = ''

  const matches = (rule: ProxyRule, request: ProxiedRequest) => {
    if (typeof rule.match === 'string') return request.url.startsWith(rule.match)
    if (rule.match instanceof RegExp) return rule.match.test(`${request.method} ${request.url}`)
    return rule.match(request)
  }

  const forward = async (request: ProxiedRequest) => {
    const r = await fetch(upstream + request.url, {
      method: request.method,
      headers: request.headers,
      body: ['GET', 'HEAD'].includes(request.method) ? undefined : request.body,
    })
    const headers: Record<string, string> = {}
    r.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.includes(k) && k !== 'content-encoding') headers[k] = v
    })
    return {status: r.status, headers, text: (await r.text()).split(upstream).join(self)}
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !HOP_BY_HOP.includes(k)) headers[k] = v
    const request: ProxiedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
    }
    requests.push(request)
    const rule = rules.find((r) => (r.times === undefined || r.used < r.times) && matches(r, request))
    if (rule) rule.used++
    const action = rule?.action
    if (!action) {
      const answer = await forward(request)
      res.writeHead(answer.status, answer.headers)
      return res.end(answer.text)
    }
    switch (action.kind) {
      case 'edit-json': {
        const answer = await forward(request)
        const edited = JSON.stringify(action.edit(JSON.parse(answer.text) as Record<string, unknown>, request))
        res.writeHead(action.status ?? answer.status, answer.headers)
        return res.end(edited)
      }
      case 'reply': {
        const body = typeof action.body === 'function' ? action.body(request) : action.body
        res.writeHead(action.status, {'content-type': 'application/json', ...action.headers})
        return res.end(body)
      }
      case 'delay': {
        const answer = await forward(request)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer)
            resolve()
          }, action.ms)
          timers.add(timer)
        })
        if (res.destroyed) return
        res.writeHead(answer.status, answer.headers)
        return res.end(answer.text)
      }
      case 'hang':
        return
      case 'drip': {
        res.writeHead(200, {'content-type': 'application/json'})
        res.write('{')
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer)
          res.write(' ')
          sent++
        }, action.intervalMs)
        timers.add(timer)
        res.on('close', () => clearInterval(timer))
        return
      }
      case 'flood': {
        res.writeHead(200, {'content-type': 'application/json'})
        const chunk = Buffer.alloc(64 * 1024, 'a')
        res.write('{"roleCredentials":{"accessKeyId":"')
        let left = action.bytes
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            left -= chunk.length
            sent += chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          if (!res.destroyed) res.end('"}}')
        }
        res.on('error', () => {})
        return pump()
      }
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, {'content-type': 'text/plain'})
      res.end(`proxy error: ${error.message}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: self,
    env: () => ({AWS_ENDPOINT_URL: self, AWS_REGION: region}),
    rule: (rule) => void rules.push({...rule, used: 0}),
    clear: () => void (rules = []),
    requests,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
