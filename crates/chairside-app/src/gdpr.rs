//! The patient file's GDPR flows and its other whole-record views: the FHIR export (right of
//! access and portability), erasure by pseudonymisation (right to erasure, within what the law
//! requires a clinic to keep), the timeline and the photo.
//!
//! Permissions: exporting needs `ExportPatientData` (owner, dentist); erasing needs
//! `ErasePatient` (owner only). Both are audited by id, like every read.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chairside_domain::{EntityId, Permission as P};
use chairside_store::patients as rows;
use chairside_store::{Store, consents, images, medical, timeline};
use chrono::Utc;
use image::{ImageFormat, ImageReader, Limits};

use crate::error::{ApiError, code};
use crate::patients::{no_patient, refuse_if_erased};
use crate::{App, ErasureReport, Result, RetainedCount, TimelineEntry, record, staff_display_name};

/// The audit action of rewriting an erased patient's DICOM file.
const IDENTITY_REMOVAL: &str = "image.identity_removal";

/// What a pass over the images queued after an erasure did (see [`remove_identity_from_files`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdentityPass {
    /// DICOM files written again without the identity, the images pointed at the copies.
    pub rewritten: u32,
    /// Files this PC does not hold: fetched at its next sync if it made the erasure, and rewritten
    /// by the PC that holds one when it merges the erasure.
    pub waiting: u32,
    /// Files that could not be written again (their header keeps the identity; see the log).
    pub failed: u32,
}

/// For each image queued by an erasure (chairside-store's `erasure`, migration 0015) whose DICOM
/// file this PC holds: writes the file again without the patient's identity
/// (`DicomImage::without_identity`, the file number as pseudonym), stores the copy and points
/// the image at it, in one write. The old file is forgotten here, and at the relay after the
/// next sync. The copy is the same bytes on every PC, so two PCs doing it at once agree.
pub fn remove_identity_from_files(store: &mut Store) -> chairside_store::Result<IdentityPass> {
    let mut pass = IdentityPass::default();
    for queued in images::identity_queue(store.conn())? {
        let Some(bytes) = store.read_blob(&queued.blob_sha256)? else {
            pass.waiting += 1;
            continue;
        };
        let copy = chairside_imaging::DicomImage::from_bytes(&bytes, Default::default())
            .and_then(|image| image.without_identity(&queued.pseudonym));
        drop(bytes);
        // Audited without a user: the PC does it, for the erasure someone made (maybe elsewhere).
        match copy {
            Ok(copy) => {
                store.write(|w| {
                    let stored = w.put_blob(copy.as_slice(), "application/dicom")?;
                    w.replace_image_file(&queued.image_id, &stored.sha256)?;
                    let detail = format!("{} -> {}", queued.blob_sha256, stored.sha256);
                    w.audit(record(
                        "",
                        IDENTITY_REMOVAL,
                        "image",
                        &queued.image_id,
                        "ok",
                        &detail,
                    ))?;
                    Ok(())
                })?;
                pass.rewritten += 1;
            }
            Err(e) => {
                // Not retried: the same file fails the same way. Told in the erasure's report
                // and in the audit log.
                let outcome = format!("error: {e}");
                store.write(|w| {
                    images::dequeue_identity_removal(w.conn(), &queued.image_id)?;
                    w.audit(record(
                        "",
                        IDENTITY_REMOVAL,
                        "image",
                        &queued.image_id,
                        &outcome,
                        "",
                    ))?;
                    Ok(())
                })?;
                pass.failed += 1;
            }
        }
    }
    Ok(pass)
}

/// Timeline entries returned at most: years of a busy patient's history.
pub const TIMELINE_LIMIT: u32 = 1000;
/// Where exports go: `$CHAIRSIDE_EXPORT_DIR` when set (tests, managed PCs), else the user's
/// `Documents/Chairside exports`.
pub fn default_export_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CHAIRSIDE_EXPORT_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::UserDirs::new()
        .and_then(|d| d.document_dir().map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
        .join("Chairside exports")
}

/// The largest photo file accepted, before it is scaled down.
pub const PHOTO_MAX_BYTES: usize = 15 * 1024 * 1024;
/// Stored photos fit in a square of this side, in pixels.
pub const PHOTO_SIDE: u32 = 320;

