//! What an import reads: the files a path stands for (a file, a folder, a DICOMDIR), what each
//! file says about itself from its header ([`describe`]), and one decoded frame of any supported
//! file ([`frame_pixels`], run in the decode worker by the app).

use std::path::{Component, Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;

use crate::frame::FramePixels;
use crate::sensor::{self, SensorImage};
use crate::{DicomImage, ImagingError, Limits, Result};

/// The most files one import may name: a CD of a whole practice's archive is split up.
pub const MAX_IMPORT_FILES: usize = 10_000;

/// The kind of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Dicom,
    Png,
    Jpeg,
    Tiff,
}

impl SourceFormat {
    pub fn code(self) -> &'static str {
        match self {
            SourceFormat::Dicom => "dicom",
            SourceFormat::Png => "png",
            SourceFormat::Jpeg => "jpeg",
            SourceFormat::Tiff => "tiff",
        }
    }

    pub fn from_code(code: &str) -> Option<SourceFormat> {
        [Self::Dicom, Self::Png, Self::Jpeg, Self::Tiff]
            .into_iter()
            .find(|f| f.code() == code)
    }

    pub fn media_type(self) -> &'static str {
        match self {
            SourceFormat::Dicom => "application/dicom",
            SourceFormat::Png => "image/png",
            SourceFormat::Jpeg => "image/jpeg",
            SourceFormat::Tiff => "image/tiff",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            SourceFormat::Dicom => "dcm",
            SourceFormat::Png => "png",
            SourceFormat::Jpeg => "jpg",
            SourceFormat::Tiff => "tif",
        }
    }
}

/// Where a file's pixel spacing comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpacingKind {
    PixelSpacing,
    ImagerPixelSpacing,
}

/// What a file says about itself, read from its header without decoding the pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Description {
    pub format: SourceFormat,
    pub rows: u32,
    pub columns: u32,
    pub frames: u32,
    pub modality: Option<String>,
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    /// YYYY-MM-DD: acquisition, else content, else study date.
    pub taken_on: Option<String>,
    /// [row, column] mm per pixel.
    pub spacing: Option<([f64; 2], SpacingKind)>,
    /// [centre, width].
    pub window: Option<[f64; 2]>,
    pub sop_instance_uid: Option<String>,
}

/// Reads what a file holds (see [`Description`]). A DICOM file without pixels, a DICOMDIR or a
/// file of another kind is refused with the reason.
pub fn describe(bytes: &[u8], limits: Limits) -> Result<Description> {
    if let Some(format) = sensor::sniff(bytes) {
        let (_, columns, rows) = SensorImage::dimensions(bytes, limits)?;
        return Ok(Description {
            format: match format {
                image::ImageFormat::Png => SourceFormat::Png,
                image::ImageFormat::Jpeg => SourceFormat::Jpeg,
                _ => SourceFormat::Tiff,
            },
            rows,
            columns,
            frames: 1,
            modality: None,
            patient_id: None,
            patient_name: None,
            taken_on: None,
            spacing: None,
            window: None,
            sop_instance_uid: None,
        });
    }
    let image = DicomImage::from_bytes(bytes, limits).map_err(|e| match e {
        ImagingError::NotDicom(_) => ImagingError::UnknownFormat,
        other => other,
    })?;
    let info = image.info()?;
    let spacing_kind = if image.floats_of(tags::PIXEL_SPACING).is_some_and(usable) {
        SpacingKind::PixelSpacing
    } else {
        SpacingKind::ImagerPixelSpacing
    };
    let taken_on = [tags::ACQUISITION_DATE, tags::CONTENT_DATE, tags::STUDY_DATE]
        .into_iter()
        .find_map(|t| image.text_of(t).and_then(|d| dicom_date(&d)));
    Ok(Description {
        format: SourceFormat::Dicom,
        rows: info.rows,
        columns: info.columns,
        frames: info.frames,
        modality: info.modality,
        patient_id: info.patient_id,
        patient_name: info.patient_name,
        taken_on,
        spacing: info.pixel_spacing.map(|s| (s, spacing_kind)),
        window: info.window,
        sop_instance_uid: image.text_of(tags::SOP_INSTANCE_UID),
    })
}

