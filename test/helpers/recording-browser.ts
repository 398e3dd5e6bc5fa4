/**
 * A $BROWSER for tests that records, one per line, the URL keyless meant to open: it follows keyless's browser
 * hand-off (a page only this user can read, with a one-time loopback link) as a browser would.
 */
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeFile} from './files.js'

const FOLLOW = join(dirname(fileURLToPath(import.meta.url)), 'follow-handoff.mjs')

/** Writes the script at `script`; it appends each URL to `record`, then runs `after` (shell, optional). */
export function writeRecordingBrowser(script: string, record: string, after = ''): string {
  writeFile(script, `#!/bin/sh\nprintf '%s\\n' "$("${process.execPath}" "${FOLLOW}" "$1")" >> '${record}'\n${after}`, 0o700)
  return script
}