impl App {
    /// The patient's complete record as an HL7 FHIR R4 JSON Bundle (pretty-printed).
    pub fn export_patient_fhir(&mut self, id: &str) -> Result<String> {
        let session = self.authorize(P::ExportPatientData, "patient.export")?;
        let conn = self.store()?.conn();
        let patient = rows::get(conn, id)?.ok_or_else(|| no_patient(id))?;
        let clinic = chairside_store::clinic::get(conn)?
            .ok_or_else(|| ApiError::new(code::NOT_INITIALISED, "no clinic is set up yet"))?;
        let photo = rows::photo(conn, id)?;
        let guarantor = if patient.guarantor_id.is_empty() {
            None
        } else {
            rows::get(conn, &patient.guarantor_id)?
        };
        let merged_files = chairside_store::merged::merged_rows(conn, id)?;
        let medical = medical::for_patient(conn, id)?;
        let chart = chairside_store::chart::for_patient(conn, id)?;
        let consents = consents::for_patient(conn, id)?;
        let staff_name = |user_id: &str| staff_display_name(conn, user_id);
        let bundle = crate::fhir::bundle(&crate::fhir::PatientRecord {
            clinic_id: &clinic.id.to_string(),
            clinic_name: &clinic.settings.name,
            patient: &patient,
            photo_base64: photo.as_deref(),
            guarantor: guarantor.as_ref(),
            merged_files: &merged_files,
            medical: &medical,
            chart: &chart,
            consents: &consents,
            staff_name: &staff_name,
            bundle_id: &EntityId::new().to_string(),
            now_ms: Utc::now().timestamp_millis(),
        });
        let text = serde_json::to_string_pretty(&bundle)
            .map_err(|e| ApiError::new(code::INTERNAL, format!("FHIR export: {e}")))?;
        let user = session.user_id.to_string();
        self.audit_event(record(
            &user,
            "patient.export",
            "patient",
            id,
            "ok",
            "fhir-r4",
        ))?;
        Ok(text)
    }

    /// Writes the FHIR export to `path`, whole or not at all (a crash leaves the old file or
    /// the new one). Returns the number of bytes written.
    pub fn export_patient_fhir_to_file(&mut self, id: &str, path: &Path) -> Result<usize> {
        let text = self.export_patient_fhir(id)?;
        let written = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(chairside_store::StoreError::from)
            .and_then(|()| chairside_store::write_atomically(path, text.as_bytes()));
        written.map_err(|e| {
            ApiError::new(
                code::EXPORT_FAILED,
                format!(
                    "could not write {}: {e}; choose another folder",
                    path.display()
                ),
            )
        })?;
        Ok(text.len())
    }

    /// Writes the FHIR export into `dir` as `<file number>-fhir-<date>.json`; returns its path.
    pub fn export_patient_fhir_to_dir(&mut self, id: &str, dir: &Path) -> Result<PathBuf> {
        let file_number = rows::get(self.store()?.conn(), id)?
            .map(|p| p.file_number)
            .unwrap_or_default();
        let (_, today) = self.region_and_today()?;
        let path = dir.join(format!("{file_number}-fhir-{today}.json"));
        self.export_patient_fhir_to_file(id, &path)?;
        Ok(path)
    }

    /// Erases the patient's identity on request (see `chairside_store::erasure` for exactly
    /// what goes and what stays). Irreversible; the clinical records stay under the file number.
    pub fn erase_patient(&mut self, id: &str) -> Result<ErasureReport> {
        let session = self.authorize(P::ErasePatient, "patient.erase")?;
        let (_, today) = self.region_and_today()?;
        let current = rows::get(self.store()?.conn(), id)?.ok_or_else(|| no_patient(id))?;
        refuse_if_erased(&current)?;
        crate::merge_files::refuse_if_merged(self.store()?.conn(), &current)?;
        // The files merged into this one are the same person: the store erases them with it.
        let merged = chairside_store::merged::merged_files(self.store()?.conn(), id)?;
        let user = session.user_id.to_string();
        let now = Utc::now().timestamp_millis();
        self.store_mut()?.write(|w| {
            w.erase_patient(id, now)?;
            w.audit(record(
                &user,
                "patient.erase",
                "patient",
                id,
                "ok",
                &merged.join(","),
            ))?;
            Ok(())
        })?;
        // The patient's DICOM files held here lose the identity in their header now; the others
        // at this PC's next sync (fetched from the relay), or when the PC that holds one merges
        // this erasure, whichever comes first.
        // (The queue is filled by the erasure's hook, when its write commits: marked after.)
        for file in std::iter::once(id).chain(merged.iter().map(String::as_str)) {
            images::fetch_for_identity_removal(self.store()?.conn(), file)?;
        }
        let files = remove_identity_from_files(self.store_mut()?)?;
        let wal_emptied = self.store()?.compact_after_erasure()?;
        let conn = self.store()?.conn();
        let row = rows::get(conn, id)?.ok_or_else(|| no_patient(id))?;
        let retained = vec![
            RetainedCount {
                kind: "medical_item".into(),
                count: medical::for_patient(conn, id)?.len() as u32,
            },
            RetainedCount {
                kind: "chart_entry".into(),
                count: chairside_store::chart::for_patient(conn, id)?.len() as u32,
            },
            RetainedCount {
                kind: "consent".into(),
                count: consents::for_patient(conn, id)?.len() as u32,
            },
        ];
        Ok(ErasureReport {
            patient: self.patient_dto(row, today)?,
            retained,
            wal_emptied,
            files_without_identity: files.rewritten,
            files_elsewhere: files.waiting,
            files_not_rewritable: files.failed,
        })
    }

