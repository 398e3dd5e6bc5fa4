/**
 * bin/run.js's entry for `keyless credential-process`: the cached path's bundle (hot.cjs) compiled from its V8 code
 * cache (code-cache.ts), in keyless's cache directory. Bundled on its own into dist/credential-process/start.cjs.
 */
import {createRequire} from 'node:module'
import {join} from 'node:path'

import {cacheDir} from '../aws-config/paths.js'
import {requireWithCodeCache} from './code-cache.js'

export function main(argv: string[]): Promise<never> {
  const hot = requireWithCodeCache<typeof import('./main.js')>(
    createRequire(import.meta.url).resolve('./hot.cjs'),
    join(cacheDir(process.env), 'code-cache'),
    // From this file, in hot.cjs's directory: its specifiers resolve as they would from hot.cjs.
    (specifier) => import(specifier),
  )
  return hot.exports.main(argv, hot)
}
