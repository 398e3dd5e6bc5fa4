#!/usr/bin/env node
// Prints, after all of npm test's runs, which tests failed in which run: CI keeps only the end of a long log, and a
// failure in the Node.js 20 run is 20 minutes and thousands of lines before it. One line per failed test, file and
// name and the first line of its error; a run that left no report (it crashed, or never started) is named too. And
// the tests that failed once and passed when npm test ran them again (--retry=1): flaky, each worth a look, named
// whether or not the whole run passed.
// Usage: node scripts/failed-tests.mjs REPORT_DIR RUN...   (RUN: the name of a run, REPORT_DIR/RUN.json its report)
import {existsSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

const [dir, ...runs] = process.argv.slice(2)
const lines = []
const flaky = []
for (const run of runs) {
  const file = join(dir, `${run}.json`)
  if (!existsSync(file)) {
    lines.push(`${run}: no report (the run crashed or did not start; its own output says why)`)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  let failed = 0
  for (const suite of report.testResults ?? []) {
    const name = relative(process.cwd(), suite.name)
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'passed' && test.failureMessages?.length > 0) {
        flaky.push(`${run}: ${name} > ${test.fullName}: ${firstLine(test.failureMessages[0])}`)
      }
    }
    const tests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed')
    for (const test of tests) {
      lines.push(`${run}: ${name} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`)
      failed++
    }
    // A file that failed outside any test (an error at import, in a hook, or a worker that died).
    if (suite.status === 'failed' && tests.length === 0) {
      lines.push(`${run}: ${name}: ${firstLine(suite.message)}`)
      failed++
    }
  }
  if (failed === 0 && report.success === false) lines.push(`${run}: failed outside any test file (unhandled errors; see its output)`)
}
if (flaky.length > 0) {
  process.stderr.write(`keyless: failed once, then passed when run again:\n${flaky.map((line) => `  ${line}`).join('\n')}\n`)
}
if (lines.length > 0) {
  process.stderr.write(`keyless: what failed, run by run:\n${lines.map((line) => `  ${line}`).join('\n')}\n`)
}

function firstLine(text) {
  // Without the terminal's colour codes, at most one line of 300 characters.
  const plain = String(text ?? 'no message')
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, '')
    .trim()
  const line = plain.split('\n', 1)[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
