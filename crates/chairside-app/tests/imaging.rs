//! Imaging use cases on real files: import with the patient check and duplicate detection,
//! folders and DICOMDIR, sensor PNG/JPEG/TIFF, the viewer's frames, measurements (checked
//! against the synthetic intraoral's pixel spacing), calibration, teeth, export, permissions.
//!
//! Decoding runs in process here (trusted corpus files); the decode worker is exercised through
//! the CLI in `tests/tests/image_isolation.rs` and `cli_contract.rs`.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};

use chairside_app::imaging::{ImageDecoder, PREVIEW_SIDE};
use chairside_app::*;
use chairside_imaging::{DicomImage, FramePixels, FrameSamples, Limits};
use chairside_store::KdfParams;
use common::*;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/dicom")
        .join(rel)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn clinic(dir: &Path) -> App {
    let mut app = App::new(dir)
        .with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS)
        .with_image_decoder(ImageDecoder::InProcess);
    set_up_clinic(&mut app, "database passphrase");
    app
}

fn patient(app: &mut App, last: &str, first: &str) -> Patient {
    app.add_patient(PatientInput {
        last_name: last.into(),
        first_name: first.into(),
        birth_date: "1985-03-14".into(),
        sex: "F".into(),
        phones: vec!["0555 12 34 56".into()],
        ..PatientInput::default()
    })
    .unwrap()
}

fn request(patient: &Patient, path: &Path, confirm: bool) -> ImportFileRequest {
    ImportFileRequest {
        patient_id: patient.id.clone(),
        path: path.display().to_string(),
        confirm_mismatch: confirm,
        teeth: vec![],
    }
}

fn import(app: &mut App, patient: &Patient, path: &Path) -> String {
    let outcome = app
        .import_image_file(&request(patient, path, true))
        .unwrap();
    assert_eq!(outcome.status, ImportFileStatus::Ready, "{outcome:?}");
    outcome.image_id.unwrap()
}

fn gray(frame: &FramePixels) -> &[u16] {
    match &frame.samples {
        FrameSamples::Gray(v) => v,
        FrameSamples::Rgb(_) => panic!("expected grayscale"),
    }
}

#[test]
fn a_file_naming_another_patient_needs_confirmation_and_a_second_import_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let hélène = patient(&mut app, "Dupré", "Hélène");
    let file = corpus("synthetic/intraoral_io_16bit.dcm");

    // The file names "Synthetic^Test", SYN001: not Hélène.
    let preview = app
        .preview_image_import(&hélène.id, &[file.display().to_string()])
        .unwrap();
    assert!(preview.needs_confirmation);
    assert_eq!(preview.ready, 1);
    let c = &preview.files[0];
    assert_eq!(c.patient_match, PatientMatch::Differs);
    assert_eq!(c.file_patient_id.as_deref(), Some("SYN001"));
    assert_eq!((c.columns, c.rows, c.frames), (1200, 1600, 1));
    assert_eq!(c.modality.as_deref(), Some("IO"));

    let refused = app
        .import_image_file(&request(&hélène, &file, false))
        .unwrap_err();
    assert_eq!(refused.code, code::CONFLICT);
    assert!(
        refused.message.contains("names another patient"),
        "{}",
        refused.message
    );
    assert!(
        app.patient_images(&hélène.id).unwrap().is_empty(),
        "nothing stored"
    );

    let id = import(&mut app, &hélène, &file);
    let again = app
        .import_image_file(&request(&hélène, &file, true))
        .unwrap();
    assert_eq!(again.status, ImportFileStatus::Duplicate);
    assert_eq!(again.image_id.as_deref(), Some(id.as_str()));
    let images = app.patient_images(&hélène.id).unwrap();
    assert_eq!(images.len(), 1);
    let image = &images[0];
    assert_eq!(image.spacing_mm, Some([0.1, 0.1]));
    assert_eq!(image.spacing_source, Some(SpacingSource::PixelSpacing));
    assert!(image.local);
    assert!(image.thumbnail.starts_with("data:image/png;base64,"));

    // A patient whose file number is the file's Patient ID matches without confirmation.
    let preview = app
        .preview_image_import(&hélène.id, &[file.display().to_string()])
        .unwrap();
    assert_eq!(preview.duplicates, 1);
    assert!(!preview.needs_confirmation, "a duplicate is not imported");
}

