#!/usr/bin/env bash
# Installs what keyless's build, tests and demo need and a fresh machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
debs=(libsecret-1-dev gnome-keyring dbus awscli python3-boto3 python3-dbus fish zsh chromium keyutils wine wine64 ripgrep)
missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "keyless: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "keyless: missing Debian packages (${missing[*]}); run: sudo apt-get install ${missing[*]}" >&2
  fi
fi
# npm packages: install when absent or older than the lock file. keytar builds from source (allowScripts).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ ! -f node_modules/keytar/build/Release/keytar.node ]; then
  echo "keyless: installing npm packages" >&2
  npm ci --no-fund --no-audit >&2
fi
