//! Inputs that `cargo fuzz` (see `fuzz/`) once found crashing or exhausting memory, kept in
//! `fuzz/regressions/` and replayed through the same import path as the fuzz target on every
//! test run: each must end in a picture or an error, and the process must stay small.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::Path;

use chairside_imaging::{DicomImage, Limits, sources};

/// The fuzz target's limits (fuzz/fuzz_targets/import_path.rs).
const LIMITS: Limits = Limits {
    max_file_bytes: 16 << 20,
    max_pixel_bytes: 4 << 20,
    max_side: 4_096,
};

/// The peak resident memory of this process so far (Linux), in MiB.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

#[test]
fn inputs_the_fuzzer_found_end_in_an_error_within_bounded_memory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let outcome = sources::describe(&bytes, LIMITS)
            .and_then(|d| sources::frame_pixels(&bytes, 0, LIMITS).map(|_| d))
            .and_then(|d| {
                if d.format == sources::SourceFormat::Dicom {
                    DicomImage::from_bytes(&bytes, LIMITS)?.render(0, None)?;
                }
                Ok(())
            });
        println!("{}: {outcome:?}", path.display());
        let peak = peak_rss_mib();
        assert!(
            peak < 512,
            "{}: the process reached {peak} MiB",
            path.display()
        );
    }
}
