#!/usr/bin/env bash
# Runs the store benchmark inside a private D-Bus session with an unlocked gnome-keyring, so that
# the unlock time with the OS keyring is measured beside the passphrase's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh --test
# A throwaway keyring folder: the daemon creates a new login keyring there with this password.
export XDG_DATA_HOME="$(mktemp -d)"
exec dbus-run-session -- bash -c '
  printf "%s" "benchmark keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo bench -p chairside-store --bench store 2>&1 | grep -v "^ *\(Compiling\|Finished\|Running\)"
'
