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
  // keychain.ts finds keytar with createRequire(import.meta.url); createRequire takes this file's path as well,
  // which spares the hot path node:url.
  define: {'import.meta.url': '__filename'},
  // Minified (issue 22): every AWS call compiles this file, and V8 pre-parses all of it, called or not; half the
  // bytes took some 7 M instructions (~1.3 ms) and a dozen page faults off each call. Names are kept where they
  // matter (every error class sets its own name).
  minify: true,
  logLevel: 'warning',
})
