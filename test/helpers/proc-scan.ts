/**
 * A separate process that records the command line and environment of every process born after it started,
 * polling /proc every 2 ms: for checks that no secret reaches any process's argv.
 */
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'

export interface ProcScan {
  cmdlines: string[]
  environs: string[]
  /** The last command line seen of each process. */
  processes: string[]
  polls: number
}

const SCRIPT = `
const fs = require('node:fs')
const old = new Set(fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)))
const cmdlines = new Set(), environs = new Set(), seen = new Map()
let polls = 0, stopping = false
// A test that fails before stop() must not leave this polling forever: end with the test process.
const parent = process.ppid
const read = (f) => { try { return fs.readFileSync(f).toString('latin1') } catch { return undefined } }
function poll() {
  if (process.ppid !== parent) process.exit(0)
  polls++
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid) || old.has(pid) || pid === String(process.pid)) continue
    const cmd = read('/proc/' + pid + '/cmdline')
    if (!cmd) continue
    cmdlines.add(cmd)
    if (seen.get(pid) !== cmd) {
      seen.set(pid, cmd)
      const env = read('/proc/' + pid + '/environ')
      if (env) environs.add(env)
    }
  }
  if (stopping) {
    fs.writeFileSync(process.argv[1], JSON.stringify({cmdlines: [...cmdlines], environs: [...environs], processes: [...seen.values()], polls}))
    process.exit(0)
  }
  setTimeout(poll, 2)
}
process.on('SIGTERM', () => (stopping = true))
process.stdout.write('ready\\n')
poll()
`

/** Starts the scanner; resolves once it is polling. stop() ends it and returns what it saw. */
export async function startProcScan(outFile: string): Promise<{stop: () => Promise<ProcScan>}> {
  const child = spawn(process.execPath, ['-e', SCRIPT, outFile], {stdio: ['ignore', 'pipe', 'inherit']})
  await new Promise((resolve) => child.stdout.once('data', resolve))
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(JSON.parse(readFileSync(outFile, 'utf8')) as ProcScan))
        child.kill('SIGTERM')
      }),
  }
}
