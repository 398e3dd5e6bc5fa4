import {configDefaults, defineConfig} from 'vitest/config'

// `*.alone.test.ts` files load the whole machine (a herd of 200 processes): run beside another file they would make
// its timeouts fire. scripts/test.sh runs them on their own afterwards, with KEYLESS_TEST_ALONE=1.
const alone = 'test/**/*.alone.test.ts'
const aloneRun = Boolean(process.env.KEYLESS_TEST_ALONE)
// test/windows runs the CLI on a Windows node.exe under Wine: scripts/test.sh runs it on its own, with KEYLESS_TEST_WINE=1.
const wine = 'test/windows/**/*.test.ts'
const wineRun = Boolean(process.env.KEYLESS_TEST_WINE)

export default defineConfig({
  test: {
    include: wineRun ? [wine] : aloneRun ? [alone] : ['test/**/*.test.ts'],
    exclude: wineRun || aloneRun ? configDefaults.exclude : [...configDefaults.exclude, alone, wine],
    // The suites spawn the real CLI, a real keychain and the emulator: processes, not threads.
    pool: 'forks',
    // Most files spend their time waiting on child processes, the emulator and polling intervals, not on a core:
    // two files at once (vitest's default here would be cores - 1 = one at a time on a 2-core CI machine).
    maxWorkers: Number(process.env.KEYLESS_TEST_WORKERS) || 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // @oclif/test captures nothing while vitest intercepts the console.
    disableConsoleIntercept: true,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      OCLIF_DISABLE_ENGINE_WARNING: '1',
    },
  },
})
