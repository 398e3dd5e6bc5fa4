import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from './cli.js'

/** Debian's python3-botocore (the AWS CLI's parser), the oracle of the config tolerance tests. */
export const DEBIAN_PYTHON = '/usr/bin/python3'
export const hasBotocore = existsSync('/usr/lib/python3/dist-packages/botocore/configloader.py') && existsSync(DEBIAN_PYTHON)

export type BotocoreParse =
  | {ok: true; raw: Record<string, Record<string, unknown>>; profiles: Record<string, Record<string, unknown>>}
  | {ok: false; line: number | null; error: string}

/** botocore's reading of each config text, in one Python process for the whole batch. */
export function botocoreParse(texts: string[]): BotocoreParse[] {
  const out = execFileSync(DEBIAN_PYTHON, [join(ROOT, 'test', 'helpers', 'botocore_oracle.py')], {
    input: JSON.stringify(texts),
    maxBuffer: 256 * 1024 * 1024,
  })
  return JSON.parse(out.toString()) as BotocoreParse[]
}
