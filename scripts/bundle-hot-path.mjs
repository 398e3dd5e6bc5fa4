// Bundles credential-process's cached path (src/credential-process/main.ts and the few modules it needs) into
// one CommonJS file, dist/credential-process/hot.cjs, which bin/run.js require()s: no ESM loader, one file to
// read. What a cache miss needs (fresh.js, the AWS SDK, locks) and the debug module stay outside the bundle and
// load lazily from dist/ as ESM.
import {build} from 'esbuild'

/**
 * node:os is not loaded at Node.js start-up (fs and path are), and loading it costs a cache hit ~15 page faults and
 * up to a millisecond: the bundle's uses of it (homedir() when $HOME is unset, hostname() when a lock's holder is
 * checked) load it when first called. An import of anything else from node:os fails the build here, on purpose.
 */
const lazyNodeOs = {
  name: 'lazy-node-os',
  setup(b) {
    b.onResolve({filter: /^node:os$/}, (args) =>
      args.namespace === 'lazy-node-os' ? {path: 'node:os', external: true} : {path: 'node:os', namespace: 'lazy-node-os'},
    )
    b.onLoad({filter: /.*/, namespace: 'lazy-node-os'}, () => ({
      contents: [
        'let os',
        "const load = () => (os ??= require('node:os'))",
        'export const homedir = () => load().homedir()',
        'export const hostname = () => load().hostname()',
      ].join('\n'),
      loader: 'js',
    }))
  },
}

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
  // bytes took ~4 M instructions (under valgrind; about 1 ms) and a dozen page faults off each call. The names that
  // matter stay (every error class sets its own); a --debug stack of this path names minified functions.
  minify: true,
  plugins: [lazyNodeOs],
  logLevel: 'warning',
})
