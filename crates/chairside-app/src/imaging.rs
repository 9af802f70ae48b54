//! Imaging use cases: import X-rays and sensor images into a patient's file (preview with the
//! patient check, then file by file), list and open them, measure, calibrate, annotate, link
//! to teeth, export. Every read and write is audited by id.
//!
//! An import stores the file's bytes as a blob (encrypted in the store, synced on demand) and an
//! `image` row that indexes it and carries its thumbnail. Decoding untrusted bytes happens in a
//! decode worker process under a memory cap ([`ImageDecoder::Isolated`], see
//! `chairside_imaging::isolated`), both at import and when the viewer asks for a frame; only the
//! file's header is read in this process.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use chairside_domain::patient::fold;
use chairside_domain::teeth::{Tooth, fmx_slot};
use chairside_domain::{EntityId, Permission as P};
use chairside_imaging::isolated::{self, Isolation};
use chairside_imaging::measure;
use chairside_imaging::sources::{self, Description, SourceFormat, SpacingKind};
use chairside_imaging::{FrameHeader, FramePixels, ImagingError, Limits, Rendered, Window};
use chairside_store::images::{self as rows, AnnotationRow, ImageRow};
use chairside_store::patients::{self, PatientRow};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, code};
use crate::patients::patient_ref;
use crate::{
    AnnotationInput, AnnotationKind, App, CalibrationInput, DownloadProgress, ImageAnnotation,
    ImageDetail, ImageExportFormat, ImageFormat, ImageSummary, ImportCandidate, ImportFileOutcome,
    ImportFileRequest, ImportFileStatus, ImportPreview, PatientMatch, Result, SpacingSource,
    WindowPreset, record, staff_display_name,
};

/// Thumbnails fit in a square of this side.
pub const THUMBNAIL_SIDE: u32 = 256;
/// Files one preview or import call may name.
pub const MAX_FILES_PER_CALL: usize = sources::MAX_IMPORT_FILES;
/// Annotations per image: far more than anyone draws, small enough to list at once.
const MAX_ANNOTATIONS: usize = 500;

/// Where images are decoded.
#[derive(Clone, Debug)]
pub enum ImageDecoder {
    /// In a worker process under a memory cap: what the desktop and the CLI use.
    Isolated(Isolation),
    /// In this process: for tests of the use cases on trusted files.
    InProcess,
}

impl ImageDecoder {
    /// The current program as worker (it must call `chairside_imaging::isolated::worker_main`
    /// first thing in `main`).
    pub fn isolated() -> ImageDecoder {
        match Isolation::current_exe() {
            Ok(isolation) => ImageDecoder::Isolated(isolation),
            // Without its own path the program cannot start a worker: decoding is refused
            // later with this reason rather than done unprotected.
            Err(e) => ImageDecoder::Isolated(Isolation {
                exe: PathBuf::from(format!("(cannot find this program: {e})")),
                memory_bytes: 0,
                timeout: std::time::Duration::from_secs(1),
            }),
        }
    }

    /// Decodes one frame of a file held in memory, into the wire format of
    /// [`FramePixels::to_bytes`] (checked by the worker path).
    pub fn frame_wire(
        &self,
        bytes: &[u8],
        frame: u32,
    ) -> std::result::Result<Vec<u8>, ImagingError> {
        match self {
            ImageDecoder::Isolated(isolation) => isolated::frame_wire(isolation, bytes, frame),
            ImageDecoder::InProcess => {
                Ok(sources::frame_pixels(bytes, frame, Limits::default())?.to_bytes())
            }
        }
    }

    /// Decodes one frame of a file held in memory.
    pub fn frame(
        &self,
        bytes: &[u8],
        frame: u32,
    ) -> std::result::Result<FramePixels, ImagingError> {
        match self {
            ImageDecoder::Isolated(isolation) => isolated::frame_pixels(isolation, bytes, frame),
            ImageDecoder::InProcess => sources::frame_pixels(bytes, frame, Limits::default()),
        }
    }
}

fn imaging_error(e: ImagingError) -> ApiError {
    let code = match e {
        ImagingError::Io { .. } => code::NOT_FOUND,
        _ => code::INVALID_INPUT,
    };
    ApiError::new(code, e.to_string())
}

/// The sides of the screen-sized frames the viewer is sent first and the store keeps
/// (`frame_preview`): the first is made at import, the second at the first opening that needs
/// it. Rounding a stage's side up to one of them lets an opening read a kept frame of a few
/// hundred kilobytes instead of scaling the 9 MB frame of a panoramic down (30 to 40 ms).
const PREVIEW_SIDES: [u32; 2] = [1024, 2048];

/// The side of the screen-sized frame made at import.
pub const PREVIEW_SIDE: u32 = PREVIEW_SIDES[0];

