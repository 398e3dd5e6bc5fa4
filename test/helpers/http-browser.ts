/**
 * The test browser of http-browser.mjs, as $BROWSER for a keyless under test: it follows the authorize URL with
 * plain HTTP (the emulator's approval page, the redirect to keyless's loopback callback) and logs what it saw.
 */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeFile} from './files.js'

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'http-browser.mjs')

export interface BrowserOptions {
  action?: 'allow' | 'deny' | 'none'
  forge?: boolean
  bogusCode?: boolean
  probe?: boolean
}

/** Writes `<dir>/http-browser.sh` and returns the environment that makes keyless open it (BROWSER, DISPLAY). */
export function httpBrowserEnv(dir: string, log: string, options: BrowserOptions = {}): Record<string, string> {
  const browser = join(dir, 'http-browser.sh')
  writeFile(browser, `#!/bin/sh\nexec "${process.execPath}" "${SCRIPT}" "$1"\n`, 0o700)
  return {
    BROWSER: browser,
    DISPLAY: ':99',
    HTTP_BROWSER_LOG: log,
    HTTP_BROWSER_ACTION: options.action ?? 'allow',
    HTTP_BROWSER_FORGE: options.forge ? '1' : '',
    HTTP_BROWSER_BOGUS: options.bogusCode ? '1' : '',
    HTTP_BROWSER_PROBE: options.probe ? '1' : '',
  }
}

export interface BrowserEvent {
  event: string
  [key: string]: unknown
}

/** The events the test browser logged, in order. */
export function browserEvents(log: string): BrowserEvent[] {
  if (!existsSync(log)) return []
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BrowserEvent)
}
