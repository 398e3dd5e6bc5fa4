#!/usr/bin/env node
'use strict'
// CommonJS on purpose (bin/package.json): the fastest start Node.js has. credential-process runs before every
// AWS CLI/SDK call, so it skips oclif and the ESM loader: a prebuilt CommonJS bundle of its cache hit
// (dist/credential-process/hit.cjs, which hands anything else to the full command's, hot.cjs; see
// scripts/bundle-hot-path.mjs). whoami skips oclif too (it guards every
// terraform apply), and neither does exec (it wraps commands). Everything else, and --help for these, goes through oclif.
const argv = process.argv
const fastPath = (command) => argv[2] === command && !argv.includes('--help') && !argv.includes('-h')

if (fastPath('credential-process')) {
  require('../dist/credential-process/hit.cjs').main(argv.slice(3))
} else if (
  argv[2] === 'exec' &&
  !argv.slice(3, argv.includes('--') ? argv.indexOf('--') : undefined).some((a) => a === '--help' || a === '-h')
) {
  // exec too: a warm `keyless exec -- cmd` should cost little more than credential-process. Help (before --) goes to oclif.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  import('../dist/exec/main.js').then(({main}) => main(argv.slice(3)))
} else if (fastPath('whoami')) {
  import('../dist/identity/main.js').then(({main}) => main(argv.slice(3)))
} else {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
  // The project root, not this folder: bin/package.json only makes these files CommonJS.
  import('@oclif/core').then(({execute}) => execute({dir: require('node:path').join(__dirname, '..')}))
}