/// The side of the viewer's first frame of an image whose larger side is `image_side`, on a
/// stage of `stage_side` device pixels (its larger side): the kept side that covers the stage,
/// or the stage's own on a larger screen. None: the full frame, the image being no more than
/// half again as large as that side.
pub fn screen_frame_side(image_side: u32, stage_side: u32) -> Option<u32> {
    let stage = stage_side.max(1);
    let side = PREVIEW_SIDES
        .into_iter()
        .find(|&kept| kept >= stage)
        .unwrap_or(stage);
    (u64::from(image_side) * 2 > u64::from(side) * 3).then_some(side)
}

/// A frame in the wire format scaled down so that its larger side is `side`; None when it is
/// no larger than that already.
fn scaled_down(wire: &[u8], side: u32) -> Result<Option<Vec<u8>>> {
    let header = FramePixels::check_wire(wire).map_err(imaging_error)?;
    if header.width.max(header.height) <= side {
        return Ok(None);
    }
    let full = FramePixels::from_bytes(wire).map_err(imaging_error)?;
    Ok(Some(full.downsampled(side).to_bytes()))
}

fn no_image(id: &str) -> ApiError {
    ApiError::new(code::NOT_FOUND, format!("no image with id {id}"))
}

fn format_code(f: SourceFormat) -> ImageFormat {
    match f {
        SourceFormat::Dicom => ImageFormat::Dicom,
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::Tiff => ImageFormat::Tiff,
    }
}

/// Whether the patient named in a file is this patient: by file number (the Patient ID a
/// clinic's own sensor software writes), else by name, accents and case aside.
fn patient_match(d: &Description, patient: &PatientRow) -> PatientMatch {
    let id = d
        .patient_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let name = d
        .patient_name
        .as_deref()
        .map(|n| fold(&n.replace('^', " ")))
        .filter(|n| !n.trim().is_empty());
    if id.is_none() && name.is_none() {
        return PatientMatch::Unknown;
    }
    let id_matches = id.is_some_and(|i| i.eq_ignore_ascii_case(patient.file_number.trim()));
    let words = |t: &str| {
        let mut w: Vec<String> = t.split_whitespace().map(str::to_string).collect();
        w.sort();
        w
    };
    let ours = words(&fold(&format!(
        "{} {}",
        patient.last_name, patient.first_name
    )));
    let name_matches = name.is_some_and(|n| !ours.is_empty() && words(&n) == ours);
    if id_matches || name_matches {
        PatientMatch::Matches
    } else {
        PatientMatch::Differs
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A file checked for import, with what the preview and the import need.
struct Checked {
    candidate: ImportCandidate,
    bytes: Vec<u8>,
    description: Option<Description>,
    sha256: String,
}

fn png_bytes(r: &Rendered) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    r.write_png(&mut out)
        .map_err(|e| ApiError::new(code::INTERNAL, format!("cannot write a PNG: {e}")))?;
    Ok(out)
}

fn teeth_text(teeth: &[String]) -> Result<String> {
    let parsed = Tooth::parse_list(&teeth.join(",")).map_err(|e| ApiError::invalid("teeth", e))?;
    Ok(parsed
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(","))
}

fn parse_points(text: &str) -> Vec<[f64; 2]> {
    text.split(';')
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some([x.parse().ok()?, y.parse().ok()?])
        })
        .collect()
}

/// The spacing used for millimetres: a calibration, else the file's.
fn spacing(row: &ImageRow) -> Option<([f64; 2], SpacingSource)> {
    if row.calibration_mm_per_px > 0.0 {
        return Some((
            [row.calibration_mm_per_px, row.calibration_mm_per_px],
            SpacingSource::Calibration,
        ));
    }
    if row.spacing_row_mm > 0.0 && row.spacing_col_mm > 0.0 {
        let source = if row.spacing_source == "imager_pixel_spacing" {
            SpacingSource::ImagerPixelSpacing
        } else {
            SpacingSource::PixelSpacing
        };
        return Some(([row.spacing_row_mm, row.spacing_col_mm], source));
    }
    None
}

fn summary(conn: &chairside_store::Connection, row: &ImageRow, local: bool) -> ImageSummary {
    let spacing = spacing(row);
    let teeth: Vec<String> = row
        .teeth
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let parsed: Vec<Tooth> = teeth.iter().filter_map(|t| Tooth::parse(t).ok()).collect();
    let intraoral = row.modality.is_empty() || row.modality == "IO";
    ImageSummary {
        id: row.id.clone(),
        patient_id: row.patient_id.clone(),
        format: SourceFormat::from_code(&row.format)
            .map(format_code)
            .unwrap_or(ImageFormat::Dicom),
        modality: row.modality.clone(),
        taken_on: row.taken_on.clone(),
        file_name: row.file_name.clone(),
        rows: row.height,
        columns: row.width,
        frames: row.frames,
        spacing_mm: spacing.map(|s| s.0),
        spacing_source: spacing.map(|s| s.1),
        teeth,
        fmx_slot: if intraoral { fmx_slot(&parsed) } else { None },
        thumbnail: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&row.thumbnail)
        ),
        local,
        imported_by: staff_display_name(conn, &row.imported_by),
        imported_at_ms: row.imported_at_ms,
    }
}

