//! `chairside image render` on damaged files, as a process: whatever the bytes, the command ends
//! with a PNG (exit 0) or a one-line refusal (exit 1), never a crash, and the decode runs in a
//! worker whose memory is limited, so a file whose codec headers claim gigabytes is refused with
//! "needs more than ... of memory" instead of taking the PC's memory. Real corpus files are
//! mutated (bytes flipped, 32-bit values written over lengths and dimensions, cut short) with a
//! seeded generator; `CHAIRSIDE_FUZZ_CASES` (default 60) sets how many.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const SEEDS: &[&str] = &[
    "real/MR_small_RLE.dcm",
    "real/SC_rgb_rle.dcm",
    "real/MR_small_bigendian.dcm",
    "real/MR_small_jpeg_ls_lossless.dcm",
    "real/SC_rgb_jpeg_dcmtk.dcm",
    "real/CT_small.dcm",
];

#[test]
fn damaged_files_end_in_a_png_or_a_one_line_refusal_never_a_crash() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dicom");
    let chairside = chairside_scenarios::workspace_binary("chairside");
    let cases: usize = std::env::var("CHAIRSIDE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let tmp = tempfile::tempdir().unwrap();
    let (mut rendered, mut refused, mut over_memory) = (0, 0, 0);
    let started = Instant::now();
    for case in 0..cases {
        let mut bytes = std::fs::read(corpus.join(SEEDS[case % SEEDS.len()])).unwrap();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % bytes.len().saturating_sub(4).max(1);
            match next() % 3 {
                0 => bytes[at] = next() as u8,
                1 => {
                    let value = [0u32, 0xFFFF, 0xFFFF_FFFF, 0x7FFF_FFFF, next() as u32]
                        [(next() % 5) as usize];
                    let end = (at + 4).min(bytes.len());
                    bytes[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
                }
                _ => bytes.truncate(at.max(1)),
            }
        }
        let file = tmp.path().join(format!("case{case}.dcm"));
        let png = tmp.path().join(format!("case{case}.png"));
        std::fs::write(&file, &bytes).unwrap();
        let out = Command::new(&chairside)
            .args(["image", "render"])
            .arg(&file)
            .arg("--out")
            .arg(&png)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {
                assert!(png.exists(), "case {case}: exit 0 without a PNG");
                rendered += 1;
            }
            Some(1) => {
                assert_eq!(
                    stderr.trim_end().lines().count(),
                    1,
                    "case {case}: {stderr}"
                );
                assert!(!png.exists(), "case {case}: a PNG despite the refusal");
                refused += 1;
                if stderr.contains("of memory allowed") {
                    over_memory += 1;
                }
            }
            other => {
                panic!("case {case} (seed {seed}): the command ended with {other:?}: {stderr}")
            }
        }
    }
    println!(
        "{cases} damaged files in {:.1} s: {rendered} rendered, {refused} refused ({over_memory} over the decoder's memory limit)",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_decode_that_needs_more_memory_than_allowed_is_refused_not_run() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dicom");
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("pano.png");
    let render = |mib: &str| {
        Command::new(chairside_scenarios::workspace_binary("chairside"))
            .args(["image", "render"])
            .arg(corpus.join("synthetic/panoramic_px_jpegls.dcm"))
            .arg("--out")
            .arg(&png)
            .env("CHAIRSIDE_DECODE_MEMORY_MIB", mib)
            .output()
            .unwrap()
    };
    // The 3000 x 1500 panoramic cannot be decoded in 16 MiB of address space: refused.
    let starved = render("16");
    let stderr = String::from_utf8_lossy(&starved.stderr);
    assert_eq!(starved.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("of memory allowed"), "{stderr}");
    assert!(!png.exists());
    // With the default allowance it renders.
    assert!(render("768").status.success());
    assert!(png.exists());
}