fn usable(s: Vec<f64>) -> bool {
    s.len() >= 2 && s[0] > 0.0 && s[1] > 0.0
}

/// A DICOM date (YYYYMMDD) as YYYY-MM-DD, if it is one.
fn dicom_date(text: &str) -> Option<String> {
    let t = text.trim();
    let ok = t.len() == 8
        && t.bytes().all(|b| b.is_ascii_digit())
        && (1..=12).contains(&t[4..6].parse::<u32>().ok()?)
        && (1..=31).contains(&t[6..8].parse::<u32>().ok()?);
    ok.then(|| format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..8]))
}

/// Decodes one frame of a DICOM or sensor file for the viewer.
pub fn frame_pixels(bytes: &[u8], frame: u32, limits: Limits) -> Result<FramePixels> {
    if sensor::sniff(bytes).is_some() {
        if frame > 0 {
            return Err(ImagingError::NoSuchFrame { frame, frames: 1 });
        }
        return Ok(SensorImage::decode(bytes, limits)?.frame_pixels());
    }
    DicomImage::from_bytes(bytes, limits)?.frame_pixels(frame)
}

/// The files an import of `path` covers: the file itself; for a DICOMDIR, the files it
/// references; for a folder, its DICOMDIR's files if it has one, else every file below it
/// (hidden files and symbolic links skipped), in name order.
pub fn collect_files(path: &Path) -> Result<Vec<PathBuf>> {
    let io = |p: &Path, e: std::io::Error| ImagingError::Io {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    if meta.is_file() {
        return if is_dicomdir_name(path) {
            dicomdir_files(path)
        } else {
            Ok(vec![path.to_path_buf()])
        };
    }
    let dicomdir = path.join("DICOMDIR");
    if dicomdir.is_file() {
        return dicomdir_files(&dicomdir);
    }
    let mut files = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&folder)
            .map_err(|e| io(&folder, e))?
            .filter_map(|e| e.ok())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries.into_iter().rev() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() && !is_dicomdir_name(&entry.path()) {
                files.push(entry.path());
            }
        }
        if files.len() > MAX_IMPORT_FILES {
            return Err(too_many());
        }
    }
    files.sort();
    Ok(files)
}

fn too_many() -> ImagingError {
    ImagingError::TooLarge(format!(
        "more than {MAX_IMPORT_FILES} files: import the folder in parts"
    ))
}

fn is_dicomdir_name(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("DICOMDIR"))
}

/// The files a DICOMDIR references, resolved next to it. A reference that leaves the folder
/// (`..`, an absolute path) is ignored.
fn dicomdir_files(dicomdir: &Path) -> Result<Vec<PathBuf>> {
    let bad = |reason: String| ImagingError::Malformed(format!("DICOMDIR: {reason}"));
    let object = OpenFileOptions::new()
        .open_file(dicomdir)
        .map_err(|e| bad(e.to_string()))?;
    let records = object
        .element(tags::DIRECTORY_RECORD_SEQUENCE)
        .map_err(|_| bad("it has no directory records".into()))?;
    let items = records
        .items()
        .ok_or_else(|| bad("its directory records are not a sequence".into()))?;
    let base = dicomdir.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    for item in items {
        let Ok(id) = item.element(tags::REFERENCED_FILE_ID) else {
            continue;
        };
        let Ok(parts) = id.to_multi_str() else {
            continue;
        };
        let relative: PathBuf = parts
            .iter()
            .map(|p| p.trim_end_matches(['\0', ' ']).trim())
            .filter(|p| !p.is_empty())
            .collect();
        if relative.as_os_str().is_empty()
            || relative
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            continue;
        }
        files.push(base.join(relative));
        if files.len() > MAX_IMPORT_FILES {
            return Err(too_many());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dicom_dates_become_iso_dates() {
        assert_eq!(dicom_date("20240131").as_deref(), Some("2024-01-31"));
        assert_eq!(dicom_date("2024013"), None);
        assert_eq!(dicom_date("20241301"), None);
        assert_eq!(dicom_date("2024-01-31"), None);
    }
}
