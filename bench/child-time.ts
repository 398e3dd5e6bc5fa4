import {spawnSync} from 'node:child_process'

/**
 * One child's wall time and CPU time, each to the microsecond, measured by a bash that starts it: bash's `times` is
 * getrusage(RUSAGE_CHILDREN), the kernel's exact run time of the child and all its threads (V8's GC and compiler
 * threads, libsecret's D-Bus thread), and $EPOCHREALTIME around the child leaves bash's own start out of the wall
 * time. /proc/self/stat's children times, read around spawnSync, count in clock ticks of 10 ms: a 5 ms target measured
 * by their difference over 21 runs is mostly rounding.
 */
export interface ChildTime {
  ms: number
  cpuMs: number
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

// bash prints `times` (its own, then its children's user and system time) and the two clock readings on stderr
// after the child's own stderr; the child's exit status is bash's.
const TIMER = 't=$EPOCHREALTIME; "$@"; s=$?; e=$EPOCHREALTIME; times >&2; echo "keyless-bench $t $e" >&2; exit $s'

export function timeChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildTime {
  const r = spawnSync('bash', ['-c', TIMER, 'keyless-bench', command, ...args], {
    env,
    encoding: 'utf8',
    timeout: 10 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  const lines = r.stderr.trimEnd().split('\n')
  const clock = /^keyless-bench (\d+\.\d+) (\d+\.\d+)$/.exec(lines.at(-1) ?? '')
  const children = /^(\d+)m(\d+\.\d+)s (\d+)m(\d+\.\d+)s$/.exec(lines.at(-2) ?? '')
  if (!clock || !children) throw new Error(`bench timer: no times from bash (${r.error?.message ?? r.stderr.slice(-500)})`)
  const seconds = (m: string, s: string) => Number(m) * 60 + Number(s)
  return {
    ms: (Number(clock[2]) - Number(clock[1])) * 1000,
    cpuMs: (seconds(children[1]!, children[2]!) + seconds(children[3]!, children[4]!)) * 1000,
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: lines.slice(0, -3).join('\n'),
  }
}
