// ESLint flat config: typescript-eslint's recommended rules, tuned to what the code already does on purpose.
// Formatting is Prettier's (.prettierrc.json); `npm run lint` runs both and the type checks.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const node = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'performance',
    'fetch',
    'AbortController',
    'TextEncoder',
    'TextDecoder',
  ].map((name) => [name, 'readonly']),
)

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'coverage/', 'tmp/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Some files keep an eslint-disable comment for a rule switched off here; that is not an error.
    linterOptions: {reportUnusedDisableDirectives: 'off'},
    languageOptions: {globals: node},
    rules: {
      // keyless strips and matches terminal control characters on purpose (sanitising server strings).
      'no-control-regex': 'off',
      // `const {secret: _, ...rest} = x` drops a field; `_name` marks a parameter an interface requires.
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true}],
      // Initialising before a try/catch that may return keeps the type obvious.
      'no-useless-assignment': 'off',
      // Errors are rewritten into one user line with its fix; the cause is never shown.
      'preserve-caught-error': 'off',
    },
  },
  {
    // Benchmarks and tests read JSON whose shape they assert themselves.
    files: ['bench/**', 'test/**'],
    rules: {'@typescript-eslint/no-explicit-any': 'off'},
  },
  {
    // bin/ is CommonJS on purpose (the fastest start; see bin/run.js); so is the Windows suite's driver (node.exe runs it as is).
    files: ['bin/**/*.js', 'test/windows/*.cjs'],
    languageOptions: {sourceType: 'commonjs', globals: {...node, require: 'readonly', __dirname: 'readonly'}},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
)
