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
  /** Each process's parent, as it was when the process was first seen (before an exiting parent reparents it). */
  parents: Record<string, string>
  /** Every command line each process had (a process that execs has more than one). */
  cmdlinesOf: Record<string, string[]>
  polls: number
}

/**
 * The command lines of `root` and the processes it started, and theirs: the machine-wide scan also sees the
 * processes of tests that run alongside, whose command lines a check of words (not of issued secrets) must not count.
 */
export function cmdlinesUnder(scan: ProcScan, root = process.pid): string[] {
  const inTree = (pid: string): boolean => {
    for (let at: string | undefined = pid, hops = 0; at !== undefined && hops < 64; at = scan.parents[at], hops++) {
      if (at === String(root)) return true
    }
    return false
  }
  return Object.entries(scan.cmdlinesOf).flatMap(([pid, lines]) => (inTree(pid) ? lines : []))
}

const SCRIPT = `
const fs = require('node:fs')
const old = new Set(fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)))
const cmdlines = new Set(), environs = new Set(), seen = new Map(), parents = {}, cmdlinesOf = {}
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
    if (!(pid in parents)) {
      // /proc/PID/stat: "pid (comm) state ppid ...", where comm may hold spaces and parentheses.
      const stat = read('/proc/' + pid + '/stat')
      const ppid = stat && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]
      if (ppid) parents[pid] = ppid
    }
    if (seen.get(pid) !== cmd) {
      seen.set(pid, cmd)
      ;(cmdlinesOf[pid] ??= []).push(cmd)
      const env = read('/proc/' + pid + '/environ')
      if (env) environs.add(env)
    }
  }
  if (stopping) {
    fs.writeFileSync(process.argv[1], JSON.stringify({cmdlines: [...cmdlines], environs: [...environs], processes: [...seen.values()], parents, cmdlinesOf, polls}))
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
