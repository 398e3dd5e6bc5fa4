// What a browser does with keyless's hand-off (src/ui/browser-handoff.ts), for the recording browsers of tests:
// `node follow-handoff.mjs <file:// URL | path | http(s) URL>` reads the page, follows its one-time loopback link
// (spending it, as a browser would) and prints the URL it redirects to: the URL keyless meant to open.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const arg = process.argv[2] ?? ''
if (/^https?:/.test(arg)) {
  process.stdout.write(arg + '\n')
} else {
  const html = readFileSync(arg.startsWith('file:') ? fileURLToPath(arg) : arg, 'utf8')
  const link = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)?.[1]?.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(c))
  const response = await fetch(link, {redirect: 'manual'})
  process.stdout.write(`${response.headers.get('location') ?? `(no redirect: ${response.status})`}\n`)
}
