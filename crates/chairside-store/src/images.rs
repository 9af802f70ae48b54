//! Images (`image`) and their annotations (`image_annotation`): written through change capture,
//! read per patient and per image. The bytes themselves are blobs ([`crate::blobs`]).

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::{IMAGE, IMAGE_ANNOTATION};

/// An image row. Spacing and window fields are 0 when the file has none.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ImageRow {
    pub id: String,
    pub patient_id: String,
    pub blob_sha256: String,
    pub format: String,
    pub modality: String,
    pub taken_on: String,
    pub file_name: String,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    pub spacing_row_mm: f64,
    pub spacing_col_mm: f64,
    pub spacing_source: String,
    pub calibration_mm_per_px: f64,
    pub window_center: f64,
    pub window_width: f64,
    /// FDI codes, comma-separated, sorted.
    pub teeth: String,
    pub thumbnail: Vec<u8>,
    pub sop_instance_uid: String,
    pub imported_by: String,
    pub imported_at_ms: i64,
}

const IMAGE_COLUMNS: &str = "id, patient_id, blob_sha256, format, modality, taken_on, file_name, \
    width, height, frames, spacing_row_mm, spacing_col_mm, spacing_source, calibration_mm_per_px, \
    window_center, window_width, teeth, thumbnail, sop_instance_uid, imported_by, imported_at_ms";

fn image_from_row(r: &Row<'_>) -> rusqlite::Result<ImageRow> {
    Ok(ImageRow {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        blob_sha256: r.get(2)?,
        format: r.get(3)?,
        modality: r.get(4)?,
        taken_on: r.get(5)?,
        file_name: r.get(6)?,
        width: r.get(7)?,
        height: r.get(8)?,
        frames: r.get(9)?,
        spacing_row_mm: r.get(10)?,
        spacing_col_mm: r.get(11)?,
        spacing_source: r.get(12)?,
        calibration_mm_per_px: r.get(13)?,
        window_center: r.get(14)?,
        window_width: r.get(15)?,
        teeth: r.get(16)?,
        thumbnail: r.get(17)?,
        sop_instance_uid: r.get(18)?,
        imported_by: r.get(19)?,
        imported_at_ms: r.get(20)?,
    })
}

/// A patient's images, newest first (by date taken, then import time), with those of the files
/// merged into it.
pub fn for_patient(conn: &Connection, patient_id: &str) -> Result<Vec<ImageRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {IMAGE_COLUMNS} FROM image
         WHERE patient_id IN (SELECT value FROM json_each(?1)) AND deleted = 0
         ORDER BY taken_on DESC, imported_at_ms DESC, id"
    ))?;
    Ok(stmt
        .query_map(
            [crate::merged::files_json(conn, patient_id)?],
            image_from_row,
        )?
        .collect::<rusqlite::Result<_>>()?)
}

/// The files (blob hashes) of the images of the patients booked from `from` until `until`
/// (clinic wall-clock times `YYYY-MM-DDTHH:MM`, `until` excluded) whose bytes this PC does not
/// hold whole: what to fetch before those patients sit down, so that their radiographs open at
/// once, and with the network down. The nearest appointment's patient first, each patient's
/// newest images first, each file once. Cancelled and missed appointments bring nothing.
pub fn to_prefetch(conn: &Connection, from: &str, until: &str) -> Result<Vec<String>> {
    let patients: Vec<String> = conn
        .prepare_cached(
            "SELECT patient_id FROM appointment
             WHERE starts_at >= ?1 AND starts_at < ?2 AND status IN ('booked', 'arrived')
             ORDER BY starts_at, id",
        )?
        .query_map([from, until], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut seen_patients = std::collections::HashSet::new();
    let mut seen_files = std::collections::HashSet::new();
    let mut files = Vec::new();
    for patient in patients {
        if !seen_patients.insert(patient.clone()) {
            continue;
        }
        for image in for_patient(conn, &patient)? {
            if !seen_files.insert(image.blob_sha256.clone()) {
                continue;
            }
            let here = crate::blobs::blob_row(conn, &image.blob_sha256)?.is_none_or(|b| b.local);
            if !here {
                files.push(image.blob_sha256);
            }
        }
    }
    Ok(files)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<ImageRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {IMAGE_COLUMNS} FROM image WHERE id = ?1 AND deleted = 0"),
            [id],
            image_from_row,
        )
        .optional()?)
}

