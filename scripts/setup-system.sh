#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and run Chairside: the system
# libraries of Tauri and SQLCipher and, with --test, what the tests need (Xvfb, WebKitWebDriver,
# D-Bus and a Secret Service for the keyring, tauri-driver). Idempotent: it only installs what is
# missing, with sudo when not root. Sourced or run by scripts/run.sh and scripts/test.sh.
set -euo pipefail

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

# cmake: builds CharLS (JPEG-LS) from source for dicom-rs, and libjpeg-turbo for chairside-jpeg;
# nasm: assembles libjpeg-turbo's SIMD code.
packages=(build-essential pkg-config cmake nasm libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev
          libayatana-appindicator3-dev librsvg2-dev libxdo-dev)
if [ "$want_tests" = 1 ]; then
  # postgresql: a real server for the relay's PostgreSQL backend tests (started per test run in a
  # temporary cluster, not as a system service). dcmtk: the reference DICOM renderer that the
  # imaging tests and benchmark compare against.
  packages+=(xvfb webkit2gtk-driver dbus dbus-x11 gnome-keyring postgresql dcmtk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then sudo_cmd=(); elif command -v sudo >/dev/null; then sudo_cmd=(sudo); else
    echo "setup: missing system packages (${missing[*]}) and no root or sudo to install them" >&2
    exit 1
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for tool in cargo node npm; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is required (Rust via rustup, Node 20 with npm)" >&2; exit 1; }
done

if [ "$want_tests" = 1 ] && ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

# The UI's npm packages and build (the desktop binary embeds ui/dist).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ ! -d "$root/ui/node_modules" ] || [ "$root/ui/package-lock.json" -nt "$root/ui/node_modules/.package-lock.json" ]; then
  # `npm install`, not `npm ci`: npm 11 writes lock files without the other platforms' optional
  # rollup/esbuild binaries, and `npm ci` then refuses the lock as out of sync. The versions
  # installed are still the locked ones.
  (cd "$root/ui" && npm install --no-audit --no-fund --loglevel=error)
fi
(cd "$root/ui" && npm run --silent build >/dev/null)
