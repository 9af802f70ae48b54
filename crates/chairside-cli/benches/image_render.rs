//! `chairside image render` beside DCMTK on the 3000 x 1500 16-bit panoramic of the shared
//! corpus, in four encodings made from it with DCMTK: native, RLE, JPEG lossless (process 14,
//! SV1) and JPEG-LS (the corpus file itself). Both sides run as processes, write a PNG with the
//! file's window, and are timed over the same number of runs (best and median printed).
//! DCMTK's decoder for each: dcm2pnm (native, RLE), dcmj2pnm (JPEG), dcml2pnm (JPEG-LS).
//!
//! Run: `cargo bench -p chairside-cli --bench image_render` (CHAIRSIDE_BENCH_RUNS, default 7).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn run(program: &str, args: &[&std::ffi::OsStr]) {
    let output = Command::new(program).args(args).output().expect(program);
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn timed(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm the page cache and the dynamic loader
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2])
}

fn ms(d: Duration) -> String {
    format!("{:7.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runs: usize = std::env::var("CHAIRSIDE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dicom");
    let jpegls = corpus.join("synthetic/panoramic_px_jpegls.dcm");
    let tmp = tempfile::tempdir().unwrap();
    let path = |name: &str| -> PathBuf { tmp.path().join(name) };
    let os = |p: &Path| p.as_os_str().to_owned();

    // The same image in each encoding, made by DCMTK.
    run("dcmdjpls", &[&os(&jpegls), &os(&path("native.dcm"))]);
    run(
        "dcmcrle",
        &[&os(&path("native.dcm")), &os(&path("rle.dcm"))],
    );
    run(
        "dcmcjpeg",
        &[
            "+e1".as_ref(),
            &os(&path("native.dcm")),
            &os(&path("jpeg_lossless.dcm")),
        ],
    );
    let cases: [(&str, PathBuf, &str); 4] = [
        ("native", path("native.dcm"), "dcm2pnm"),
        ("RLE", path("rle.dcm"), "dcm2pnm"),
        ("JPEG lossless", path("jpeg_lossless.dcm"), "dcmj2pnm"),
        ("JPEG-LS", jpegls.clone(), "dcml2pnm"),
    ];
    let chairside = env!("CARGO_BIN_EXE_chairside");
    println!(
        "image render, 3000 x 1500 16-bit panoramic, PNG with the file's window, {runs} runs (best / median)"
    );
    println!(
        "{:<15} {:>23}   {:>23}   ratio",
        "encoding", "chairside", "DCMTK"
    );
    for (name, file, dcmtk_tool) in cases {
        let ours_png = path(&format!("ours-{name}.png"));
        let theirs_png = path(&format!("dcmtk-{name}.png"));
        let ours = timed(runs, || {
            run(
                chairside,
                &[
                    "image".as_ref(),
                    "render".as_ref(),
                    &os(&file),
                    "--out".as_ref(),
                    &os(&ours_png),
                ],
            )
        });
        let theirs = timed(runs, || {
            run(
                dcmtk_tool,
                &[
                    "+Wi".as_ref(),
                    "1".as_ref(),
                    "--write-png".as_ref(),
                    &os(&file),
                    &os(&theirs_png),
                ],
            )
        });
        println!(
            "{name:<15} {} / {}   {} / {}   {:.2}x {}",
            ms(ours.0),
            ms(ours.1),
            ms(theirs.0),
            ms(theirs.1),
            ours.1.as_secs_f64() / theirs.1.as_secs_f64(),
            if ours.1 < theirs.1 {
                "(ours faster)"
            } else {
                "(DCMTK faster)"
            }
        );
    }
}
