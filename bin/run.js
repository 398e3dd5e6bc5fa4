#!/usr/bin/env node
// credential-process runs before every AWS CLI/SDK call, so it skips oclif entirely:
// no command discovery, no manifest, no help plugin. Everything else goes through oclif.
if (process.argv[2] === 'credential-process' && !process.argv.includes('--help') && !process.argv.includes('-h')) {
  const {main} = await import('../dist/credential-process/main.js')
  await main(process.argv.slice(3))
} else if (process.argv[2] === 'whoami' && !process.argv.includes('--help') && !process.argv.includes('-h')) {
  // `keyless whoami --strict && terraform apply`: oclif's start-up would be most of its run time.
  const {main} = await import('../dist/identity/main.js')
  await main(process.argv.slice(3))
} else {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
