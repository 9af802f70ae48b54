#!/usr/bin/env bash
# Installs what the WebKit end-to-end test (tests/tests/webkit_e2e.rs) needs, on Debian 12 or a
# close relative: Xvfb (a virtual X display), WebKitWebDriver (the WebDriver server for
# WebKitGTK), dbus-run-session, and tauri-driver (the WebDriver proxy that launches Tauri apps).
# Idempotent: only what is missing is installed. Safe to run again.
#
# Usage: scripts/e2e-prereqs.sh
# Then:  cargo build -p chairside-desktop && cargo test -p chairside-scenarios --test webkit_e2e -- --nocapture
set -euo pipefail

TAURI_DRIVER_VERSION="^2"

log() { printf 'e2e-prereqs: %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root to run: $* (and sudo is not installed)" >&2
        exit 1
    fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# Debian packages, each only when the program it provides is missing.
packages=()
have Xvfb || packages+=(xvfb)
{ have WebKitWebDriver || [ -x /usr/bin/WebKitWebDriver ]; } || packages+=(webkit2gtk-driver)
have dbus-run-session || packages+=(dbus)

if [ "${#packages[@]}" -gt 0 ]; then
    if ! have apt-get; then
        log "missing ${packages[*]} and apt-get is not available: install them by hand" >&2
        exit 1
    fi
    log "installing ${packages[*]}"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
else
    log "Xvfb, WebKitWebDriver and dbus-run-session are present"
fi

# tauri-driver, from crates.io, unless it is already on PATH or in ~/.cargo/bin.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if have tauri-driver || [ -x "$cargo_bin/tauri-driver" ]; then
    log "tauri-driver is present"
else
    if ! have cargo; then
        log "cargo is needed to install tauri-driver (https://rustup.rs)" >&2
        exit 1
    fi
    log "installing tauri-driver ${TAURI_DRIVER_VERSION} with cargo install"
    cargo install tauri-driver --version "${TAURI_DRIVER_VERSION}" --locked
fi

log "done"
