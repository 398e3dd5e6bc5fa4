#!/usr/bin/env bash
# npm test: self-sufficient on a fresh clone. Installs what is missing (Debian packages when root, npm
# packages), builds, starts its own D-Bus session and unlocked gnome-keyring when no Secret Service is
# reachable, then runs the whole suite (extra arguments go to vitest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run build --silent
exec bash scripts/with-keychain.sh npx vitest run "$@"
