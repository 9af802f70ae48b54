#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, the UI's checks and tests, every Rust test
# including the crash test and the app driven in real WebKit under Xvfb. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup-system.sh --test

step() { printf '\n== %s\n' "$*"; }

step "UI: type check and unit tests"
(cd ui && npm run --silent check && npm run --silent test)

step "Rust: formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust: build (the scenarios run the built binaries)"
cargo build --workspace --locked

step "Rust: tests"
# The desktop app runs its own Xvfb; a D-Bus session is not required (the keyring falls back
# to a passphrase, which is what a headless clinic server does).
cargo test --workspace --locked
