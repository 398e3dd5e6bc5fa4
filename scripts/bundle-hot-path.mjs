// Bundles credential-process's cached path (src/credential-process/main.ts and the few modules it needs) into
// one CommonJS file, dist/credential-process/hot.cjs, which bin/run.js require()s: no ESM loader, one file to
// read. What a cache miss needs (fresh.js, the AWS SDK, locks) and the debug module stay outside the bundle and
// load lazily from dist/ as ESM. The config parser, which the cache hit needs only for a session section of shapes
// plainSsoSession declines, is a second CommonJS file, dist/credential-process/hot-parse.cjs, required on that call.
import {dirname, join} from 'node:path'

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

/**
 * The ES modules find CommonJS ones (keytar, node:util, node:child_process) with createRequire(import.meta.url). In
 * a CommonJS bundle the file's own require does the same (it resolves from the bundle's path, which
 * createRequire(__filename) would take too), and loading node:module costs a cache hit four internal modules a bare
 * keytar read never compiles (node:module, the ESM loader, its import assertions, source maps: ~0.7 ms of CPU).
 * Any other import from node:module fails the build here, on purpose.
 */
const ownRequire = {
  name: 'own-require',
  setup(b) {
    b.onResolve({filter: /^node:module$/}, () => ({path: 'node:module', namespace: 'own-require'}))
    b.onLoad({filter: /.*/, namespace: 'own-require'}, () => ({
      contents: 'export const createRequire = () => require',
      loader: 'js',
    }))
  },
}

/**
 * In hot.cjs, parse-section.js is a stub that requires hot-parse.cjs on its first call (issue 22): the parser is a
 * quarter of the bundle, and V8 pre-parses every byte of a file it loads, called or not. parseSsoSession returns
 * plain data and throws nothing, so no class crosses between the two files (a class bundled in both would be two
 * classes to `instanceof`).
 */
const lazySectionParse = {
  name: 'lazy-section-parse',
  setup(b) {
    b.onResolve({filter: /^\.\/parse-section\.js$/}, () => ({path: 'parse-section', namespace: 'lazy-section-parse'}))
    b.onLoad({filter: /.*/, namespace: 'lazy-section-parse'}, () => ({
      contents: [
        'let parser',
        "export const parseSsoSession = (text, name) => (parser ??= require('./hot-parse.cjs')).parseSsoSession(text, name)",
      ].join('\n'),
      loader: 'js',
    }))
  },
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // keychain.ts finds keytar with createRequire(import.meta.url); createRequire takes this file's path as well,
  // which spares the hot path node:url.
  define: {'import.meta.url': '__filename'},
  // Minified (issue 22): every AWS call compiles this file, and V8 pre-parses all of it, called or not; half the
  // bytes took ~4 M instructions (under valgrind; about 1 ms) and a dozen page faults off each call. The names that
  // matter stay (every error class sets its own); a --debug stack of this path names minified functions.
  minify: true,
  logLevel: 'warning',
  metafile: true,
}

const hot = await build({
  ...common,
  entryPoints: ['src/credential-process/main.ts'],
  outfile: 'dist/credential-process/hot.cjs',
  external: ['keytar', './fresh.js', '../ui/debug.js', './hot-parse.cjs'],
  plugins: [lazySectionParse, lazyNodeOs, ownRequire],
})
await build({
  ...common,
  entryPoints: ['src/credential-process/parse-section.ts'],
  outfile: 'dist/credential-process/hot-parse.cjs',
  plugins: [lazyNodeOs, ownRequire],
})

/**
 * In hit.cjs, the full command (main.js) is hot.cjs, required when the cache hit hands over: a stub module whose main
 * requires it. Left an external `import('./hot.cjs')`, it went through the ESM loader, which reads a CommonJS file's
 * exports with cjs-module-lexer: 33 KB lexed by its JavaScript lexer, hot enough that V8 compiled the lexer on a
 * helper thread, and a process exits only once such a compile has ended. Every handover (the kernel-keyring store's
 * cache hit, a miss) paid 40-60 ms for it.
 */
const fullCommand = {
  name: 'full-command',
  setup(b) {
    b.onResolve({filter: /^\.\/main\.js$/}, () => ({path: 'main', namespace: 'full-command'}))
    b.onLoad({filter: /.*/, namespace: 'full-command'}, () => ({
      contents: "export const main = (argv, handover) => require('./hot.cjs').main(argv, handover)",
      loader: 'js',
    }))
  },
}

/**
 * In hit.cjs, the plain-file keytar stand-in of keyless's Windows suite (test-file-keytar.ts) is a third file,
 * test-keytar.cjs, required only when its test variable is set: with the error class it throws, 2.3 KB that every
 * other cache hit would compile for nothing. Its variable's name still comes from the module itself.
 */
const lazyTestKeytar = {
  name: 'lazy-test-keytar',
  setup(b) {
    b.onResolve({filter: /\/test-file-keytar\.js$/}, (args) =>
      args.namespace === 'lazy-test-keytar'
        ? undefined
        : {path: join(args.resolveDir, args.path.replace(/\.js$/, '.ts')), namespace: 'lazy-test-keytar'},
    )
    b.onLoad({filter: /.*/, namespace: 'lazy-test-keytar'}, (args) => ({
      contents: [
        `export {TEST_KEYTAR_FILE_VAR} from ${JSON.stringify(args.path.replace(/\.ts$/, '.js'))}`,
        "export const testFileKeytar = (env, service) => require('./test-keytar.cjs').testFileKeytar(env, service)",
      ].join('\n'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }))
  },
}
await build({
  ...common,
  entryPoints: ['src/keychain/test-file-keytar.ts'],
  outfile: 'dist/credential-process/test-keytar.cjs',
  plugins: [lazyNodeOs, ownRequire],
})

// The cache hit alone (cache-hit.ts), the file bin/run.js loads first.
const hit = await build({
  ...common,
  entryPoints: ['src/credential-process/cache-hit.ts'],
  outfile: 'dist/credential-process/hit.cjs',
  external: ['keytar', './hot.cjs', './test-keytar.cjs'],
  plugins: [fullCommand, lazyTestKeytar, lazyNodeOs, ownRequire],
})
// The full command's modules stay out of it (an import of one of their constants may leave a few bytes of top level).
const inHit = Object.assign({}, ...Object.values(hit.metafile.outputs).map((o) => o.inputs))
for (const heavy of [
  'src/credential-process/main.ts',
  'src/keychain/keychain.ts',
  'src/keychain/kernel-keyring.ts',
  'src/aws-config/ini-scan.ts',
]) {
  if ((inHit[heavy]?.bytesInOutput ?? 0) > 256) {
    throw new Error(`bundle-hot-path: ${heavy} is in hit.cjs, the cache hit's own file; it belongs to hot.cjs`)
  }
}

// The cache hit's file must not carry the parser: an import of it from anywhere else in the cached path fails here.
const inHot = Object.values(hot.metafile.outputs).flatMap((o) => Object.keys(o.inputs))
if (inHot.includes('src/aws-config/ini-scan.ts')) {
  throw new Error('bundle-hot-path: the config parser (src/aws-config/ini-scan.ts) is in hot.cjs; reach it through parse-section.js')
}
