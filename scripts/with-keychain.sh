#!/usr/bin/env bash
# Runs a command with a reachable Secret Service: the caller's own when one answers on the session bus,
# otherwise a private D-Bus session with an unlocked gnome-keyring whose files live in a temp dir.
set -euo pipefail
secret_service_up() {
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || return 1
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}
if [ -n "${KEYLESS_INSIDE_KEYCHAIN:-}" ] || secret_service_up; then
  exec "$@"
fi
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
export KEYLESS_INSIDE_KEYCHAIN=1 KEYLESS_KEYRING_HOME="$keyring_home"
# The keyring daemon keeps its files under XDG_DATA_HOME; a temp one keeps test keyrings off the machine.
dbus-run-session --dbus-daemon="$(cd "$(dirname "$0")" && pwd)/quiet-dbus-daemon.sh" -- sh -c '
  XDG_DATA_HOME="$KEYLESS_KEYRING_HOME" XDG_RUNTIME_DIR="$KEYLESS_KEYRING_HOME"
  export XDG_DATA_HOME XDG_RUNTIME_DIR
  # A keyring daemon this bus starts on demand (if the one below ever goes) gets the same temp directories, not the
  # real home.
  dbus-update-activation-environment XDG_DATA_HOME XDG_RUNTIME_DIR 2>/dev/null || true
  printf pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # The daemon claims org.freedesktop.secrets a moment after it returns: wait (at most 5 s) so the first
  # keychain call of the command never races it.
  for _ in $(seq 50); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
    sleep 0.1
  done
  exec "$@"' keyless-keychain "$@"
