// Bundles credential-process's cached path (src/credential-process/main.ts and the few modules it needs) into
// one CommonJS file, dist/credential-process/hot.cjs, which bin/run.js require()s: no ESM loader, one file to
// read. What a cache miss needs (fresh.js, the AWS SDK, locks) and the debug module stay outside the bundle and
// load lazily from dist/ as ESM.
import {build} from 'esbuild'

await build({
  entryPoints: ['src/credential-process/main.ts'],
  outfile: 'dist/credential-process/hot.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['keytar', './fresh.js', '../ui/debug.js'],
  // keychain.ts finds keytar with createRequire(import.meta.url); in CommonJS that is this file's URL.
  banner: {js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
  define: {'import.meta.url': '__importMetaUrl'},
  logLevel: 'warning',
})