#[test]
fn the_patient_named_in_the_file_matches_by_name_accents_and_case_aside() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let synthetic = patient(&mut app, "SYNTHETIC", "test");
    let file = corpus("synthetic/intraoral_io_16bit.dcm");
    let preview = app
        .preview_image_import(&synthetic.id, &[file.display().to_string()])
        .unwrap();
    assert_eq!(preview.files[0].patient_match, PatientMatch::Matches);
    assert!(!preview.needs_confirmation);
    let outcome = app
        .import_image_file(&request(&synthetic, &file, false))
        .unwrap();
    assert_eq!(outcome.status, ImportFileStatus::Ready);
}

#[test]
fn a_folder_import_goes_on_past_bad_files_and_follows_a_dicomdir() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = patient(&mut app, "Meziane", "Sarah");

    // A folder with a good file, a truncated one, one without pixels and a text file.
    let folder = dir.path().join("cd");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    for (name, to) in [
        ("real/MR_small.dcm", "a.dcm"),
        ("real/MR_truncated.dcm", "sub/b.dcm"),
        ("real/rtplan.dcm", "sub/c.dcm"),
    ] {
        std::fs::copy(corpus(name), folder.join(to)).unwrap();
    }
    std::fs::write(folder.join("notes.txt"), "not an image").unwrap();
    std::fs::write(folder.join(".hidden"), "skipped").unwrap();

    let files = app
        .list_import_files(&folder.display().to_string())
        .unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
    let mut progress = Vec::new();
    let outcomes = app
        .import_images(
            &p.id,
            &folder.display().to_string(),
            true,
            &[],
            |done, total, _| progress.push((done, total)),
        )
        .unwrap();
    assert_eq!(progress, [(1, 4), (2, 4), (3, 4), (4, 4)]);
    let status = |suffix: &str| {
        outcomes
            .iter()
            .find(|o| o.path.ends_with(suffix))
            .map(|o| (o.status, o.reason.clone().unwrap_or_default()))
            .unwrap()
    };
    assert_eq!(status("a.dcm").0, ImportFileStatus::Ready, "{outcomes:?}");
    let (s, reason) = status("b.dcm");
    assert_eq!(s, ImportFileStatus::Refused);
    assert!(reason.contains("truncated"), "{reason}");
    let (s, reason) = status("c.dcm");
    assert_eq!(s, ImportFileStatus::Refused);
    assert!(reason.contains("no pixel data"), "{reason}");
    let (s, reason) = status("notes.txt");
    assert_eq!(s, ImportFileStatus::Refused);
    assert!(
        reason.contains("not a DICOM, PNG, JPEG or TIFF file"),
        "{reason}"
    );
    assert_eq!(app.patient_images(&p.id).unwrap().len(), 1);

    // A DICOMDIR names its files; the folder holding it is read through it.
    let cd = corpus("real/dicomdirtests");
    let through_folder = app.list_import_files(&cd.display().to_string()).unwrap();
    let through_file = app
        .list_import_files(&cd.join("DICOMDIR").display().to_string())
        .unwrap();
    assert_eq!(through_folder, through_file);
    assert!(through_folder.len() >= 10, "{}", through_folder.len());
    assert!(through_folder.iter().all(|f| Path::new(f).is_file()));
    assert!(
        !through_folder.iter().any(|f| f.contains("TINY_ALPHA")),
        "not in this DICOMDIR"
    );
    let preview = app.preview_image_import(&p.id, &through_folder).unwrap();
    assert_eq!(preview.files.len(), through_folder.len());
    assert!(preview.ready >= 10, "ready {}", preview.ready);
    assert!(
        preview.needs_confirmation,
        "the CD's patients are not Sarah Meziane"
    );
    // TINY_ALPHA's files are headers without pixels: each is refused and says why.
    let tiny = app
        .list_import_files(
            &corpus("real/dicomdirtests/TINY_ALPHA")
                .display()
                .to_string(),
        )
        .unwrap();
    let preview = app.preview_image_import(&p.id, &tiny).unwrap();
    assert_eq!(preview.refused as usize, tiny.len());
    assert!(preview.files.iter().all(|f| {
        f.reason
            .as_deref()
            .is_some_and(|r| r.contains("no pixel data"))
    }));
}

