#!/bin/sh
# dbus-daemon for scripts/with-keychain.sh, minus its stderr: as a non-privileged session bus it warns that it
# cannot raise its fd limit, which is harmless and would clutter every test run.
exec dbus-daemon "$@" 2>/dev/null
