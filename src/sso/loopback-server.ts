import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {printable} from '../errors.js'
import {debug} from '../ui/debug.js'
import {CALLBACK_PATH} from './authorize-url.js'
import {sameState} from './pkce.js'

/** What arrived at the callback with our `state`. */
export type CallbackResult =
  {kind: 'code'; code: string; finish: (page: ResultPage) => void} | {kind: 'error'; error: string; description?: string}

export interface ResultPage {
  ok: boolean
  title: string
  text: string
}

export interface CallbackServer {
  /** `http://127.0.0.1:PORT/oauth/callback`. */
  redirectUri: string
  port: number
  /** The first callback that carries our state: a code, or the error the authorization server sent. */
  result: Promise<CallbackResult>
  close(): void
}

/** The host the callback server binds: the IPv4 loopback only, never every interface (the AWS CLI binds ''). */
const LOOPBACK = '127.0.0.1'
/** How long the browser's request for the result page is held while keyless redeems the code. */
const FINISH_WAIT_MS = 60_000

/**
 * The loopback HTTP server of the authorization-code login: 127.0.0.1 only, a free port, one path. A request
 * anywhere else is 404; a callback without our `state` is answered 400 and ignored (a forged or stale redirect
 * cannot end the login); the first callback with our state settles `result` and the server stops listening.
 * For a code, the browser's request is held until the caller says how the sign-in ended (`finish`), so the tab
 * shows what really happened.
 */
export async function startCallbackServer(expectedState: string): Promise<CallbackServer> {
  let settle!: (result: CallbackResult) => void
  const result = new Promise<CallbackResult>((resolve) => (settle = resolve))
  let done = false
  let port = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`)
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH)
      return respond(res, 404, page(false, 'Not found', 'keyless serves nothing here.'))
    // A browser always sends the host it connected to: anything else is not a browser following our redirect.
    if (req.headers.host !== `${LOOPBACK}:${port}`) return respond(res, 400, page(false, 'Bad request', 'Unexpected host.'))
    if (!sameState(expectedState, url.searchParams.get('state'))) {
      debug('login', 'ignored a callback with a wrong or missing state')
      return respond(
        res,
        400,
        page(false, 'Sign-in link not recognised', 'This callback does not belong to the keyless login in progress. Nothing was changed.'),
      )
    }
    if (done) return respond(res, 409, page(false, 'Already handled', 'This sign-in has already been handled. You can close this tab.'))
    const error = url.searchParams.get('error')
    const code = url.searchParams.get('code')
    if (error || !code) {
      done = true
      const description = url.searchParams.get('error_description') ?? undefined
      settle({kind: 'error', error: error ?? 'missing_code', description})
      const denied = error === 'access_denied'
      respond(
        res,
        denied ? 200 : 400,
        denied
          ? page(false, 'Sign-in denied', 'You denied the request. keyless stored nothing; you can close this tab.')
          : page(
              false,
              'Sign-in failed',
              `The sign-in did not complete (${printable(error ?? 'no code').slice(0, 80)}). keyless stored nothing; you can close this tab.`,
            ),
      )
      stopListening()
      return
    }
    done = true
    stopListening()
    let finished = false
    const timer = setTimeout(
      () => finish({ok: false, title: 'Sign-in pending', text: 'Return to your terminal to see how the sign-in ended.'}),
      FINISH_WAIT_MS,
    )
    timer.unref()
    function finish(result: ResultPage) {
      if (finished) return
      finished = true
      clearTimeout(timer)
      respond(res, result.ok ? 200 : 400, page(result.ok, result.title, result.text))
    }
    settle({kind: 'code', code, finish})
  })
  // Never let a slow or idle browser connection keep keyless running.
  server.keepAliveTimeout = 1000
  server.requestTimeout = 30_000
  function stopListening() {
    server.close()
    server.closeIdleConnections()
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  debug('login', `waiting for the browser's redirect on http://${LOOPBACK}:${port}${CALLBACK_PATH}`)
  return {
    redirectUri: `http://${LOOPBACK}:${port}${CALLBACK_PATH}`,
    port,
    result,
    close: () => {
      server.close()
      server.closeAllConnections()
    },
  }
}

function respond(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'x-content-type-options': 'nosniff',
    connection: 'close',
  })
  res.end(body)
}

/** The small page the tab ends on: what happened, never a secret (the texts are keyless's own). */
function page(ok: boolean, title: string, text: string): string {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keyless: ${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}h1{color:${ok ? '#1a7f37' : '#cf222e'}}</style>
</head><body><h1 id="keyless-result" data-ok="${ok}">${escape(title)}</h1>
<p>${escape(text)}</p>
</body></html>
`
}
