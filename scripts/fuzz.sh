#!/usr/bin/env bash
# Runs one cargo-fuzz target for SECONDS (default 600):
#   import_path (default)  a file a user drops on the Imagerie tab (fuzz/fuzz_targets/import_path.rs),
#                          seeded with the shared DICOM corpus;
#   sync_record            a change set another PC of the clinic sealed, opened and merged,
#                          seeded with fuzz/seeds/sync_record (written by its seed writer);
#   relay_request          a request reaching the relay, seeded with fuzz/seeds/relay_request.
# The corpus it grows is kept in fuzz/corpus/TARGET. A crash or an out-of-memory leaves its input
# in fuzz/artifacts/TARGET/: copy it into fuzz/regressions/ (DICOM) once fixed, where
# tests/fuzz_regressions.rs replays it on every test run, or turn it into a test beside the code.
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, sanitizer coverage) to rustc. Only a
# stable toolchain can be installed on our machines, so RUSTC_BOOTSTRAP=1 lets the stable
# compiler accept them: the same compiler, with its unstable flags unlocked, and the AddressSanitizer
# runtime that ships with the stable standard library.
set -euo pipefail
seconds="${1:-600}"
target="${2:-import_path}"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version '^0.13' --locked --quiet

seeds=$(mktemp -d)
# The targets' scratch stores (sync_record copies a store per input: RAM when there is some).
scratch=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
trap 'rm -rf "$seeds" "$scratch"' EXIT
case "$target" in
  import_path)
    # Small files of every encoding (the fuzzer keeps inputs under 64 KiB).
    find "$root/../shared/corpus/dicom" -type f -size -64k ! -name 'README*' \
      -exec cp {} "$seeds"/ \; 2>/dev/null || true
    ;;
  sync_record | relay_request)
    cp "$root/fuzz/seeds/$target"/* "$seeds"/
    ;;
  *)
    echo "unknown fuzz target $target: import_path, sync_record or relay_request" >&2
    exit 2
    ;;
esac
mkdir -p "$root/fuzz/corpus/$target"

cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1 TMPDIR="$scratch"
# -rss_limit_mb: the whole process, sanitizer included; a parse that needs more is a finding.
cargo fuzz run "$target" -O "$root/fuzz/corpus/$target" "$seeds" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