/// Works out an annotation's value from its points and the image's spacing.
fn annotation(
    conn: &chairside_store::Connection,
    image: &ImageRow,
    a: AnnotationRow,
) -> ImageAnnotation {
    let points = parse_points(&a.points);
    let kind = match a.kind.as_str() {
        "length" => AnnotationKind::Length,
        "angle" => AnnotationKind::Angle,
        "arrow" => AnnotationKind::Arrow,
        _ => AnnotationKind::Text,
    };
    let spacing = spacing(image).map(|s| s.0);
    let (mut length_mm, mut angle_deg, mut label) = (None, None, a.note.clone());
    match (kind, points.as_slice()) {
        (AnnotationKind::Length, [p, q]) => {
            label = match spacing {
                Some(s) => {
                    let mm = measure::length_mm(*p, *q, s);
                    length_mm = Some(mm);
                    format!("{mm:.1} mm")
                }
                None => format!("{:.1} px", measure::length_px(*p, *q)),
            };
        }
        (AnnotationKind::Angle, [p, v, q]) => {
            angle_deg = measure::angle_deg(*p, *v, *q, spacing.unwrap_or([1.0, 1.0]));
            label = angle_deg.map(|d| format!("{d:.1}°")).unwrap_or_default();
        }
        _ => {}
    }
    ImageAnnotation {
        id: a.id,
        image_id: a.image_id,
        kind,
        points,
        text: a.note,
        label,
        length_mm,
        angle_deg,
        created_by: staff_display_name(conn, &a.created_by),
        created_at_ms: a.created_at_ms,
    }
}

fn presets(row: &ImageRow, frame: Option<&FrameHeader>) -> Vec<WindowPreset> {
    let mut out = Vec::new();
    if row.window_width > 0.0 {
        out.push(WindowPreset {
            name: "file".into(),
            window: [row.window_center, row.window_width],
        });
    }
    if let Some(f) = frame.filter(|f| f.channels == 1) {
        let (lo, hi) = (f.min, f.max);
        let span = (hi - lo).max(1.0);
        out.push(WindowPreset {
            name: "full_range".into(),
            window: [(lo + hi) / 2.0, span],
        });
        // Dental radiographs have no Hounsfield scale: the presets are parts of the frame's
        // range where enamel (the densest), bone and soft tissue fall on a typical exposure.
        for (name, from, to) in [
            ("enamel", 0.55, 1.0),
            ("bone", 0.25, 0.8),
            ("soft", 0.0, 0.45),
        ] {
            let (a, b) = (lo + span * from, lo + span * to);
            out.push(WindowPreset {
                name: name.into(),
                window: [(a + b) / 2.0, (b - a).max(1.0)],
            });
        }
    }
    out
}

impl App {
    /// The files an import of `path` covers (a file, a folder, a DICOMDIR).
    pub fn list_import_files(&mut self, path: &str) -> Result<Vec<String>> {
        self.authorize(P::EditImaging, "image.import")?;
        let files = sources::collect_files(Path::new(path.trim())).map_err(imaging_error)?;
        Ok(files.iter().map(|p| p.display().to_string()).collect())
    }

    fn check_file(&self, patient: &PatientRow, path: &Path) -> Result<Checked> {
        let mut candidate = ImportCandidate {
            path: path.display().to_string(),
            file_name: file_name(path),
            status: ImportFileStatus::Refused,
            reason: None,
            format: None,
            modality: None,
            taken_on: None,
            rows: 0,
            columns: 0,
            frames: 0,
            file_patient_id: None,
            file_patient_name: None,
            patient_match: PatientMatch::Unknown,
        };
        let refused = |mut candidate: ImportCandidate, reason: String| Checked {
            candidate: {
                candidate.reason = Some(reason);
                candidate
            },
            bytes: Vec::new(),
            description: None,
            sha256: String::new(),
        };
        let bytes = match isolated::read_file(path) {
            Ok(b) => b,
            Err(e) => return Ok(refused(candidate, e.to_string())),
        };
        let description = match sources::describe(&bytes, Limits::default()) {
            Ok(d) => d,
            Err(e) => return Ok(refused(candidate, e.to_string())),
        };
        candidate.format = Some(format_code(description.format));
        candidate.modality = description.modality.clone();
        candidate.taken_on = description.taken_on.clone();
        candidate.rows = description.rows;
        candidate.columns = description.columns;
        candidate.frames = description.frames;
        candidate.file_patient_id = description.patient_id.clone();
        candidate.file_patient_name = description.patient_name.clone();
        candidate.patient_match = patient_match(&description, patient);
        let sha256 = sha256_hex(&bytes);
        let conn = self.store()?.conn();
        let sop = description.sop_instance_uid.clone().unwrap_or_default();
        if let Some(existing) = rows::find_duplicate(conn, &patient.id, &sha256, &sop)? {
            candidate.status = ImportFileStatus::Duplicate;
            candidate.reason = Some(format!(
                "already in this file: {} imported on {}",
                if existing.file_name.is_empty() {
                    "an image"
                } else {
                    &existing.file_name
                },
                chrono::DateTime::from_timestamp_millis(existing.imported_at_ms)
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()
            ));
        } else {
            candidate.status = ImportFileStatus::Ready;
            let others = rows::other_patients_with_blob(conn, &patient.id, &sha256)?;
            if let Some(other) = others.first() {
                // The same bytes in another file: probably a mix-up; a person decides.
                let number = patients::get(conn, other)?
                    .map(|p| p.file_number)
                    .unwrap_or_default();
                candidate.patient_match = PatientMatch::Differs;
                candidate.reason = Some(format!(
                    "the same file is already in the file of patient {number}"
                ));
            }
        }
        Ok(Checked {
            candidate,
            bytes,
            description: Some(description),
            sha256,
        })
    }

