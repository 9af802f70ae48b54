#!/usr/bin/env bash
# Runs the Chairside desktop app, installing what is missing first. Data lives in the platform's
# data directory (~/.local/share/chairside), or in CHAIRSIDE_DATA_DIR when set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
exec cargo run -p chairside-desktop "$@"
