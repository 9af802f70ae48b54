//! `chairside image render` beside DCMTK on the 3000 x 1500 16-bit panoramic of the shared
//! corpus, in four encodings made from it with DCMTK: native, RLE, JPEG lossless (process 14,
//! SV1) and JPEG-LS (the corpus file itself). Both sides run as processes, write a PNG with the
//! file's window, and are timed over the same number of runs (best and median printed).
//! DCMTK's decoder for each: dcm2pnm (native, RLE), dcmj2pnm (JPEG), dcml2pnm (JPEG-LS).
//!
//! Then the app's side of opening that image in the viewer, per encoding: `App::image_frame`
//! reads the frame decoded at import from the encrypted store (the frame cache), beside a decode
//! of the file in the decode worker (this `chairside` binary), which is what a PC that has not
//! opened the image yet pays. The webview's part (the
//! IPC transfer, the texture upload and the first draw) is measured by the WebKit test.
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
    let cases: Vec<(&str, PathBuf, &str)> = [
        ("native", path("native.dcm"), "dcm2pnm"),
        ("RLE", path("rle.dcm"), "dcm2pnm"),
        ("JPEG lossless", path("jpeg_lossless.dcm"), "dcmj2pnm"),
        ("JPEG-LS", jpegls.clone(), "dcml2pnm"),
    ]
    .into();
    let chairside = env!("CARGO_BIN_EXE_chairside");
    println!(
        "image render, 3000 x 1500 16-bit panoramic, PNG with the file's window, {runs} runs (best / median)"
    );
    println!(
        "{:<15} {:>23}   {:>23}   ratio",
        "encoding", "chairside", "DCMTK"
    );
    for (name, file, dcmtk_tool) in &cases {
        let (name, file, dcmtk_tool) = (*name, file, *dcmtk_tool);
        let ours_png = path(&format!("ours-{name}.png"));
        let theirs_png = path(&format!("dcmtk-{name}.png"));
        let ours = timed(runs, || {
            run(
                chairside,
                &[
                    "image".as_ref(),
                    "render".as_ref(),
                    &os(file),
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
                    &os(file),
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
    open_in_app(&cases, runs, chairside);
}

/// The app's part of "click to first frame" for each encoding (see the module docs).
fn open_in_app(cases: &[(&str, PathBuf, &str)], runs: usize, chairside: &str) {
    use chairside_app::imaging::ImageDecoder;
    use chairside_app::*;
    let dir = tempfile::tempdir().unwrap();
    let decoder = ImageDecoder::Isolated(chairside_imaging::isolated::Isolation {
        exe: chairside.into(),
        memory_bytes: 768 << 20,
        timeout: Duration::from_secs(60),
    });
    let mut app = App::new(dir.path())
        .with_kdf(chairside_store::KdfParams::FAST_INSECURE_FOR_TESTS)
        .with_image_decoder(decoder.clone());
    app.setup(SetupRequest {
        clinic_name: "Bench".into(),
        address: String::new(),
        timezone: "Africa/Algiers".into(),
        phone_region: "DZ".into(),
        language: Language::French,
        owner_username: "owner".into(),
        owner_display_name: "Owner".into(),
        owner_password: "owner password 1".into(),
        passphrase: Some("bench passphrase".into()),
    })
    .unwrap();
    app.sign_in(SignInRequest {
        username: "owner".into(),
        password: "owner password 1".into(),
    })
    .unwrap();
    println!();
    println!(
        "open in the viewer, app side, {runs} runs (best / median): the frame kept at import (read from the"
    );
    println!(
        "encrypted store), and decoding it in the worker (a PC opening it the first time, without the cache)"
    );
    println!(
        "{:<15} {:>23}   {:>23}",
        "encoding", "kept frame", "decode in worker"
    );
    for (i, (name, file, _)) in cases.iter().enumerate() {
        // One patient per encoding: the four files are one X-ray (same SOP Instance UID), which
        // a second import into the same file would take for a duplicate.
        let patient = app
            .add_patient(PatientInput {
                last_name: format!("Synthetic {}", ["A", "B", "C", "D"][i % 4]),
                first_name: "Test".into(),
                birth_date: "1980-01-01".into(),
                sex: "F".into(),
                phones: vec![format!("0555 12 34 5{i}")],
                allow_duplicate: true,
                ..PatientInput::default()
            })
            .unwrap();
        let outcome = app
            .import_image_file(&ImportFileRequest {
                patient_id: patient.id.clone(),
                path: file.display().to_string(),
                confirm_mismatch: true,
                teeth: vec![],
            })
            .unwrap();
        assert_eq!(outcome.status, ImportFileStatus::Ready, "{outcome:?}");
        let id = outcome.image_id.unwrap();
        let mut bytes = 0;
        let cached = timed(runs, || {
            bytes = app.image_frame(&id, 0, None).unwrap().len();
        });
        let file_bytes = std::fs::read(file).unwrap();
        let decoded = timed(runs, || {
            decoder.frame_wire(&file_bytes, 0).unwrap();
        });
        println!(
            "{name:<15} {} / {}   {} / {}   ({:.1} MB to the webview)",
            ms(cached.0),
            ms(cached.1),
            ms(decoded.0),
            ms(decoded.1),
            bytes as f64 / 1e6
        );
    }
}
