//! Every file of the shared DICOM corpus either renders or is refused with a clear message, and
//! every render matches DCMTK's (`dcmj2pnm`, `dcml2pnm` for JPEG-LS) with the same window to
//! within one grey level on every pixel. DCMTK is the reference toolkit installed by
//! `scripts/setup-system.sh --test`; where it is missing the comparison says so and fails in CI.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

use chairside_imaging::{DicomImage, ImagingError, Limits, Rendered};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dicom");
    assert!(
        dir.is_dir(),
        "the shared corpus is expected at {}",
        dir.display()
    );
    dir
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if path.file_name().is_some_and(|n| n != "README") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// DCMTK's render of the same frame with the same window choice, as 8-bit samples.
fn dcmtk(file: &Path, ts: &str, window: &[String]) -> Option<Rendered> {
    let tool = if ts.starts_with("1.2.840.10008.1.2.4.8") {
        "dcml2pnm"
    } else {
        "dcmj2pnm"
    };
    let out = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    let status = Command::new(tool)
        .args(window)
        .args(["--write-png", "--quiet"])
        .arg(file)
        .arg(out.path())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(out.path()).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{}", file.display());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        other => panic!("{}: DCMTK wrote {other:?}", file.display()),
    };
    buf.truncate(info.buffer_size());
    Some(Rendered {
        width: info.width,
        height: info.height,
        channels,
        pixels: buf,
    })
}

#[test]
fn every_corpus_file_renders_like_dcmtk_or_is_refused_clearly() {
    let have_dcmtk = Command::new("dcmj2pnm").arg("--version").output().is_ok();
    if !have_dcmtk {
        assert!(
            std::env::var_os("CI").is_none(),
            "DCMTK is missing: scripts/setup-system.sh --test installs it"
        );
        eprintln!("DCMTK is not installed: renders are checked without the reference");
    }
    let (mut compared, mut refused, mut without_reference) = (Vec::new(), Vec::new(), Vec::new());
    for file in files(&corpus()) {
        let name = file.strip_prefix(corpus()).unwrap().display().to_string();
        let image = match DicomImage::open(&file, Limits::default()) {
            Ok(image) => image,
            Err(e) => {
                refused.push(format!("{name}: {e}"));
                continue;
            }
        };
        let info = match image.info() {
            Ok(info) => info,
            Err(e) => {
                refused.push(format!("{name}: {e}"));
                continue;
            }
        };
        let ours = match image.render(0, None) {
            Ok(r) => r,
            Err(e) => {
                refused.push(format!("{name}: {e}"));
                continue;
            }
        };
        assert_eq!(
            (ours.width, ours.height),
            (info.columns, info.rows),
            "{name}"
        );
        if !have_dcmtk {
            continue;
        }
        let window: Vec<String> =
            if info.samples_per_pixel > 1 || info.photometric_interpretation == "PALETTE COLOR" {
                vec![]
            } else if info.window.is_some() {
                vec!["+Wi".into(), "1".into()]
            } else {
                vec!["+Wm".into()]
            };
        let Some(reference) = dcmtk(&file, &info.transfer_syntax, &window) else {
            without_reference.push(name);
            continue;
        };
        assert_eq!(
            (reference.width, reference.height, reference.channels),
            (ours.width, ours.height, ours.channels),
            "{name}: geometry"
        );
        let worst = ours
            .pixels
            .iter()
            .zip(&reference.pixels)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap_or(0);
        let off = ours
            .pixels
            .iter()
            .zip(&reference.pixels)
            .filter(|(a, b)| a.abs_diff(**b) > 1)
            .count();
        // Lossy JPEG included: it is decoded by libjpeg-turbo with the IJG integer IDCT that
        // DCMTK uses (chairside-jpeg), so its samples are DCMTK's exactly.
        assert!(
            worst <= 1,
            "{name}: {off} samples differ by more than 1 (worst {worst})"
        );
        compared.push(format!(
            "{name} ({}): worst difference {worst}, {off} of {} samples over 1",
            info.transfer_syntax,
            ours.pixels.len()
        ));
    }
    println!("compared with DCMTK: {} files", compared.len());
    for name in &compared {
        println!("  ok  {name}");
    }
    println!("rendered, DCMTK cannot decode them: {without_reference:?}");
    println!("refused: {}", refused.len());
    for reason in &refused {
        println!("  {reason}");
    }
    // The refusals are the files the corpus holds for that purpose, each with its reason.
    for expected in [
        "MR_truncated.dcm: truncated file",
        "rtplan.dcm: this DICOM file holds no image",
    ] {
        assert!(
            refused.iter().any(|r| r.contains(expected)),
            "{expected} missing from {refused:#?}"
        );
    }
    assert!(
        compared.len() >= 15 || !have_dcmtk,
        "only {} files compared",
        compared.len()
    );
}