#[test]
fn sensor_png_jpeg_and_tiff_import_and_open_as_grayscale() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = patient(&mut app, "Meziane", "Sarah");
    let (w, h) = (64u32, 48u32);
    let sixteen = image::ImageBuffer::from_fn(w, h, |x, y| image::Luma([(x * 1000 + y) as u16]));
    let png = dir.path().join("sensor16.png");
    image::DynamicImage::ImageLuma16(sixteen.clone())
        .save(&png)
        .unwrap();
    let tiff = dir.path().join("sensor.tif");
    image::DynamicImage::ImageLuma16(sixteen.clone())
        .save(&tiff)
        .unwrap();
    // A grayscale X-ray saved as an RGB JPEG, as many sensors do.
    let jpeg = dir.path().join("camera.jpg");
    image::DynamicImage::ImageRgb8(image::ImageBuffer::from_fn(w, h, |x, _| {
        let v = (x * 4) as u8;
        image::Rgb([v, v, v])
    }))
    .save(&jpeg)
    .unwrap();

    for (file, format) in [
        (&png, ImageFormat::Png),
        (&tiff, ImageFormat::Tiff),
        (&jpeg, ImageFormat::Jpeg),
    ] {
        let preview = app
            .preview_image_import(&p.id, &[file.display().to_string()])
            .unwrap();
        let c = &preview.files[0];
        assert_eq!(c.format, Some(format));
        assert_eq!(c.patient_match, PatientMatch::Unknown);
        assert_eq!((c.columns, c.rows), (w, h));
        let id = import(&mut app, &p, file);
        let frame = FramePixels::from_bytes(&app.image_frame(&id, 0, None).unwrap()).unwrap();
        assert_eq!((frame.width, frame.height, frame.channels()), (w, h, 1));
        if format != ImageFormat::Jpeg {
            // 16-bit values arrive exactly.
            let values: Vec<f64> = gray(&frame)
                .iter()
                .map(|&s| frame.scale * f64::from(s) + frame.offset)
                .collect();
            let expected: Vec<f64> = sixteen.pixels().map(|p| f64::from(p.0[0])).collect();
            assert_eq!(values, expected);
        }
        let summary = app.image_detail(&id).unwrap().image;
        assert_eq!(summary.spacing_mm, None, "a sensor PNG has no spacing");
    }
}

