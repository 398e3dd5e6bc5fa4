#!/usr/bin/env -S node --import tsx
// Runs keyless from source (src/*.ts) without a build: `node --import tsx bin/dev.js <command>`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute} = await import('@oclif/core')
await execute({development: true, dir: import.meta.url})
