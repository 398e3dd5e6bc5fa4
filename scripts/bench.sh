#!/usr/bin/env bash
# npm run bench: installs what is missing, builds, and prints the benchmark table (bench/run.ts) measured
# against the local emulator with a real keychain.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run build --silent >/dev/null
exec bash scripts/with-keychain.sh node --import tsx bench/run.ts