#[test]
fn the_viewer_frame_holds_the_files_values_and_lengths_follow_the_pixel_spacing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = patient(&mut app, "Synthetic", "Test");
    let file = corpus("synthetic/intraoral_io_16bit.dcm");
    let id = import(&mut app, &p, &file);

    let frame = FramePixels::from_bytes(&app.image_frame(&id, 0, None).unwrap()).unwrap();
    let reference = DicomImage::open(&file, Limits::default())
        .unwrap()
        .frame_pixels(0)
        .unwrap();
    assert_eq!(frame, reference);
    assert_eq!((frame.width, frame.height), (1200, 1600));
    // The viewer's first, screen-sized frame: the same mapping, a quarter of the pixels each way.
    let preview = FramePixels::from_bytes(&app.image_frame(&id, 0, Some(400)).unwrap()).unwrap();
    assert_eq!((preview.width, preview.height), (300, 400));
    assert_eq!((preview.scale, preview.offset), (frame.scale, frame.offset));
    assert_eq!(preview, reference.downsampled(400));
    assert_eq!((frame.window.center, frame.window.width), (2048.0, 4096.0));

    // The image is a pattern of dark and light blobs. Find two neighbouring dark blobs along
    // the middle row by their pixel values, measure between them, and check that the length
    // is their distance in pixels times the file's 0.1 mm spacing.
    let values = gray(&frame);
    let y = 800usize;
    let row: Vec<f64> = (0..1200)
        .map(|x| frame.scale * f64::from(values[y * 1200 + x]) + frame.offset)
        .collect();
    let smooth: Vec<f64> = (0..1200usize)
        .map(|x| {
            let (a, b) = (x.saturating_sub(15), (x + 15).min(1199));
            row[a..=b].iter().sum::<f64>() / (b - a + 1) as f64
        })
        .collect();
    let mean = smooth.iter().sum::<f64>() / smooth.len() as f64;
    // Centres of the runs below the mean: the dark blobs.
    let mut centres = Vec::new();
    let mut start = None;
    for (x, v) in smooth.iter().enumerate() {
        match (start, *v < mean) {
            (None, true) => start = Some(x),
            (Some(s), false) => {
                centres.push((s + x - 1) as f64 / 2.0);
                start = None;
            }
            _ => {}
        }
    }
    let inner: Vec<f64> = centres
        .into_iter()
        .filter(|c| *c > 20.0 && *c < 1180.0)
        .collect();
    assert!(inner.len() >= 2, "two dark blobs on the row: {inner:?}");
    let (a, b) = (inner[0], inner[1]);
    let detail = app
        .add_image_annotation(&AnnotationInput {
            image_id: id.clone(),
            kind: AnnotationKind::Length,
            points: vec![[a, y as f64], [b, y as f64]],
            text: String::new(),
        })
        .unwrap();
    let length = &detail.annotations[0];
    let expected = (b - a) * 0.1;
    assert!(
        (length.length_mm.unwrap() - expected).abs() < 0.01,
        "{length:?}, expected {expected} mm"
    );
    assert_eq!(length.label, format!("{expected:.1} mm"));

    // A diagonal of 300 x 400 pixels is 50 mm.
    let detail = app
        .add_image_annotation(&AnnotationInput {
            image_id: id.clone(),
            kind: AnnotationKind::Length,
            points: vec![[100.0, 100.0], [400.0, 500.0]],
            text: String::new(),
        })
        .unwrap();
    assert_eq!(detail.annotations[1].label, "50.0 mm");
    let angle = app
        .add_image_annotation(&AnnotationInput {
            image_id: id.clone(),
            kind: AnnotationKind::Angle,
            points: vec![[200.0, 100.0], [100.0, 100.0], [100.0, 300.0]],
            text: String::new(),
        })
        .unwrap();
    assert_eq!(angle.annotations[2].label, "90.0°");

    // Calibrating 100 px as 20 mm makes every length use 0.2 mm per pixel.
    let calibrated = app
        .calibrate_image(&CalibrationInput {
            image_id: id.clone(),
            points: [[0.0, 0.0], [100.0, 0.0]],
            known_mm: 20.0,
        })
        .unwrap();
    assert_eq!(
        calibrated.image.spacing_source,
        Some(SpacingSource::Calibration)
    );
    assert_eq!(calibrated.annotations[1].label, "100.0 mm");
    let bad = app
        .calibrate_image(&CalibrationInput {
            image_id: id.clone(),
            points: [[0.0, 0.0], [1.0, 0.0]],
            known_mm: 20.0,
        })
        .unwrap_err();
    assert!(bad.message.contains("5 pixels"), "{}", bad.message);

    // Points outside the image, or the wrong number of them, are refused.
    for points in [vec![[0.0, 0.0]], vec![[0.0, 0.0], [5000.0, 1.0]]] {
        let e = app
            .add_image_annotation(&AnnotationInput {
                image_id: id.clone(),
                kind: AnnotationKind::Length,
                points,
                text: String::new(),
            })
            .unwrap_err();
        assert_eq!(e.code, code::INVALID_INPUT);
    }
    let removed = app
        .delete_image_annotation(&calibrated.annotations[0].id)
        .unwrap();
    assert_eq!(removed.annotations.len(), 2);
}

#[test]
fn teeth_links_export_delete_and_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = patient(&mut app, "Synthetic", "Test");
    let file = corpus("synthetic/intraoral_io_16bit.dcm");
    let id = import(&mut app, &p, &file);

    let linked = app
        .set_image_teeth(&id, &["37".into(), "36".into()])
        .unwrap();
    assert_eq!(linked.image.teeth, ["36", "37"]);
    assert_eq!(linked.image.fmx_slot, Some(17));
    let bad = app.set_image_teeth(&id, &["19".into()]).unwrap_err();
    assert!(bad.message.contains("FDI"), "{}", bad.message);

    let out = dir.path().join("out");
    let original = app
        .export_image_to_dir(&id, ImageExportFormat::Original, &out)
        .unwrap();
    assert_eq!(
        std::fs::read(&original).unwrap(),
        std::fs::read(&file).unwrap()
    );
    assert!(original.extension().is_some_and(|e| e == "dcm"));
    let png = app
        .export_image_to_dir(&id, ImageExportFormat::Png, &out)
        .unwrap();
    let decoded = image::open(&png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1200, 1600));

    // A receptionist does not see images.
    app.add_user(NewUserRequest {
        username: "nadia".into(),
        display_name: "Nadia".into(),
        role: Role::Receptionist,
        password: "reception password 1".into(),
    })
    .unwrap();
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: "nadia".into(),
        password: "reception password 1".into(),
    })
    .unwrap();
    assert_eq!(
        app.patient_images(&p.id).unwrap_err().code,
        code::PERMISSION_DENIED
    );
    assert_eq!(
        app.image_frame(&id, 0, None).unwrap_err().code,
        code::PERMISSION_DENIED
    );
    app.sign_out().unwrap();
    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: "owner password 1".into(),
    })
    .unwrap();
    app.delete_image(&id).unwrap();
    assert!(app.patient_images(&p.id).unwrap().is_empty());
    assert_eq!(app.image_detail(&id).unwrap_err().code, code::NOT_FOUND);
}

