// A browser for tests: keyless opens it through $BROWSER with the authorize URL, and it does what a person in a
// browser would, with plain HTTP: load the URL, follow redirects, press Allow or Deny on the emulator's approval
// page (a form POST), follow the redirect to keyless's loopback callback, and note the page it ends on.
// Controlled by environment variables; records one JSON line per event in $HTTP_BROWSER_LOG (never a code).
//   HTTP_BROWSER_ACTION  allow (default) | deny | none (only record the URL)
//   HTTP_BROWSER_FORGE   1: first send the callback a wrong state and no state, as an attacker's page could;
//                        after the sign-in, replay the real callback
//   HTTP_BROWSER_BOGUS   1: answer the callback with our state but a made-up code (CreateToken must refuse it)
//   HTTP_BROWSER_PROBE   1: try to reach the callback port on every address of this machine but 127.0.0.1
import {appendFileSync, readFileSync, statSync} from 'node:fs'
import {connect} from 'node:net'
import {networkInterfaces} from 'node:os'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'

const log = (event) => process.env.HTTP_BROWSER_LOG && appendFileSync(process.env.HTTP_BROWSER_LOG, JSON.stringify(event) + '\n')
const action = process.env.HTTP_BROWSER_ACTION || 'allow'
// HTTP_BROWSER_DELAY_MS: start up slowly, as a real browser does (its command line stays visible meanwhile).
await new Promise((resolve) => setTimeout(resolve, Number(process.env.HTTP_BROWSER_DELAY_MS) || 0))
const url = await handedOff(process.argv[2])
log({event: 'opened', url})

/**
 * keyless hands the browser a page (browser-handoff.ts), as a file:// URL or, through run-mailcap, a path: read it
 * as a browser would, note its and its directory's modes, and follow its one-time loopback link to the real URL.
 */
async function handedOff(arg) {
  if (/^https?:/.test(arg)) return arg
  const path = arg.startsWith('file:') ? fileURLToPath(arg) : arg
  const html = readFileSync(path, 'utf8')
  const link = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)?.[1]?.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(c))
  log({event: 'handoff', arg, fileMode: statSync(path).mode & 0o777, dirMode: statSync(dirname(path)).mode & 0o777, link})
  const response = await fetch(link, {redirect: 'manual'})
  return response.headers.get('location')
}

const pathOf = (u) => {
  const p = new URL(u)
  return `${p.origin}${p.pathname}`
}
const title = (text) => /<h1[^>]*>([^<]*)<\/h1>/.exec(text)?.[1] ?? ''

async function follow(start, init = {}) {
  let response = await fetch(start, {...init, redirect: 'manual'})
  let at = start
  for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
    at = new URL(response.headers.get('location'), at).toString()
    log({event: 'redirect', to: pathOf(at), query: [...new URL(at).searchParams.keys()]})
    response = await fetch(at, {redirect: 'manual'})
  }
  const text = await response.text()
  return {status: response.status, at, text}
}

function probe(port) {
  const addresses = ['127.0.0.2', '::1']
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? [])
      if (!a.internal) addresses.push(a.family === 'IPv6' && a.address.startsWith('fe80') ? `${a.address}%${name}` : a.address)
  }
  return Promise.all(
    [...new Set(addresses)].map(
      (host) =>
        new Promise((resolve) => {
          const socket = connect({host, port, timeout: 2000})
          const done = (reachable, why) => {
            socket.destroy()
            resolve({host, reachable, why})
          }
          socket.once('connect', () => done(true, 'connected'))
          socket.once('error', (e) => done(false, e.code))
          socket.once('timeout', () => done(false, 'timeout'))
        }),
    ),
  )
}

try {
  const params = new URL(url).searchParams
  const redirectUri = params.get('redirect_uri')
  const state = params.get('state')
  if (process.env.HTTP_BROWSER_PROBE === '1') {
    const reachable = await fetch(`${redirectUri}?state=probe`).then((r) => r.status)
    log({event: 'probe', loopback: reachable, others: await probe(Number(new URL(redirectUri).port))})
  }
  if (process.env.HTTP_BROWSER_FORGE === '1') {
    const forged = await follow(`${redirectUri}?code=forged-code&state=not-the-state`)
    const missing = await follow(`${redirectUri}?code=forged-code`)
    const elsewhere = await follow(`${new URL(redirectUri).origin}/anything?code=x&state=${encodeURIComponent(state)}`)
    log({event: 'forged', wrongState: forged.status, missingState: missing.status, otherPath: elsewhere.status, title: title(forged.text)})
  }
  if (process.env.HTTP_BROWSER_BOGUS === '1') {
    const page = await follow(`${redirectUri}?code=made-up-code&state=${encodeURIComponent(state)}`)
    log({event: 'landed', status: page.status, at: pathOf(page.at), title: title(page.text)})
  } else if (action !== 'none') {
    let page = await follow(url)
    const form = /name="request_id" value="([^"]+)"/.exec(page.text)
    if (form) {
      log({event: 'approval-page', status: page.status})
      page = await follow(new URL('/authorize', url).toString(), {
        method: 'POST',
        headers: {'content-type': 'application/x-www-form-urlencoded'},
        body: new URLSearchParams({request_id: form[1], action}).toString(),
      })
    }
    log({event: 'landed', status: page.status, at: pathOf(page.at), title: title(page.text)})
    if (process.env.HTTP_BROWSER_FORGE === '1') {
      // The same callback again (code and state), as a replaying attacker would: the server must be gone.
      const again = await fetch(page.at).then(
        (r) => r.status,
        (e) => e.cause?.code ?? String(e),
      )
      log({event: 'replayed', result: again})
    }
  }
} catch (error) {
  log({event: 'error', message: String(error?.message ?? error)})
}
