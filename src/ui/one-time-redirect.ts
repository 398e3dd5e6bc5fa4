import {randomBytes} from 'node:crypto'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface OneTimeRedirect {
  /** `http://127.0.0.1:PORT/<random>`: safe on a command line, it leads anywhere only once. */
  url: string
  /** Resolves true once a browser has been redirected, false when nobody came within the wait. */
  used: Promise<boolean>
  close(): Promise<void>
}

/**
 * A server on 127.0.0.1 that answers its one random path once with a redirect to `target` (a URL holding a
 * bearer credential, kept out of every command line), then closes. Any other request gets 404 and no redirect.
 * `keepAlive: false` lets the process end while it waits (the login waits for its callback instead, and a
 * keyless that is done must not linger two minutes for a link nobody will follow).
 */
export async function startOneTimeRedirect(target: string, waitMs: number, options: {keepAlive?: boolean} = {}): Promise<OneTimeRedirect> {
  const path = `/${randomBytes(24).toString('base64url')}`
  let settle: (used: boolean) => void = () => {}
  const used = new Promise<boolean>((resolve) => (settle = resolve))
  let spent = false
  const server = createServer((req, res) => {
    if (spent || req.method !== 'GET' || req.url !== path) {
      res.writeHead(404, {'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store'})
      res.end('This sign-in link has been used or is unknown. Run keyless console again.\n')
      return
    }
    spent = true
    res.writeHead(302, {location: target, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0})
    res.end(() => settle(true))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const timer = setTimeout(() => settle(false), waitMs)
  if (options.keepAlive === false) {
    timer.unref()
    server.unref()
  }
  const close = () =>
    new Promise<void>((resolve) => {
      clearTimeout(timer)
      server.close(() => resolve())
      server.closeAllConnections()
    })
  void used.then(close)
  const {port} = server.address() as AddressInfo
  return {url: `http://127.0.0.1:${port}${path}`, used, close}
}
