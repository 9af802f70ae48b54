#!/usr/bin/env bash
# Runs the cargo-fuzz target on the import path (fuzz/fuzz_targets/import_path.rs) for SECONDS
# (default 600), seeded with the shared DICOM corpus; the corpus it grows is kept in fuzz/corpus.
# A crash or an out-of-memory leaves its input in fuzz/artifacts/import_path/: copy it into
# fuzz/regressions/ once fixed, where tests/fuzz_regressions.rs replays it on every test run.
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, sanitizer coverage) to rustc. Only a
# stable toolchain can be installed on our machines, so RUSTC_BOOTSTRAP=1 lets the stable
# compiler accept them: the same compiler, with its unstable flags unlocked, and the AddressSanitizer
# runtime that ships with the stable standard library.
set -euo pipefail
seconds="${1:-600}"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus_dir="$root/../shared/corpus/dicom"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version '^0.13' --locked --quiet

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
# Small files of every encoding (the fuzzer keeps inputs under 64 KiB).
find "$corpus_dir" -type f -size -64k ! -name 'README*' -exec cp {} "$seeds"/ \; 2>/dev/null || true
mkdir -p "$root/fuzz/corpus/import_path"

cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1
# -rss_limit_mb: the whole process, sanitizer included; a decode that needs more is a finding.
cargo fuzz run import_path -O "$root/fuzz/corpus/import_path" "$seeds" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