#[test]
fn a_window_given_a_frame_past_the_end_and_monochrome1_behave_as_the_standard_says() {
    let file = corpus().join("real/MR_small.dcm");
    let image = DicomImage::open(&file, Limits::default()).unwrap();
    let narrow = image
        .render(
            0,
            Some(chairside_imaging::Window {
                center: 600.0,
                width: 2.0,
            }),
        )
        .unwrap();
    assert!(
        narrow.pixels.iter().all(|&p| p == 0 || p == 255),
        "a 2-wide window is a threshold"
    );
    assert!(matches!(
        image.render(1, None),
        Err(ImagingError::NoSuchFrame {
            frame: 1,
            frames: 1
        })
    ));
}

/// The viewer's fast path (stored values with the rescale as the frame's mapping) gives the
/// same modality values as the general path through `f64`, on every grayscale file that
/// decodes.
#[test]
fn the_viewers_fast_path_gives_the_same_values_as_the_general_one() {
    use chairside_imaging::FrameSamples;
    let mut compared = 0;
    for file in files(&corpus()) {
        let Ok(image) = DicomImage::open(&file, Limits::default()) else {
            continue;
        };
        let (Ok(fast), Ok(general)) = (image.frame_pixels(0), image.frame_pixels_from_values(0))
        else {
            continue;
        };
        let (FrameSamples::Gray(a), FrameSamples::Gray(b)) = (&fast.samples, &general.samples)
        else {
            continue;
        };
        assert_eq!((fast.width, fast.height), (general.width, general.height));
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let (va, vb) = (
                fast.scale * f64::from(*x) + fast.offset,
                general.scale * f64::from(*y) + general.offset,
            );
            // The general path spreads non-integer values over 65,536 levels.
            let tolerance = general.scale.max(1e-9);
            assert!(
                (va - vb).abs() <= tolerance,
                "{}: pixel {i}: {va} vs {vb}",
                file.display()
            );
        }
        assert!((fast.min - general.min).abs() <= general.scale.max(1e-9));
        assert!((fast.max - general.max).abs() <= general.scale.max(1e-9));
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} grayscale files compared");
}

/// A file written again without the patient's identity (GDPR erasure) is, for DCMTK too, the
/// same image of a patient named by the pseudonym: `dcmdump` reads the new header, and DCMTK's
/// render of the copy is its render of the original, sample for sample.
#[test]
fn a_file_without_identity_reads_in_dcmtk_as_the_same_image() {
    if Command::new("dcmdump").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "DCMTK is missing: scripts/setup-system.sh --test installs it"
        );
        eprintln!("DCMTK is not installed: nothing to compare with");
        return;
    }
    let mut compared = Vec::new();
    for file in files(&corpus()) {
        let name = file.strip_prefix(corpus()).unwrap().display().to_string();
        let Ok(image) = DicomImage::open(&file, Limits::default()) else {
            continue;
        };
        let Ok(info) = image.info() else {
            continue;
        };
        let copy = tempfile::Builder::new().suffix(".dcm").tempfile().unwrap();
        std::fs::write(copy.path(), image.without_identity("K7Q-00042").unwrap()).unwrap();
        let dump = Command::new("dcmdump")
            .args(["+P", "PatientName", "+P", "PatientIdentityRemoved"])
            .arg(copy.path())
            .output()
            .unwrap();
        let dump = String::from_utf8_lossy(&dump.stdout);
        assert!(
            dump.contains("[K7Q-00042]") && dump.contains("[YES]"),
            "{name}: DCMTK reads {dump}"
        );
        let window: Vec<String> = vec!["+Wm".into()];
        let (Some(before), Some(after)) = (
            dcmtk(&file, &info.transfer_syntax, &window),
            dcmtk(copy.path(), &info.transfer_syntax, &window),
        ) else {
            continue;
        };
        assert!(
            before.pixels == after.pixels,
            "{name}: DCMTK renders another image"
        );
        compared.push(name);
    }
    println!("DCMTK renders these copies as their originals: {compared:?}");
    assert!(compared.len() >= 12, "only {} compared", compared.len());
}