    fn live_patient_row(&self, patient_id: &str) -> Result<PatientRow> {
        self.require_live_patient(patient_id)?;
        patients::get(self.store()?.conn(), patient_id)?.ok_or_else(|| {
            ApiError::new(code::NOT_FOUND, format!("no patient with id {patient_id}"))
        })
    }

    /// What importing these files into the patient's file would do, from their headers; nothing
    /// is stored.
    pub fn preview_image_import(
        &mut self,
        patient_id: &str,
        paths: &[String],
    ) -> Result<ImportPreview> {
        self.authorize(P::EditImaging, "image.import")?;
        if paths.len() > MAX_FILES_PER_CALL {
            return Err(ApiError::invalid(
                "paths",
                format!("more than {MAX_FILES_PER_CALL} files: import the folder in parts"),
            ));
        }
        let patient = self.live_patient_row(patient_id)?;
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(self.check_file(&patient, Path::new(path))?.candidate);
        }
        let count = |s| {
            files
                .iter()
                .filter(|f: &&ImportCandidate| f.status == s)
                .count() as u32
        };
        Ok(ImportPreview {
            needs_confirmation: files.iter().any(|f| {
                f.status == ImportFileStatus::Ready && f.patient_match == PatientMatch::Differs
            }),
            ready: count(ImportFileStatus::Ready),
            duplicates: count(ImportFileStatus::Duplicate),
            refused: count(ImportFileStatus::Refused),
            patient: patient_ref(patient),
            files,
        })
    }

    /// Imports one file. A file that cannot be imported is an outcome (refused, duplicate), not
    /// an error, so that a folder import goes on; errors are for the request itself (no such
    /// patient, no permission, a mismatch not confirmed).
    pub fn import_image_file(&mut self, request: &ImportFileRequest) -> Result<ImportFileOutcome> {
        let session = self.authorize(P::EditImaging, "image.import")?;
        let patient = self.live_patient_row(&request.patient_id)?;
        let teeth = teeth_text(&request.teeth)?;
        let path = Path::new(&request.path);
        let checked = self.check_file(&patient, path)?;
        let mut outcome = ImportFileOutcome {
            path: request.path.clone(),
            status: checked.candidate.status,
            image_id: None,
            reason: checked.candidate.reason.clone(),
        };
        let description = match (checked.candidate.status, checked.description) {
            (ImportFileStatus::Ready, Some(d)) => d,
            (ImportFileStatus::Duplicate, Some(d)) => {
                let sop = d.sop_instance_uid.unwrap_or_default();
                outcome.image_id =
                    rows::find_duplicate(self.store()?.conn(), &patient.id, &checked.sha256, &sop)?
                        .map(|r| r.id);
                return Ok(outcome);
            }
            _ => return Ok(outcome),
        };
        if checked.candidate.patient_match == PatientMatch::Differs && !request.confirm_mismatch {
            return Err(ApiError::new(
                code::CONFLICT,
                format!(
                    "{} names another patient ({}): confirm that it belongs to this patient to import it",
                    checked.candidate.file_name,
                    [
                        description.patient_id.clone(),
                        description.patient_name.clone()
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ")
                ),
            ));
        }
        // The decode that proves the file is an image we can show, in the worker.
        let frame = match self.image_decoder.frame(&checked.bytes, 0) {
            Ok(f) => f,
            Err(e) => {
                outcome.status = ImportFileStatus::Refused;
                outcome.reason = Some(e.to_string());
                return Ok(outcome);
            }
        };
        let thumbnail = png_bytes(&frame.thumbnail(THUMBNAIL_SIDE))?;
        let now = chrono::Utc::now();
        let (spacing, spacing_source) = match description.spacing {
            Some((s, SpacingKind::PixelSpacing)) => (s, "pixel_spacing"),
            Some((s, SpacingKind::ImagerPixelSpacing)) => (s, "imager_pixel_spacing"),
            None => ([0.0, 0.0], ""),
        };
        let window = description.window.unwrap_or([0.0, 0.0]);
        let mut row = ImageRow {
            id: EntityId::new().to_string(),
            patient_id: patient.id.clone(),
            blob_sha256: checked.sha256.clone(),
            format: description.format.code().into(),
            modality: description.modality.clone().unwrap_or_default(),
            taken_on: description
                .taken_on
                .clone()
                .unwrap_or_else(|| now.format("%Y-%m-%d").to_string()),
            file_name: checked.candidate.file_name.clone(),
            width: frame.width,
            height: frame.height,
            frames: description.frames.max(1),
            spacing_row_mm: spacing[0],
            spacing_col_mm: spacing[1],
            spacing_source: spacing_source.into(),
            calibration_mm_per_px: 0.0,
            window_center: window[0],
            window_width: window[1].max(0.0),
            teeth,
            thumbnail,
            sop_instance_uid: description.sop_instance_uid.clone().unwrap_or_default(),
            imported_by: session.user_id.to_string(),
            imported_at_ms: now.timestamp_millis(),
        };
        if row.modality.len() > 16 {
            row.modality.truncate(16);
        }
        let detail = format!("{} {}", row.id, row.blob_sha256);
        let media_type = description.format.media_type();
        self.audited_write_with_detail(
            &session,
            "image.import",
            "patient",
            &row.patient_id,
            &detail,
            |w| {
                w.put_blob(checked.bytes.as_slice(), media_type)?;
                w.insert_image(&row)?;
                Ok(())
            },
        )?;
        // The viewer's first opening of it on this PC need not decode it again, nor scale it
        // down to the screen. Caches: failing to fill them must not fail the import.
        let wire = frame.to_bytes();
        let store = self.store()?;
        let _ = store.cache_frame(&checked.sha256, 0, &wire);
        if let Some(side) = screen_frame_side(frame.width.max(frame.height), PREVIEW_SIDE) {
            let preview = frame.downsampled(side).to_bytes();
            let _ = store.cache_preview(&checked.sha256, 0, side, &preview);
        }
        outcome.image_id = Some(row.id);
        Ok(outcome)
    }

    /// Imports every file `path` covers, reporting each outcome to `progress` (done, total).
    pub fn import_images(
        &mut self,
        patient_id: &str,
        path: &str,
        confirm_mismatch: bool,
        teeth: &[String],
        mut progress: impl FnMut(usize, usize, &ImportFileOutcome),
    ) -> Result<Vec<ImportFileOutcome>> {
        let files = self.list_import_files(path)?;
        let mut outcomes = Vec::with_capacity(files.len());
        for (i, file) in files.iter().enumerate() {
            let outcome = self.import_image_file(&ImportFileRequest {
                patient_id: patient_id.to_string(),
                path: file.clone(),
                confirm_mismatch,
                teeth: teeth.to_vec(),
            })?;
            progress(i + 1, files.len(), &outcome);
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// A patient's images, newest first.
    pub fn patient_images(&mut self, patient_id: &str) -> Result<Vec<ImageSummary>> {
        let session = self.authorize(P::ViewImaging, "image.list")?;
        self.require_patient(patient_id)?;
        let conn = self.store()?.conn();
        let mut out = Vec::new();
        for row in rows::for_patient(conn, patient_id)? {
            let local = self
                .store()?
                .blob(&row.blob_sha256)?
                .is_some_and(|b| b.local);
            out.push(summary(conn, &row, local));
        }
        self.audit_event(record(
            &session.user_id.to_string(),
            "image.list",
            "patient",
            patient_id,
            "ok",
            "",
        ))?;
        Ok(out)
    }

    fn image_row(&self, image_id: &str) -> Result<ImageRow> {
        rows::get(self.store()?.conn(), image_id)?.ok_or_else(|| no_image(image_id))
    }

    fn detail(&self, row: &ImageRow) -> Result<ImageDetail> {
        let store = self.store()?;
        let conn = store.conn();
        let local = store.blob(&row.blob_sha256)?.is_some_and(|b| b.local);
        let annotations = rows::annotations(conn, &row.id)?
            .into_iter()
            .map(|a| annotation(conn, row, a))
            .collect();
        Ok(ImageDetail {
            image: summary(conn, row, local),
            annotations,
            window: (row.window_width > 0.0).then_some([row.window_center, row.window_width]),
            presets: presets(row, self.cached_frame(row).as_ref()),
        })
    }

    /// An image with its annotations and window presets.
    pub fn image_detail(&mut self, image_id: &str) -> Result<ImageDetail> {
        let session = self.authorize(P::ViewImaging, "image.read")?;
        let row = self.image_row(image_id)?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "image.read",
            "patient",
            &row.patient_id,
            "ok",
            image_id,
        ))?;
        self.detail(&row)
    }

    /// What the first frame's header says, if it was decoded on this PC (the frame cache).
    fn cached_frame(&self, row: &ImageRow) -> Option<FrameHeader> {
        let header = self
            .store()
            .ok()?
            .cached_frame_header(&row.blob_sha256, 0)
            .ok()??;
        FramePixels::read_header(&header).ok()
    }

    /// Checks the right to open an image, audits it, and returns its blob's address, so that
    /// the caller can make the bytes local (fetching them from the relay) without holding the
    /// app.
    pub fn open_image(&mut self, image_id: &str) -> Result<String> {
        let session = self.authorize(P::ViewImaging, "image.open")?;
        let row = self.image_row(image_id)?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "image.open",
            "patient",
            &row.patient_id,
            "ok",
            image_id,
        ))?;
        Ok(row.blob_sha256)
    }

    /// How far the download of an image's file has come while it is fetched from the relay
    /// (on the sync agent's connection: this one reads the chunks stored so far). Polled by the
    /// viewer while it waits, so it is not audited (the opening is, once).
    pub fn image_download_progress(&mut self, image_id: &str) -> Result<DownloadProgress> {
        self.authorize(P::ViewImaging, "image.open")?;
        let row = self.image_row(image_id)?;
        let (bytes_here, bytes_total) = self
            .store()?
            .blob_bytes_here(&row.blob_sha256)?
            .unwrap_or((0, 0));
        Ok(DownloadProgress {
            bytes_here,
            bytes_total,
        })
    }

    /// Makes an image's bytes local, fetching them from the relay if it was imported on another
    /// PC, on a sync connection of its own: for one-shot callers such as the CLI (the desktop
    /// goes through [`crate::BackgroundSync::image_frame`], which does not hold the app).
    pub fn fetch_image(&mut self, image_id: &str) -> Result<()> {
        let sha = self.open_image(image_id)?;
        if !self.image_is_local(&sha)? {
            self.sync_agent()?.open_blob(&sha)?;
        }
        Ok(())
    }

    /// Whether a blob's bytes are on this PC (else [`SyncAgent::open_blob`] fetches them).
    ///
    /// [`SyncAgent::open_blob`]: crate::SyncAgent::open_blob
    pub fn image_is_local(&self, sha256: &str) -> Result<bool> {
        Ok(self.store()?.blob(sha256)?.is_some_and(|b| b.local))
    }

    /// The bytes of an image whose blob is on this PC.
    fn local_image_bytes(&self, row: &ImageRow) -> Result<Vec<u8>> {
        self.store()?.read_blob(&row.blob_sha256)?.ok_or_else(|| {
            ApiError::new(
                code::NOT_FOUND,
                "this image was imported on another PC and is not here yet: sync, then open it again",
            )
        })
    }

    /// One frame of an image for the viewer, in the wire format of
    /// [`chairside_imaging::FramePixels::to_bytes`]. The image's blob must be local (see
    /// [`App::open_image`]).
    ///
    /// With `max_side`, a frame larger than that comes scaled down to it (see
    /// [`FramePixels::downsampled`]): the viewer asks for one at the screen's size first, which
    /// crosses to the webview many times faster, then for the full frame. The scaled frame is
    /// kept ([`Store::cache_preview`]): made from the kept full frame, it took reading 9 MB from
    /// the encrypted database and averaging them, 30 to 40 ms of a panoramic's first opening.
    pub fn image_frame(
        &mut self,
        image_id: &str,
        frame: u32,
        max_side: Option<u32>,
    ) -> Result<Vec<u8>> {
        let row = self.viewable_frame(image_id, frame)?;
        self.frame_of(&row, frame, max_side)
    }

    /// The viewer's frame of an image shown on a stage of `stage_side` device pixels (its
    /// larger side): a kept screen-sized frame when the image is much larger than the stage
    /// ([`screen_frame_side`]), else the full one; None: the full frame. The viewer asks for the
    /// full frame next when the one it got is smaller than the image.
    pub fn image_screen_frame(
        &mut self,
        image_id: &str,
        frame: u32,
        stage_side: Option<u32>,
    ) -> Result<Vec<u8>> {
        let row = self.viewable_frame(image_id, frame)?;
        let side = stage_side.and_then(|stage| screen_frame_side(row.width.max(row.height), stage));
        self.frame_of(&row, frame, side)
    }

    /// [`App::image_frame`] once the row is checked.
    fn frame_of(&mut self, row: &ImageRow, frame: u32, max_side: Option<u32>) -> Result<Vec<u8>> {
        let side = match max_side {
            Some(side) if side > 0 => side,
            _ => return self.full_image_frame(row, frame),
        };
        if let Some(wire) = self
            .store()?
            .cached_preview(&row.blob_sha256, frame, side)?
            && FramePixels::check_wire(&wire).is_ok()
        {
            return Ok(wire);
        }
        let wire = self.full_image_frame(row, frame)?;
        let Some(preview) = scaled_down(&wire, side)? else {
            return Ok(wire);
        };
        // A cache: failing to fill it must not fail the opening.
        let _ = self
            .store()?
            .cache_preview(&row.blob_sha256, frame, side, &preview);
        Ok(preview)
    }

    /// The image's row, once the right to view it is checked and `frame` is one of its frames.
    fn viewable_frame(&mut self, image_id: &str, frame: u32) -> Result<ImageRow> {
        self.authorize(P::ViewImaging, "image.open")?;
        let row = self.image_row(image_id)?;
        if frame >= row.frames.max(1) {
            return Err(ApiError::invalid(
                "frame",
                format!(
                    "the image has {} frame(s), numbered from 0",
                    row.frames.max(1)
                ),
            ));
        }
        Ok(row)
    }

    fn full_image_frame(&mut self, row: &ImageRow, frame: u32) -> Result<Vec<u8>> {
        // A frame decoded before on this PC (at import, or at an earlier opening) is kept, so
        // that a compressed panoramic opens without decoding it again.
        let store = self.store()?;
        if let Some(wire) = store.cached_frame(&row.blob_sha256, frame)?
            && FramePixels::check_wire(&wire).is_ok()
        {
            return Ok(wire);
        }
        let bytes = self.local_image_bytes(row)?;
        let wire = self
            .image_decoder
            .frame_wire(&bytes, frame)
            .map_err(imaging_error)?;
        // The cache is an optimisation: failing to fill it must not fail the opening.
        let _ = self.store()?.cache_frame(&row.blob_sha256, frame, &wire);
        Ok(wire)
    }

    fn editable_image(
        &mut self,
        image_id: &str,
        action: &str,
    ) -> Result<(crate::Session, ImageRow)> {
        let session = self.authorize(P::EditImaging, action)?;
        let row = self.image_row(image_id)?;
        self.require_live_patient(&row.patient_id)?;
        Ok((session, row))
    }

    /// Adds a length, angle, arrow or text to an image; its value is worked out here.
    pub fn add_image_annotation(&mut self, input: &AnnotationInput) -> Result<ImageDetail> {
        let (session, row) = self.editable_image(&input.image_id, "image.annotate")?;
        let (kind, needed) = match input.kind {
            AnnotationKind::Length => ("length", 2),
            AnnotationKind::Angle => ("angle", 3),
            AnnotationKind::Arrow => ("arrow", 2),
            AnnotationKind::Text => ("text", 1),
        };
        if input.points.len() != needed {
            return Err(ApiError::invalid(
                "points",
                format!(
                    "a {kind} needs {needed} point(s), not {}",
                    input.points.len()
                ),
            ));
        }
        let size = [row.width, row.height];
        if input.points.iter().any(|p| !measure::inside(*p, size)) {
            return Err(ApiError::invalid(
                "points",
                "a point lies outside the image",
            ));
        }
        let text = crate::patients::bounded("text", &input.text, 500)?;
        if input.kind == AnnotationKind::Text && text.is_empty() {
            return Err(ApiError::invalid("text", "is empty"));
        }
        if input.kind == AnnotationKind::Angle
            && measure::angle_deg(
                input.points[0],
                input.points[1],
                input.points[2],
                [1.0, 1.0],
            )
            .is_none()
        {
            return Err(ApiError::invalid(
                "points",
                "an angle needs its two ends away from its vertex",
            ));
        }
        if rows::annotations(self.store()?.conn(), &row.id)?.len() >= MAX_ANNOTATIONS {
            return Err(ApiError::invalid(
                "annotations",
                format!("an image holds at most {MAX_ANNOTATIONS}: remove some first"),
            ));
        }
        let a = AnnotationRow {
            id: EntityId::new().to_string(),
            image_id: row.id.clone(),
            kind: kind.into(),
            points: input
                .points
                .iter()
                .map(|[x, y]| format!("{x:.2},{y:.2}"))
                .collect::<Vec<_>>()
                .join(";"),
            note: text,
            created_by: session.user_id.to_string(),
            created_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        self.audited_write_with_detail(
            &session,
            "image.annotate",
            "patient",
            &row.patient_id,
            &a.id,
            |w| {
                w.insert_annotation(&a)?;
                Ok(())
            },
        )?;
        self.detail(&row)
    }

    pub fn delete_image_annotation(&mut self, annotation_id: &str) -> Result<ImageDetail> {
        self.authorize(P::EditImaging, "image.annotate")?;
        let image_id =
            rows::annotation_image(self.store()?.conn(), annotation_id)?.ok_or_else(|| {
                ApiError::new(
                    code::NOT_FOUND,
                    format!("no annotation with id {annotation_id}"),
                )
            })?;
        let (session, row) = self.editable_image(&image_id, "image.annotate")?;
        let detail = format!("{annotation_id} removed");
        self.audited_write_with_detail(
            &session,
            "image.annotate",
            "patient",
            &row.patient_id,
            &detail,
            |w| {
                w.delete_annotation(annotation_id)?;
                Ok(())
            },
        )?;
        self.detail(&row)
    }

    /// Saves a calibration: the two points span `known_mm`; lengths on the image are then
    /// measured with it rather than with the file's spacing.
    pub fn calibrate_image(&mut self, input: &CalibrationInput) -> Result<ImageDetail> {
        let (session, mut row) = self.editable_image(&input.image_id, "image.calibrate")?;
        let mm_per_px = measure::calibrate(
            input.points[0],
            input.points[1],
            input.known_mm,
            [row.width, row.height],
        )
        .map_err(|e| ApiError::invalid("calibration", e))?;
        let detail = format!("{} {mm_per_px:.6} mm/px", row.id);
        self.audited_write_with_detail(
            &session,
            "image.calibrate",
            "patient",
            &row.patient_id,
            &detail,
            |w| {
                w.set_image_calibration(&row.id, mm_per_px)?;
                Ok(())
            },
        )?;
        row.calibration_mm_per_px = mm_per_px;
        self.detail(&row)
    }

    /// Links an image to teeth (FDI codes); an empty list removes the links.
    pub fn set_image_teeth(&mut self, image_id: &str, teeth: &[String]) -> Result<ImageDetail> {
        let (session, mut row) = self.editable_image(image_id, "image.update")?;
        let text = teeth_text(teeth)?;
        let detail = format!("{image_id} teeth={text}");
        self.audited_write_with_detail(
            &session,
            "image.update",
            "patient",
            &row.patient_id,
            &detail,
            |w| {
                w.set_image_teeth(image_id, &text)?;
                Ok(())
            },
        )?;
        row.teeth = text;
        self.detail(&row)
    }

    /// Removes an image from the patient's file (a tombstone; the bytes stay in the store).
    pub fn delete_image(&mut self, image_id: &str) -> Result<()> {
        let (session, row) = self.editable_image(image_id, "image.delete")?;
        self.audited_write_with_detail(
            &session,
            "image.delete",
            "patient",
            &row.patient_id,
            image_id,
            |w| {
                w.delete_image(image_id)?;
                Ok(())
            },
        )?;
        Ok(())
    }

    /// Writes an image to `out`: the original file, or a PNG of its first frame with the file's
    /// window. Audited as an export.
    pub fn export_image_to(
        &mut self,
        image_id: &str,
        format: ImageExportFormat,
        out: &Path,
    ) -> Result<()> {
        let session = self.authorize(P::ViewImaging, "image.export")?;
        let row = self.image_row(image_id)?;
        let bytes = self.local_image_bytes(&row)?;
        let data = match format {
            ImageExportFormat::Original => bytes,
            ImageExportFormat::Png => {
                let frame = self.image_decoder.frame(&bytes, 0).map_err(imaging_error)?;
                let window = (row.window_width > 0.0).then_some(Window {
                    center: row.window_center,
                    width: row.window_width,
                });
                png_bytes(&frame.render(window))?
            }
        };
        chairside_store::write_atomically(out, &data).map_err(|e| {
            ApiError::new(
                code::EXPORT_FAILED,
                format!("cannot write {}: {e}", out.display()),
            )
        })?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "image.export",
            "patient",
            &row.patient_id,
            "ok",
            image_id,
        ))?;
        Ok(())
    }

    /// Exports into `dir` under a name made of the file number, date and image id; returns the
    /// path written.
    pub fn export_image_to_dir(
        &mut self,
        image_id: &str,
        format: ImageExportFormat,
        dir: &Path,
    ) -> Result<PathBuf> {
        self.authorize(P::ViewImaging, "image.export")?;
        let row = self.image_row(image_id)?;
        let number = patients::get(self.store()?.conn(), &row.patient_id)?
            .map(|p| p.file_number)
            .unwrap_or_default();
        let extension = match format {
            ImageExportFormat::Png => "png",
            ImageExportFormat::Original => SourceFormat::from_code(&row.format)
                .unwrap_or(SourceFormat::Dicom)
                .extension(),
        };
        let safe: String = number
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let short_id: String = row.id.chars().take(8).collect();
        std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::new(
                code::EXPORT_FAILED,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let path = dir.join(format!("{safe}_{}_{short_id}.{extension}", row.taken_on));
        self.export_image_to(image_id, format, &path)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screen_frame_is_the_kept_side_that_covers_the_stage() {
        // The 3000 x 1500 panoramic on a stage 700 device pixels wide: the 1024 made at import.
        assert_eq!(screen_frame_side(3000, 700), Some(1024));
        assert_eq!(screen_frame_side(3000, 1024), Some(1024));
        // A 6000-pixel image on a 1200-pixel stage: the 2048 one.
        assert_eq!(screen_frame_side(6000, 1200), Some(2048));
    }

    #[test]
    fn a_stage_larger_than_the_kept_sides_gets_its_own_side() {
        assert_eq!(screen_frame_side(8000, 2600), Some(2600));
    }

    #[test]
    fn an_image_at_most_half_again_the_side_is_sent_whole() {
        assert_eq!(screen_frame_side(1500, 700), None);
        assert_eq!(screen_frame_side(3000, 1200), None);
        assert_eq!(screen_frame_side(640, 1200), None);
    }

    #[test]
    fn a_stage_not_laid_out_yet_still_gets_a_kept_side() {
        assert_eq!(screen_frame_side(3000, 0), Some(1024));
    }
}
