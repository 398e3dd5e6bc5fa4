#!/usr/bin/env bash
# npm test: self-sufficient on a fresh clone. Installs what is missing (Debian packages when root, npm
# packages, Node.js 24 into a cache directory), builds, lints, starts its own D-Bus session and unlocked
# gnome-keyring when no Secret Service is reachable, then runs the whole suite on this machine's Node.js
# (the default, 20), then the Windows suite under Wine, and the e2e, interop and reliability suites again on
# Node.js 24.
# Extra arguments go to vitest and select the tests of the Node.js 20 run; the Node.js 24 run then runs only
# with KEYLESS_TEST_NODE24=1 (same arguments). KEYLESS_TEST_NODE24=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run build --silent
npm run lint --silent
node24=""
if [ "${KEYLESS_TEST_NODE24:-$([ $# -eq 0 ] && echo 1 || echo 0)}" = 1 ]; then
  node24=$(bash scripts/ensure-node.sh 24)
fi
status=0
# Each run also writes a JSON report, from which scripts/failed-tests.mjs names, at the very end, the failed tests and
# those that passed only when run again: a failed test runs once more (--retry=1), so that one that fails now and then
# (a loaded machine's timing) does not fail the whole suite unseen, nor hide.
reports=$(mktemp -d)
runs=()
report() { echo --retry=1 --reporter=default --reporter=json "--outputFile.json=$reports/$1.json"; }
echo "keyless: tests on Node.js $(node --version)" >&2
runs+=(node20)
bash scripts/with-keychain.sh npx vitest run "$@" $(report node20) || status=$?
# The tests that load the whole machine (*.alone.test.ts, vitest.config.ts) run by themselves, after the rest.
if [ $# -eq 0 ]; then
  echo "keyless: the tests that need the machine to themselves, on Node.js $(node --version)" >&2
  runs+=(node20-alone)
  KEYLESS_TEST_ALONE=1 bash scripts/with-keychain.sh npx vitest run $(report node20-alone) || status=$?
  # The built CLI on a real Windows node.exe under Wine (test/windows): fetches node.exe into a cache once, boots a
  # private Wine prefix, and needs no keychain (keytar's Windows binary cannot be installed here; see the README).
  echo "keyless: the Windows suite under Wine" >&2
  runs+=(wine)
  KEYLESS_TEST_WINE=1 npx vitest run $(report wine) || status=$?
fi
if [ -n "$node24" ]; then
  echo "keyless: e2e, interop and reliability tests on Node.js $("$node24" --version)" >&2
  # Node 24 first on the PATH too, so a `node` any test or tool starts is the same one.
  [ $# -gt 0 ] || set -- test/e2e test/interop test/reliability
  runs+=(node24)
  PATH="$(dirname "$node24"):$PATH" bash scripts/with-keychain.sh "$node24" node_modules/vitest/vitest.mjs run "$@" $(report node24) || status=$?
  if [ "$*" = "test/e2e test/interop test/reliability" ]; then
    runs+=(node24-alone)
    KEYLESS_TEST_ALONE=1 PATH="$(dirname "$node24"):$PATH" bash scripts/with-keychain.sh "$node24" node_modules/vitest/vitest.mjs run $(report node24-alone) || status=$?
  fi
fi
node scripts/failed-tests.mjs "$reports" "${runs[@]}"
rm -rf "$reports"
exit $status
