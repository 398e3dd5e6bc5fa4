import {spawnSync} from 'node:child_process'

/**
 * One child's wall time and CPU time, measured by a small Python parent that forks it and reaps it with wait4(2):
 * the kernel's rusage of the child and all its threads (V8's GC and compiler threads, libsecret's D-Bus thread), to
 * the microsecond (their sum is the scheduler's exact run time), and a monotonic clock around fork and wait. Bash's
 * `times` (used before) prints the same rusage rounded to the millisecond, user and system each: with targets of a
 * few milliseconds, judged on differences, that rounding was a fifth of the answer. /proc/self/stat's children
 * times count in clock ticks of 10 ms. Python 3 is on every machine the bench runs on (npm run bench installs
 * Debian's python3-boto3 with ensure-deps.sh).
 */
export interface ChildTime {
  ms: number
  cpuMs: number
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

// The parent prints `keyless-bench WALL USER SYSTEM` (seconds) on stderr after the child's own stderr, and exits
// with the child's status (128 + N for a signal, as a shell does).
const TIMER = [
  'import os, sys, time',
  't = time.monotonic()',
  'pid = os.fork()',
  'if pid == 0:',
  '    try: os.execvp(sys.argv[1], sys.argv[1:])',
  '    finally: os._exit(127)',
  '_, status, usage = os.wait4(pid, 0)',
  'e = time.monotonic()',
  "sys.stderr.write('keyless-bench %.6f %.6f %.6f\\n' % (e - t, usage.ru_utime, usage.ru_stime))",
  'sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))',
].join('\n')

export function timeChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildTime {
  const r = spawnSync('python3', ['-c', TIMER, command, ...args], {
    env,
    encoding: 'utf8',
    timeout: 10 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  const lines = r.stderr.trimEnd().split('\n')
  const times = /^keyless-bench (\d+\.\d+) (\d+\.\d+) (\d+\.\d+)$/.exec(lines.at(-1) ?? '')
  if (!times) throw new Error(`bench timer: no times from python3 (${r.error?.message ?? r.stderr.slice(-500)})`)
  return {
    ms: Number(times[1]) * 1000,
    cpuMs: (Number(times[2]) + Number(times[3])) * 1000,
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: lines.slice(0, -1).join('\n'),
  }
}