    /// The patient's history, newest first.
    pub fn patient_timeline(&mut self, id: &str) -> Result<Vec<TimelineEntry>> {
        let session = self.authorize(P::ViewPatients, "timeline.read")?;
        let conn = self.store()?.conn();
        rows::get(conn, id)?.ok_or_else(|| no_patient(id))?;
        let entries = timeline::for_patient(conn, id, TIMELINE_LIMIT)?
            .into_iter()
            .map(|row| TimelineEntry {
                recorded_by: if row.recorded_by.is_empty() {
                    String::new()
                } else {
                    staff_display_name(conn, &row.recorded_by)
                },
                at_ms: row.at_ms,
                kind: row.kind,
                ref_id: row.ref_id,
                label: row.label,
                detail: row.detail,
            })
            .collect();
        let user = session.user_id.to_string();
        self.audit_event(record(&user, "timeline.read", "patient", id, "ok", ""))?;
        Ok(entries)
    }

    /// The patient's photo as base64 JPEG, if any.
    pub fn patient_photo(&mut self, id: &str) -> Result<Option<String>> {
        let session = self.authorize(P::ViewPatients, "patient.photo.read")?;
        let photo = rows::photo(self.store()?.conn(), id)?;
        let user = session.user_id.to_string();
        self.audit_event(record(&user, "patient.photo.read", "patient", id, "ok", ""))?;
        Ok(photo)
    }

    /// Stores a photo from the bytes of a JPEG or PNG file: decoded under a memory cap, scaled
    /// to fit [`PHOTO_SIDE`] pixels and re-encoded, so that no camera metadata (GPS position,
    /// device) is kept and the synced field stays small.
    pub fn set_patient_photo(&mut self, id: &str, file: &[u8]) -> Result<()> {
        let session = self.authorize(P::EditPatients, "patient.photo.update")?;
        let current = rows::get(self.store()?.conn(), id)?.ok_or_else(|| no_patient(id))?;
        refuse_if_erased(&current)?;
        let jpeg = shrink_photo(file)?;
        let encoded = BASE64.encode(jpeg);
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.set_patient_photo(id, &encoded)?;
            w.audit(record(
                &user,
                "patient.photo.update",
                "patient",
                id,
                "ok",
                "",
            ))?;
            Ok(())
        })?;
        Ok(())
    }

    /// [`App::set_patient_photo`] for a file sent as base64 (from the UI).
    pub fn set_patient_photo_base64(&mut self, id: &str, file_base64: &str) -> Result<()> {
        if file_base64.len() > PHOTO_MAX_BYTES / 3 * 4 + 4 {
            return Err(photo_too_big());
        }
        let bytes = BASE64
            .decode(file_base64.trim())
            .map_err(|_| ApiError::invalid("photo", "the file was not sent whole; try again"))?;
        self.set_patient_photo(id, &bytes)
    }

    pub fn remove_patient_photo(&mut self, id: &str) -> Result<()> {
        let session = self.authorize(P::EditPatients, "patient.photo.delete")?;
        rows::get(self.store()?.conn(), id)?.ok_or_else(|| no_patient(id))?;
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.set_patient_photo(id, "")?;
            w.audit(record(
                &user,
                "patient.photo.delete",
                "patient",
                id,
                "ok",
                "",
            ))?;
            Ok(())
        })?;
        Ok(())
    }
}

fn photo_too_big() -> ApiError {
    ApiError::invalid(
        "photo",
        format!(
            "the file is larger than {} MB: choose a smaller picture",
            PHOTO_MAX_BYTES / 1024 / 1024
        ),
    )
}

/// Decodes a JPEG or PNG with bounded memory and returns a small JPEG of it.
fn shrink_photo(file: &[u8]) -> Result<Vec<u8>> {
    if file.len() > PHOTO_MAX_BYTES {
        return Err(photo_too_big());
    }
    let mut reader = ImageReader::new(Cursor::new(file))
        .with_guessed_format()
        .map_err(|_| not_a_photo())?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png)) {
        return Err(not_a_photo());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ApiError::invalid(
            "photo",
            "the picture's dimensions are too large (at most 12000 pixels a side)",
        ),
        _ => ApiError::invalid(
            "photo",
            "the file is damaged or not a complete JPEG or PNG picture",
        ),
    })?;
    let small = image.thumbnail(PHOTO_SIDE, PHOTO_SIDE).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&small)
        .map_err(|e| ApiError::new(code::INTERNAL, format!("encoding the photo: {e}")))?;
    Ok(out)
}

fn not_a_photo() -> ApiError {
    ApiError::invalid("photo", "not a JPEG or PNG picture")
}
