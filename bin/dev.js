#!/usr/bin/env -S node --import tsx
'use strict'
// Runs keyless from source (src/*.ts) without a build: `node --import tsx bin/dev.js <command>`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
import('@oclif/core').then(({execute}) => execute({development: true, dir: require('node:path').join(__dirname, '..')}))
