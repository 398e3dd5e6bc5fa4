#!/usr/bin/env bash
# npm run demo: works on a fresh clone. Installs what is missing, builds, and walks the keyless journey
# against the local Identity Center emulator with a real keychain (its own D-Bus + gnome-keyring if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run build --silent >/dev/null
exec bash scripts/with-keychain.sh node --import tsx scripts/demo.ts