/// The patient's image with these bytes, or with this DICOM SOP Instance UID (the same X-ray
/// exported again), if there is one (in the file or a file merged into it).
pub fn find_duplicate(
    conn: &Connection,
    patient_id: &str,
    blob_sha256: &str,
    sop_instance_uid: &str,
) -> Result<Option<ImageRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {IMAGE_COLUMNS} FROM image
                 WHERE patient_id IN (SELECT value FROM json_each(?1)) AND deleted = 0
                 AND (blob_sha256 = ?2 OR (?3 <> '' AND sop_instance_uid = ?3)) LIMIT 1"
            ),
            [
                &crate::merged::files_json(conn, patient_id)?,
                blob_sha256,
                sop_instance_uid,
            ],
            image_from_row,
        )
        .optional()?)
}

/// Other patients holding an image with these bytes (a file imported into the wrong file?).
pub fn other_patients_with_blob(
    conn: &Connection,
    patient_id: &str,
    blob_sha256: &str,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT patient_id FROM image
         WHERE blob_sha256 = ?1 AND patient_id <> ?2 AND deleted = 0",
    )?;
    Ok(stmt
        .query_map([blob_sha256, patient_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// An annotation row; `points` is "x,y;x,y".
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AnnotationRow {
    pub id: String,
    pub image_id: String,
    pub kind: String,
    pub points: String,
    pub note: String,
    pub created_by: String,
    pub created_at_ms: i64,
}

/// An image's annotations, oldest first (the order they were drawn in).
pub fn annotations(conn: &Connection, image_id: &str) -> Result<Vec<AnnotationRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, image_id, kind, points, note, created_by, created_at_ms
         FROM image_annotation WHERE image_id = ?1 AND deleted = 0
         ORDER BY created_at_ms, id",
    )?;
    Ok(stmt
        .query_map([image_id], |r| {
            Ok(AnnotationRow {
                id: r.get(0)?,
                image_id: r.get(1)?,
                kind: r.get(2)?,
                points: r.get(3)?,
                note: r.get(4)?,
                created_by: r.get(5)?,
                created_at_ms: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// The image an annotation is on, if the annotation exists.
pub fn annotation_image(conn: &Connection, annotation_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT image_id FROM image_annotation WHERE id = ?1 AND deleted = 0",
            [annotation_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// An image whose DICOM file may still name its erased patient (migration 0015).
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedIdentityRemoval {
    pub image_id: String,
    pub blob_sha256: String,
    /// What the file's header says instead of the patient: the file number.
    pub pseudonym: String,
    /// The erasure was made on this PC: it fetches the file from the relay if it lacks it.
    pub fetch: bool,
}

/// The images queued for the removal of an erased patient's identity from their DICOM file.
/// An image done on another PC leaves the queue when that change is merged (the image's hook).
pub fn identity_queue(conn: &Connection) -> Result<Vec<QueuedIdentityRemoval>> {
    Ok(conn
        .prepare(
            "SELECT q.image_id, i.blob_sha256, p.file_number, q.fetch
             FROM image_identity_queue q
             JOIN image i ON i.id = q.image_id
             JOIN patient p ON p.id = i.patient_id
             ORDER BY q.image_id",
        )?
        .query_map([], |r| {
            Ok(QueuedIdentityRemoval {
                image_id: r.get(0)?,
                blob_sha256: r.get(1)?,
                pseudonym: r.get(2)?,
                fetch: r.get::<_, i64>(3)? != 0,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// On the PC where a patient was erased: its queued files are to be fetched from the relay when
/// this PC lacks them (see [`QueuedIdentityRemoval::fetch`]).
pub fn fetch_for_identity_removal(conn: &Connection, patient_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE image_identity_queue SET fetch = 1
         WHERE image_id IN (SELECT id FROM image WHERE patient_id = ?1)",
        [patient_id],
    )?;
    Ok(())
}

/// Takes an image off the identity queue without replacing its file (it cannot be rewritten:
/// the caller says so).
pub fn dequeue_identity_removal(conn: &Connection, image_id: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM image_identity_queue WHERE image_id = ?1",
        [image_id],
    )?;
    Ok(())
}

fn entity_id(what: &str, id: &str) -> Result<EntityId> {
    id.parse()
        .map_err(|_| StoreError::InvalidChange(format!("{what} id {id:?} is not a UUID")))
}

impl Writer<'_> {
    pub fn insert_image(&mut self, i: &ImageRow) -> Result<()> {
        self.set(
            &IMAGE,
            entity_id("image", &i.id)?,
            &[
                ("patient_id", Value::Text(i.patient_id.clone())),
                ("blob_sha256", Value::Text(i.blob_sha256.clone())),
                ("format", Value::Text(i.format.clone())),
                ("modality", Value::Text(i.modality.clone())),
                ("taken_on", Value::Text(i.taken_on.clone())),
                ("file_name", Value::Text(i.file_name.clone())),
                ("width", Value::Integer(i64::from(i.width))),
                ("height", Value::Integer(i64::from(i.height))),
                ("frames", Value::Integer(i64::from(i.frames))),
                ("spacing_row_mm", Value::Real(i.spacing_row_mm)),
                ("spacing_col_mm", Value::Real(i.spacing_col_mm)),
                ("spacing_source", Value::Text(i.spacing_source.clone())),
                (
                    "calibration_mm_per_px",
                    Value::Real(i.calibration_mm_per_px),
                ),
                ("window_center", Value::Real(i.window_center)),
                ("window_width", Value::Real(i.window_width)),
                ("teeth", Value::Text(i.teeth.clone())),
                ("thumbnail", Value::Blob(i.thumbnail.clone())),
                ("sop_instance_uid", Value::Text(i.sop_instance_uid.clone())),
                ("imported_by", Value::Text(i.imported_by.clone())),
                ("imported_at_ms", Value::Integer(i.imported_at_ms)),
            ],
        )
    }

    pub fn set_image_teeth(&mut self, image_id: &str, teeth: &str) -> Result<()> {
        self.set(
            &IMAGE,
            entity_id("image", image_id)?,
            &[("teeth", Value::Text(teeth.to_string()))],
        )
    }

    /// Saves a calibration (mm per pixel); 0 removes it.
    pub fn set_image_calibration(&mut self, image_id: &str, mm_per_px: f64) -> Result<()> {
        self.set(
            &IMAGE,
            entity_id("image", image_id)?,
            &[("calibration_mm_per_px", Value::Real(mm_per_px))],
        )
    }

    /// Points an erased patient's image at its file without the identity (`new_sha256`, stored
    /// by `put_blob` in this same write) and marks it done (synced). The image's hook then takes
    /// it off the queue and forgets the old file when no other image names it, here as on every
    /// PC that merges this; the old file is queued for deletion at the relay.
    pub fn replace_image_file(&mut self, image_id: &str, new_sha256: &str) -> Result<()> {
        let old: String = self.conn().query_row(
            "SELECT blob_sha256 FROM image WHERE id = ?1",
            [image_id],
            |r| r.get(0),
        )?;
        self.set(
            &IMAGE,
            entity_id("image", image_id)?,
            &[
                ("blob_sha256", Value::Text(new_sha256.to_string())),
                ("identity_removed", Value::Integer(1)),
            ],
        )?;
        if old != new_sha256 {
            self.conn().execute(
                "INSERT OR IGNORE INTO blob_retired (sha256)
                 SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM image WHERE blob_sha256 = ?1)",
                [&old],
            )?;
        }
        Ok(())
    }

    pub fn delete_image(&mut self, image_id: &str) -> Result<()> {
        self.tombstone(&IMAGE, entity_id("image", image_id)?)
    }

    pub fn insert_annotation(&mut self, a: &AnnotationRow) -> Result<()> {
        self.set(
            &IMAGE_ANNOTATION,
            entity_id("annotation", &a.id)?,
            &[
                ("image_id", Value::Text(a.image_id.clone())),
                ("kind", Value::Text(a.kind.clone())),
                ("points", Value::Text(a.points.clone())),
                ("note", Value::Text(a.note.clone())),
                ("created_by", Value::Text(a.created_by.clone())),
                ("created_at_ms", Value::Integer(a.created_at_ms)),
            ],
        )
    }

    pub fn delete_annotation(&mut self, annotation_id: &str) -> Result<()> {
        self.tombstone(&IMAGE_ANNOTATION, entity_id("annotation", annotation_id)?)
    }
}
