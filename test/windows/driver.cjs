'use strict'
// Runs inside Wine, on the Windows node.exe: starts processes the way Windows programs start them and writes what
// they printed to a JSON file (node.exe under Wine cannot write to a Unix pipe, so nothing goes to stdout).
// argv: PLAN.json OUT.json. A plan is a list of steps, each one of:
//   {name, run: [file, ...args]}   spawn without a shell (CreateProcess, as botocore starts credential_process
//                                  once it has split the line)
//   {name, cmd: LINE}              `cmd.exe /C LINE` with Go's quoting of that argument (the Go SDK, Terraform)
//   {name, exec: LINE}             child_process.exec(LINE) (the AWS SDK for JavaScript)
// with optional env (merged over this process's, names case-insensitive as on Windows) and cwd.
const {exec, spawnSync} = require('node:child_process')
const {readFileSync, writeFileSync} = require('node:fs')

const [planPath, outPath] = process.argv.slice(2)
const plan = JSON.parse(readFileSync(planPath, 'utf8'))

/** Go's syscall.EscapeArg (appendEscapeArg), which os/exec applies to every argument, `cmd.exe /C LINE` included. */
function goEscapeArg(s) {
  if (s.length === 0) return '""'
  const needsBackslash = /["\\]/.test(s)
  const hasSpace = /[ \t]/.test(s)
  if (!needsBackslash && !hasSpace) return s
  if (!needsBackslash) return `"${s}"`
  let b = hasSpace ? '"' : ''
  let slashes = 0
  for (const c of s) {
    if (c === '\\') slashes++
    else if (c === '"') {
      b += '\\'.repeat(slashes) + '\\'
      slashes = 0
    } else slashes = 0
    b += c
  }
  if (hasSpace) b += '\\'.repeat(slashes) + '"'
  return b
}

function envFor(extra) {
  const env = {...process.env}
  for (const [key, value] of Object.entries(extra ?? {})) {
    for (const k of Object.keys(env)) if (k.toUpperCase() === key.toUpperCase()) delete env[k]
    if (value !== null) env[key] = value
  }
  return env
}

/**
 * spawnSync, once more when Wine's CreateProcess failed with an error libuv has no name for (`UNKNOWN`): under load
 * Wine now and then fails to start a program that starts the next time (seen once in a CI run: node.exe at the path
 * `profiles sync` wrote, which the same test had just started). A wrong line fails with ENOENT, or runs and fails,
 * both kept; the retry is reported (`retried`).
 */
function spawnSyncUnderWine(file, args, options) {
  const r = spawnSync(file, args, options)
  const failed = {code: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error && String(r.error)}
  if (r.error?.code !== 'UNKNOWN') return failed
  const again = spawnSync(file, args, options)
  return {code: again.status, stdout: again.stdout, stderr: again.stderr, error: again.error && String(again.error), retried: failed.error}
}

/**
 * The same through cmd.exe: Wine's cmd.exe now and then fails to start a program it starts the next time, and says
 * `Can't recognize '<the whole line>' as an internal or external command` (exit 9009; seen in a CI run, for the JS
 * SDK's way of starting the line botocore's and the Go SDK's ways had just started). A line cmd.exe really cannot run
 * fails the same way twice, so the retry hides no wrong line; it is reported (`retried`).
 */
async function underWineCmd(start) {
  const first = await start()
  if (first.code !== 9009 || !/Can't recognize/.test(first.stderr ?? '')) return first
  return {...(await start()), retried: `exit 9009: ${first.stderr.trim().slice(0, 120)}`}
}

async function runStep(step) {
  const options = {env: envFor(step.env), cwd: step.cwd, encoding: 'utf8', windowsHide: true, timeout: 120_000}
  if (step.run) return spawnSyncUnderWine(step.run[0], step.run.slice(1), options)
  if (step.cmd !== undefined) {
    const comspec = 'C:\\windows\\system32\\cmd.exe'
    return underWineCmd(async () =>
      spawnSyncUnderWine(comspec, ['/C', goEscapeArg(step.cmd)], {...options, windowsVerbatimArguments: true}),
    )
  }
  if (step.exec !== undefined) {
    return underWineCmd(
      () =>
        new Promise((resolve) =>
          exec(step.exec, options, (error, stdout, stderr) =>
            resolve({code: error ? (error.code ?? 1) : 0, stdout, stderr, error: error && String(error.message)}),
          ),
        ),
    )
  }
  throw new Error(`unknown step ${JSON.stringify(step)}`)
}

;(async () => {
  const results = {}
  for (const step of plan) {
    try {
      results[step.name] = await runStep(step)
    } catch (error) {
      results[step.name] = {code: null, error: String(error)}
    }
    writeFileSync(outPath, JSON.stringify(results, null, 1))
  }
})()