#[test]
fn the_frame_decoded_at_import_is_kept_so_opening_it_decodes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = patient(&mut app, "Synthetic", "Test");
    let file = corpus("synthetic/panoramic_px_jpegls.dcm");
    let id = import(&mut app, &p, &file);
    let expected = DicomImage::open(&file, Limits::default())
        .unwrap()
        .frame_pixels(0)
        .unwrap();
    // Reopen the store with a decoder that cannot run: the frame must come from the cache.
    drop(app);
    let mut app = App::new(dir.path())
        .with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS)
        .with_image_decoder(ImageDecoder::Isolated(
            chairside_imaging::isolated::Isolation {
                exe: dir.path().join("no-such-decoder"),
                memory_bytes: 1 << 20,
                timeout: std::time::Duration::from_secs(1),
            },
        ));
    app.unlock_store(UnlockStoreRequest {
        passphrase: "database passphrase".into(),
    })
    .unwrap();
    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: "owner password 1".into(),
    })
    .unwrap();
    let frame = FramePixels::from_bytes(&app.image_frame(&id, 0, None).unwrap()).unwrap();
    assert_eq!(frame, expected);
    let detail = app.image_detail(&id).unwrap();
    assert!(
        detail.presets.iter().any(|p| p.name == "full_range"),
        "presets from the kept frame's header: {:?}",
        detail.presets
    );

    // The screen-sized frame for the usual side was made at import; another side is made at
    // its first opening and kept too. Both are the full frame scaled down.
    let usual = expected.downsampled(PREVIEW_SIDE).to_bytes();
    assert_eq!(app.image_frame(&id, 0, Some(PREVIEW_SIDE)).unwrap(), usual);
    // The viewer gives its stage's side: a 700-pixel stage gets the kept 1024 one, a stage
    // over two thirds of the image gets the full frame.
    assert_eq!(app.image_screen_frame(&id, 0, Some(700)).unwrap(), usual);
    assert_eq!(
        app.image_screen_frame(&id, 0, Some(2100)).unwrap(),
        expected.to_bytes()
    );
    assert_eq!(
        app.image_screen_frame(&id, 0, None).unwrap(),
        expected.to_bytes()
    );
    let other = expected.downsampled(700).to_bytes();
    assert_eq!(app.image_frame(&id, 0, Some(700)).unwrap(), other);
    assert_eq!(
        app.image_frame(&id, 0, Some(4000)).unwrap(),
        expected.to_bytes()
    );
    app.sign_out().unwrap();
    drop(app);
    let store = chairside_store::Store::open(
        dir.path(),
        chairside_store::Unlock::Auto {
            passphrase: Some("database passphrase"),
        },
    )
    .unwrap();
    let sha = sha256_hex(&std::fs::read(&file).unwrap());
    assert_eq!(
        store.cached_preview(&sha, 0, PREVIEW_SIDE).unwrap(),
        Some(usual)
    );
    assert_eq!(store.cached_preview(&sha, 0, 700).unwrap(), Some(other));
    // A frame no larger than the side asked for is sent whole, and not kept twice.
    assert_eq!(store.cached_preview(&sha, 0, 4000).unwrap(), None);
}

#[test]
fn erasing_a_patient_blanks_the_file_names_of_their_images() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let p = patient(&mut app, "Dupré", "Hélène");
    let named = dir.path().join("Dupre_Helene_pano.dcm");
    std::fs::copy(corpus("synthetic/intraoral_io_16bit.dcm"), &named).unwrap();
    let id = import(&mut app, &p, &named);
    assert_eq!(
        app.image_detail(&id).unwrap().image.file_name,
        "Dupre_Helene_pano.dcm"
    );
    app.erase_patient(&p.id).unwrap();
    let images = app.patient_images(&p.id).unwrap();
    assert_eq!(images.len(), 1, "the image stays in the clinical record");
    assert_eq!(images[0].file_name, "");
    // An erased file takes no new images.
    let again = app
        .import_image_file(&request(&p, &named, true))
        .unwrap_err();
    assert_eq!(again.code, code::PATIENT_ERASED);
}
