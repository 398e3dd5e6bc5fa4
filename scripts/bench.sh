#!/usr/bin/env bash
# npm run bench: installs what is missing, builds, and prints the benchmark table (bench/run.ts) measured
# against the local emulator with a real keychain, the credential-process rows on this Node.js and Node.js 24.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run build --silent >/dev/null
export KEYLESS_BENCH_NODE24="${KEYLESS_BENCH_NODE24:-$(bash scripts/ensure-node.sh 24)}"
exec bash scripts/with-keychain.sh node --import tsx bench/run.ts
