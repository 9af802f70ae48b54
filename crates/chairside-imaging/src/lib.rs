//! Chairside's imaging: reading DICOM files (and, later, the PNG/JPEG/TIFF of sensors that do
//! not export DICOM) from untrusted bytes with bounded memory, and rendering a frame the way
//! DICOM's grayscale pipeline prescribes. No database, no Tauri: the app stores and shows what
//! this crate decodes.
//!
//! * [`DicomImage::open`] reads a Part 10 file, or a bare data set without the file meta header
//!   (implicit, then explicit VR little endian are tried). The file's size and the pixel data's
//!   declared geometry are checked against [`Limits`] before anything large is allocated.
//! * [`DicomImage::info`] says what the file holds ([`ImageInfo`], the `image info` contract).
//! * [`DicomImage::render`] gives an 8-bit image of one frame: for grayscale, the Modality LUT
//!   (rescale slope and intercept), then the VOI window given, else the file's first window,
//!   else the full range of the frame's values, then MONOCHROME1 inversion; colour (RGB, YBR
//!   and palette colour) as RGB.
//!
//! Decoding is dicom-rs (`dicom-pixeldata`): every transfer syntax it decodes (native little and
//! big endian, deflate, RLE, JPEG baseline/extended/lossless, JPEG-LS through CharLS, JPEG 2000
//! through the openjp2 port). A panic inside a decoder on hostile bytes is caught and reported as
//! a bad file, so one bad file never takes the app down.

mod codestream;
mod frame;
mod identity;
pub mod isolated;
pub mod measure;
mod pipeline;
mod prescan;
mod sensor;
pub mod sources;

use std::io::Read;
use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{
    DefaultDicomObject, FileMetaTable, FileMetaTableBuilder, InMemDicomObject, OpenFileOptions,
};
use dicom_pixeldata::PixelDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxIndex as _;
use serde::Serialize;

pub use frame::{FrameHeader, FramePixels, FrameSamples};
pub use pipeline::{Rendered, Window};
pub use sensor::SensorImage;

/// Bounds on what a file may make this process allocate.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest file read.
    pub max_file_bytes: u64,
    /// The largest decoded pixel data (all frames, as stored).
    pub max_pixel_bytes: u64,
    /// The largest side of a frame.
    pub max_side: u32,
}

impl Default for Limits {
    /// A CBCT series file or a long cine loop fits; a header claiming more is refused.
    fn default() -> Self {
        Self {
            max_file_bytes: 2 * 1024 * 1024 * 1024,
            max_pixel_bytes: 1024 * 1024 * 1024,
            max_side: 65_535,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    #[error("cannot read {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("not a DICOM file ({0})")]
    NotDicom(String),
    #[error("not a DICOM, PNG, JPEG or TIFF file: Chairside cannot read this kind of file")]
    UnknownFormat,
    #[error("truncated file: {0}")]
    Truncated(String),
    #[error("this DICOM file holds no image (no pixel data){}", .0.as_deref().map(|m| format!("; its modality is {m}")).unwrap_or_default())]
    NoPixelData(Option<String>),
    #[error("this is a DICOMDIR (an index of a folder): import the folder that holds it")]
    Dicomdir,
    #[error("unsupported transfer syntax {uid}{}", if .name.is_empty() { String::new() } else { format!(" ({})", .name) })]
    UnsupportedTransferSyntax { uid: String, name: String },
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("frame {frame} does not exist: the file has {frames} frame(s), numbered from 0")]
    NoSuchFrame { frame: u32, frames: u32 },
    #[error("malformed image: {0}")]
    Malformed(String),
    /// A refusal reported by a decode worker ([`isolated`]), in its own words.
    #[error("{0}")]
    Refused(String),
    /// dicom-rs could not encode the file again (its transfer syntax has no writer).
    #[error("the file cannot be written again without the patient's identity ({0})")]
    CannotRewrite(String),
}

pub type Result<T, E = ImagingError> = std::result::Result<T, E>;

/// What a DICOM file holds: the `chairside image info --json` object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImageInfo {
    /// The transfer syntax UID.
    pub transfer_syntax: String,
    pub rows: u32,
    pub columns: u32,
    pub frames: u32,
    pub samples_per_pixel: u16,
    pub photometric_interpretation: String,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    /// [row spacing, column spacing] in mm, from Pixel Spacing or else Imager Pixel Spacing.
    pub pixel_spacing: Option<[f64; 2]>,
    /// The file's first VOI window: [centre, width].
    pub window: Option<[f64; 2]>,
    pub modality: Option<String>,
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    pub study_date: Option<String>,
}

/// A DICOM file read into memory (within [`Limits`]).
pub struct DicomImage {
    object: DefaultDicomObject,
    limits: Limits,
}

impl std::fmt::Debug for DicomImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DicomImage").finish_non_exhaustive()
    }
}

/// Runs a decoder step, turning a panic on hostile bytes into an error.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(ImagingError::Malformed(format!(
            "the decoder failed on this file's {what}"
        )))
    })
}

/// The whole chain of an error's causes, as one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn looks_truncated(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "unexpected end",
        "eof",
        "fill whole buffer",
        "end of file",
        "truncat",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

/// A file that has the DICOM header but whose data set cannot be read: cut short, or damaged.
fn read_error(e: &(dyn std::error::Error + 'static)) -> ImagingError {
    let text = chain(e);
    if looks_truncated(&text) {
        ImagingError::Truncated(format!("the file ends before its data does ({text})"))
    } else {
        ImagingError::Malformed(text)
    }
}

impl DicomImage {
    /// Reads a DICOM file from disk.
    pub fn open(path: &Path, limits: Limits) -> Result<DicomImage> {
        let io = |e: std::io::Error| ImagingError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > limits.max_file_bytes {
            return Err(ImagingError::TooLarge(format!(
                "the file has {size} bytes, more than the {} accepted",
                limits.max_file_bytes
            )));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(limits.max_file_bytes)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        Self::from_bytes(&bytes, limits)
    }

    /// Reads a DICOM file from memory.
    pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<DicomImage> {
        let mut object = guarded("header", || Self::parse(bytes, limits))?;
        // A Number of Frames that is not a number ("1A") is read as one frame, as DCMTK does,
        // rather than refusing an image that is otherwise fine.
        if object
            .element(tags::NUMBER_OF_FRAMES)
            .is_ok_and(|e| e.to_int::<i64>().is_err())
        {
            object.put(DataElement::new(
                tags::NUMBER_OF_FRAMES,
                VR::IS,
                PrimitiveValue::from("1"),
            ));
        }
        let image = DicomImage { object, limits };
        if image.is_dicomdir() {
            return Err(ImagingError::Dicomdir);
        }
        Ok(image)
    }

    fn parse(bytes: &[u8], limits: Limits) -> Result<DefaultDicomObject> {
        let has_magic = bytes.len() >= 132 && &bytes[128..132] == b"DICM";
        if has_magic {
            return match prescan::check_part10(&bytes[132..])? {
                prescan::Part10::Checked => OpenFileOptions::new()
                    .from_reader(&bytes[128..])
                    .map_err(|e| read_error(&e)),
                prescan::Part10::Deflated { data_set_at } => {
                    Self::parse_deflated(bytes, 132 + data_set_at, limits)
                }
            };
        }
        // A bare data set: no preamble, no meta header. Guess the encoding from the first
        // element's bytes: explicit VR has two ASCII letters after the tag.
        let explicit =
            bytes.len() >= 6 && bytes[4].is_ascii_uppercase() && bytes[5].is_ascii_uppercase();
        let (ts, uid) = if explicit {
            (
                dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
                "1.2.840.10008.1.2.1",
            )
        } else {
            (
                dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased(),
                "1.2.840.10008.1.2",
            )
        };
        prescan::check_bare(bytes, explicit).map_err(|e| {
            ImagingError::NotDicom(format!(
                "no DICOM file header, and no data set could be read from the start of the file ({e})"
            ))
        })?;
        let dataset = InMemDicomObject::read_dataset_with_ts(bytes, &ts).map_err(|e| {
            ImagingError::NotDicom(format!(
                "no DICOM file header, and no data set could be read from the start of the file ({})",
                chain(&e)
            ))
        })?;
        let sop_class = text_of(&dataset, tags::SOP_CLASS_UID).unwrap_or_default();
        let sop_instance = text_of(&dataset, tags::SOP_INSTANCE_UID).unwrap_or_default();
        if sop_class.is_empty() && dataset.element(tags::PIXEL_DATA).is_err() {
            return Err(ImagingError::NotDicom(
                "no DICOM header and no DICOM data set found".into(),
            ));
        }
        let meta = FileMetaTableBuilder::new()
            .transfer_syntax(uid)
            .media_storage_sop_class_uid(if sop_class.is_empty() {
                "1.2.840.10008.5.1.4.1.1.7"
            } else {
                sop_class.as_str()
            })
            .media_storage_sop_instance_uid(if sop_instance.is_empty() {
                "2.25.0"
            } else {
                sop_instance.as_str()
            })
            .build()
            .map_err(|e| ImagingError::NotDicom(e.to_string()))?;
        Ok(dataset.with_exact_meta(meta))
    }

    /// A deflated file: the data set is inflated here, under a bound, and walked like any other
    /// before dicom-rs reads it. Left to dicom-rs, a length declared inside the compressed
    /// stream was reserved before anything was read (3 GB for a 4 KB file, found by cargo fuzz).
    fn parse_deflated(
        bytes: &[u8],
        data_set_at: usize,
        limits: Limits,
    ) -> Result<DefaultDicomObject> {
        let meta =
            FileMetaTable::from_reader(&bytes[128..data_set_at]).map_err(|e| read_error(&e))?;
        // An inflated data set holds the pixels and the header: no more than the largest
        // pixel data plus the largest file.
        let bound = limits.max_pixel_bytes.saturating_add(limits.max_file_bytes);
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(&bytes[data_set_at..])
            .take(bound.saturating_add(1))
            .read_to_end(&mut inflated)
            .map_err(|e| {
                ImagingError::Malformed(format!("the deflated data set cannot be inflated ({e})"))
            })?;
        if inflated.len() as u64 > bound {
            return Err(ImagingError::TooLarge(format!(
                "the deflated data set inflates to more than {bound} bytes"
            )));
        }
        prescan::check_inflated(&inflated)?;
        let ts = dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased();
        let dataset = InMemDicomObject::read_dataset_with_ts(inflated.as_slice(), &ts)
            .map_err(|e| read_error(&e))?;
        Ok(dataset.with_exact_meta(meta))
    }

    fn is_dicomdir(&self) -> bool {
        self.object.meta().media_storage_sop_class_uid() == "1.2.840.10008.1.3.10"
            || self.object.element(tags::DIRECTORY_RECORD_SEQUENCE).is_ok()
    }

    fn text(&self, tag: Tag) -> Option<String> {
        text_of(&self.object, tag)
    }

    fn int(&self, tag: Tag) -> Option<i64> {
        self.object.element(tag).ok()?.to_int::<i64>().ok()
    }

    fn floats(&self, tag: Tag) -> Option<Vec<f64>> {
        self.object.element(tag).ok()?.to_multi_float64().ok()
    }

    pub(crate) fn text_of(&self, tag: Tag) -> Option<String> {
        self.text(tag)
    }

    pub(crate) fn floats_of(&self, tag: Tag) -> Option<Vec<f64>> {
        self.floats(tag)
    }

    /// The transfer syntax UID, without padding.
    pub fn transfer_syntax(&self) -> String {
        self.object
            .meta()
            .transfer_syntax()
            .trim_end_matches(['\0', ' '])
            .to_string()
    }

    /// What the file holds, read from its header alone.
    pub fn info(&self) -> Result<ImageInfo> {
        self.geometry()?;
        let window = match (
            self.floats(tags::WINDOW_CENTER),
            self.floats(tags::WINDOW_WIDTH),
        ) {
            (Some(c), Some(w)) if !c.is_empty() && !w.is_empty() => Some([c[0], w[0]]),
            _ => None,
        };
        let spacing = self
            .floats(tags::PIXEL_SPACING)
            .or_else(|| self.floats(tags::IMAGER_PIXEL_SPACING))
            .filter(|s| s.len() >= 2 && s[0] > 0.0 && s[1] > 0.0)
            .map(|s| [s[0], s[1]]);
        Ok(ImageInfo {
            transfer_syntax: self.transfer_syntax(),
            rows: self.int(tags::ROWS).unwrap_or(0) as u32,
            columns: self.int(tags::COLUMNS).unwrap_or(0) as u32,
            frames: self.frames(),
            samples_per_pixel: self.int(tags::SAMPLES_PER_PIXEL).unwrap_or(1) as u16,
            photometric_interpretation: self
                .text(tags::PHOTOMETRIC_INTERPRETATION)
                .unwrap_or_default(),
            bits_allocated: self.int(tags::BITS_ALLOCATED).unwrap_or(0) as u16,
            bits_stored: self.int(tags::BITS_STORED).unwrap_or(0) as u16,
            pixel_spacing: spacing,
            window,
            modality: self.text(tags::MODALITY),
            patient_id: self.text(tags::PATIENT_ID),
            patient_name: self.text(tags::PATIENT_NAME),
            study_date: self.text(tags::STUDY_DATE),
        })
    }

    fn frames(&self) -> u32 {
        self.int(tags::NUMBER_OF_FRAMES)
            .filter(|n| *n > 0)
            .unwrap_or(1) as u32
    }

    /// Checks the pixel data's declared geometry against the limits, before any decoding.
    fn geometry(&self) -> Result<()> {
        if self.object.element(tags::PIXEL_DATA).is_err() {
            let kind = self.text(tags::MODALITY).filter(|m| !m.is_empty());
            return Err(ImagingError::NoPixelData(kind));
        }
        let ts = self.transfer_syntax();
        match dicom_transfer_syntax_registry::TransferSyntaxRegistry.get(&ts) {
            Some(entry) if entry.can_decode_all() || entry.is_codec_free() => {}
            Some(entry) => {
                return Err(ImagingError::UnsupportedTransferSyntax {
                    uid: ts,
                    name: entry.name().to_string(),
                });
            }
            None => {
                return Err(ImagingError::UnsupportedTransferSyntax {
                    uid: ts,
                    name: String::new(),
                });
            }
        }
        let rows = self.int(tags::ROWS).unwrap_or(0);
        let columns = self.int(tags::COLUMNS).unwrap_or(0);
        let side = i64::from(self.limits.max_side);
        if rows <= 0 || columns <= 0 || rows > side || columns > side {
            return Err(ImagingError::TooLarge(format!(
                "{rows} x {columns} pixels is not a valid image size"
            )));
        }
        let bits = self.int(tags::BITS_ALLOCATED).unwrap_or(0);
        if !matches!(bits, 1 | 8 | 16 | 32) {
            return Err(ImagingError::Malformed(format!(
                "{bits} bits allocated per sample"
            )));
        }
        let samples = self.int(tags::SAMPLES_PER_PIXEL).unwrap_or(1).clamp(1, 4);
        let bytes = (rows as u64)
            .saturating_mul(columns as u64)
            .saturating_mul(u64::from(self.frames()))
            .saturating_mul(samples as u64)
            .saturating_mul((bits as u64).div_ceil(8));
        if bytes > self.limits.max_pixel_bytes {
            return Err(ImagingError::TooLarge(format!(
                "the pixel data would take {} MiB decoded, more than the {} MiB accepted",
                bytes >> 20,
                self.limits.max_pixel_bytes >> 20
            )));
        }
        Ok(())
    }

    /// Renders one frame (numbered from 0) to 8 bits per sample.
    pub fn render(&self, frame: u32, window: Option<Window>) -> Result<Rendered> {
        Ok(match self.decode_frame(frame)? {
            pipeline::Decoded::Gray {
                width,
                height,
                values,
            } => pipeline::grayscale(&self.object, &values, width, height, window),
            pipeline::Decoded::Colour(rendered) => rendered,
        })
    }

    /// One frame for the viewer: stored grayscale values with their modality mapping and the
    /// default window, or RGB (see [`FramePixels`]).
    pub fn frame_pixels(&self, frame: u32) -> Result<FramePixels> {
        if let Some(fast) = self.stored_frame(frame)? {
            return Ok(fast);
        }
        self.frame_pixels_from_values(frame)
    }

    /// [`DicomImage::frame_pixels`] through modality values in `f64`: any layout, slower.
    pub fn frame_pixels_from_values(&self, frame: u32) -> Result<FramePixels> {
        let invert = self.text(tags::PHOTOMETRIC_INTERPRETATION).as_deref() == Some("MONOCHROME1");
        Ok(match self.decode_frame(frame)? {
            pipeline::Decoded::Gray {
                width,
                height,
                values,
            } => {
                let window = pipeline::file_window(&self.object)
                    .unwrap_or_else(|| pipeline::full_range(&values));
                FramePixels::from_values(width, height, &values, window, invert)
            }
            pipeline::Decoded::Colour(rendered) => FramePixels::from_rgb(rendered),
        })
    }

    /// The common case of an X-ray, without going through `f64`: 8 or 16 bits of grayscale
    /// with a linear rescale. The stored values are sent as they are (masked to Bits Stored;
    /// signed ones shifted by 32768) and the rescale becomes the frame's modality mapping.
    /// `None` for any other layout.
    fn stored_frame(&self, frame: u32) -> Result<Option<FramePixels>> {
        self.geometry()?;
        let photometric = self
            .text(tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_default();
        let bits = self.int(tags::BITS_ALLOCATED).unwrap_or(0);
        let simple = matches!(photometric.as_str(), "MONOCHROME1" | "MONOCHROME2")
            && matches!(bits, 8 | 16)
            && self.int(tags::SAMPLES_PER_PIXEL).unwrap_or(1) == 1
            && self.object.element(tags::MODALITY_LUT_SEQUENCE).is_err()
            // Big endian data may stay big endian in the decoded buffer.
            && self.transfer_syntax() != "1.2.840.10008.1.2.2";
        if !simple {
            return Ok(None);
        }
        let frames = self.frames();
        if frame >= frames {
            return Err(ImagingError::NoSuchFrame { frame, frames });
        }
        if let Some(jpeg) = self.lossy_jpeg_frame(frame)? {
            let stored = self.jpeg_stored(&jpeg);
            return Ok(Some(self.gray_frame(jpeg.width, jpeg.height, stored)));
        }
        let decoded = self.decode_with_dicom_rs(frame)?;
        let (width, height) = (decoded.columns(), decoded.rows());
        let data = decoded
            .frame_data(0)
            .map_err(|e| ImagingError::Malformed(e.to_string()))?;
        let to_stored = self.stored_value(u32::from(decoded.bits_stored()).clamp(1, bits as u32));
        let stored: Vec<u16> = if bits == 8 {
            data.iter().map(|&b| to_stored(u32::from(b))).collect()
        } else {
            data.chunks_exact(2)
                .map(|c| to_stored(u32::from(u16::from_le_bytes([c[0], c[1]]))))
                .collect()
        };
        if stored.len() as u64 != u64::from(width) * u64::from(height) {
            return Ok(None);
        }
        Ok(Some(self.gray_frame(width, height, stored)))
    }

    /// How a raw sample becomes a stored value: masked to Bits Stored and, when signed,
    /// sign-extended then shifted into 0..65535.
    fn stored_value(&self, bits_stored: u32) -> impl Fn(u32) -> u16 + use<> {
        let signed = self.int(tags::PIXEL_REPRESENTATION) == Some(1);
        let mask: u32 = (1u32 << bits_stored) - 1;
        let shift = 32 - bits_stored;
        move |raw: u32| -> u16 {
            let v = raw & mask;
            if signed {
                (((v << shift) as i32 >> shift) + 32_768) as u16
            } else {
                v as u16
            }
        }
    }

    /// A grayscale JPEG frame's samples as stored values.
    fn jpeg_stored(&self, jpeg: &chairside_jpeg::Decoded) -> Vec<u16> {
        let bits_stored =
            (self.int(tags::BITS_STORED).unwrap_or(0) as u32).clamp(1, u32::from(jpeg.precision));
        let to_stored = self.stored_value(bits_stored);
        jpeg.samples
            .values()
            .map(|s| to_stored(u32::from(s)))
            .collect()
    }

    /// The linear map from stored values (as `stored_value` makes them) to modality units:
    /// the file's rescale, with the 32768 shift of signed values folded into the offset.
    fn stored_to_modality(&self) -> (f64, f64) {
        let signed = self.int(tags::PIXEL_REPRESENTATION) == Some(1);
        let first = |tag| self.floats(tag).and_then(|v| v.first().copied());
        let slope = first(tags::RESCALE_SLOPE)
            .filter(|s| s.is_finite() && *s != 0.0)
            .unwrap_or(1.0);
        let intercept = first(tags::RESCALE_INTERCEPT)
            .filter(|i| i.is_finite())
            .unwrap_or(0.0);
        let offset = if signed {
            intercept - 32_768.0 * slope
        } else {
            intercept
        };
        (slope, offset)
    }

    /// Stored values with the file's linear rescale as the frame's modality mapping, its range
    /// and default window.
    fn gray_frame(&self, width: u32, height: u32, stored: Vec<u16>) -> FramePixels {
        let photometric = self
            .text(tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_default();
        let (slope, offset) = self.stored_to_modality();
        let (lo, hi) = stored
            .iter()
            .fold((u16::MAX, u16::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (a, b) = (
            slope * f64::from(lo) + offset,
            slope * f64::from(hi) + offset,
        );
        let (min, max) = if a <= b { (a, b) } else { (b, a) };
        let window =
            pipeline::file_window(&self.object).unwrap_or(pipeline::min_max_window(min, max));
        FramePixels {
            width,
            height,
            invert: photometric == "MONOCHROME1",
            scale: slope,
            offset,
            window,
            min,
            max,
            samples: FrameSamples::Gray(stored),
        }
    }

    fn decode_frame(&self, frame: u32) -> Result<pipeline::Decoded> {
        self.geometry()?;
        let frames = self.frames();
        if frame >= frames {
            return Err(ImagingError::NoSuchFrame { frame, frames });
        }
        let native = dicom_transfer_syntax_registry::TransferSyntaxRegistry
            .get(&self.transfer_syntax())
            .is_some_and(|ts| !ts.is_encapsulated_pixel_data());
        let photometric = self
            .text(tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_default();
        let bits = self.int(tags::BITS_ALLOCATED).unwrap_or(0);
        let (width, height) = (
            self.int(tags::COLUMNS).unwrap_or(0) as u32,
            self.int(tags::ROWS).unwrap_or(0) as u32,
        );
        // Layouts dicom-pixeldata does not unpack (1 and 32 bits allocated, native YBR 4:2:2):
        // read from the raw bytes.
        let samples = self.int(tags::SAMPLES_PER_PIXEL).unwrap_or(1);
        if native
            && (bits == 1
                || bits == 32 && samples == 1
                || photometric == "YBR_FULL_422" && bits == 8)
        {
            return guarded("pixel values", || {
                let raw = self
                    .object
                    .element(tags::PIXEL_DATA)
                    .map_err(|_| ImagingError::NoPixelData(None))?
                    .to_bytes()
                    .map_err(|e| ImagingError::Malformed(e.to_string()))?;
                if bits == 1 || bits == 32 {
                    let values = if bits == 1 {
                        pipeline::one_bit_values(&raw, frame, width, height)?
                    } else {
                        pipeline::thirty_two_bit_values(
                            &raw,
                            frame,
                            width,
                            height,
                            pipeline::Stored32 {
                                signed: self.int(tags::PIXEL_REPRESENTATION) == Some(1),
                                big_endian: self.transfer_syntax() == "1.2.840.10008.1.2.2",
                                slope: self
                                    .floats(tags::RESCALE_SLOPE)
                                    .and_then(|v| v.first().copied())
                                    .unwrap_or(1.0),
                                intercept: self
                                    .floats(tags::RESCALE_INTERCEPT)
                                    .and_then(|v| v.first().copied())
                                    .unwrap_or(0.0),
                            },
                        )?
                    };
                    Ok(pipeline::Decoded::Gray {
                        width,
                        height,
                        values,
                    })
                } else {
                    pipeline::ybr_full_422(&raw, frame, width, height)
                        .map(pipeline::Decoded::Colour)
                }
            });
        }
        if let Some(jpeg) = self.lossy_jpeg_frame(frame)? {
            return self.decoded_from_jpeg(jpeg);
        }
        let decoded = self.decode_with_dicom_rs(frame)?;
        guarded("pixel values", || pipeline::decode(&self.object, &decoded))
    }

    /// One frame decoded by dicom-pixeldata, after the checks that keep its codecs from sizing
    /// buffers from hostile headers.
    fn decode_with_dicom_rs(&self, frame: u32) -> Result<dicom_pixeldata::DecodedPixelData<'_>> {
        self.check_rle_headers()?;
        self.check_codestream_sizes()?;
        guarded("pixel data", || {
            self.object
                .decode_pixel_data_frame(frame)
                .map_err(|e| decode_error(&self.transfer_syntax(), e))
        })
    }

    /// The fragments of encapsulated pixel data; none for native pixel data or none at all.
    fn pixel_fragments(&self) -> &[Vec<u8>] {
        self.object
            .element(tags::PIXEL_DATA)
            .ok()
            .and_then(|element| element.value().fragments())
            .unwrap_or_default()
    }

    /// RLE Lossless: each frame is one fragment that starts with a 64-byte header whose first
    /// number is the segment count, at most 15 (PS3.5 G.3.1). dicom-rs allocates a table of that
    /// many entries before checking it (8 GB for a fuzzed file), so it is checked here first.
    fn check_rle_headers(&self) -> Result<()> {
        if self.transfer_syntax() != "1.2.840.10008.1.2.5" {
            return Ok(());
        }
        for fragment in self.pixel_fragments() {
            let segments = fragment
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            match segments {
                Some(n) if n <= 15 && fragment.len() >= 64 => {}
                Some(n) if fragment.len() >= 64 => {
                    return Err(ImagingError::Malformed(format!(
                        "an RLE frame declares {n} segments; the standard allows at most 15"
                    )));
                }
                _ => {
                    return Err(ImagingError::Truncated(
                        "an RLE frame is shorter than its 64-byte header".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// JPEG, JPEG-LS and JPEG 2000 decoders size their buffers from the codestream's own header,
    /// not from Rows/Columns (which the prescan bounded), so a codestream declaring a larger image
    /// than the DICOM header, more components, or more tiles than JPEG 2000 can number is refused
    /// here, before dicom-rs hands it to a decoder (see `codestream`).
    fn check_codestream_sizes(&self) -> Result<()> {
        /// Tile indices are 16-bit in JPEG 2000 (T.800 A.4.2), so no valid image has more.
        const MAX_TILES: u64 = 65_535;
        let fragments = self.pixel_fragments();
        let rows = self.int(tags::ROWS).unwrap_or(0).max(0) as u64;
        let columns = self.int(tags::COLUMNS).unwrap_or(0).max(0) as u64;
        let samples = self.int(tags::SAMPLES_PER_PIXEL).unwrap_or(1).max(1) as u64;
        for fragment in fragments {
            let declared = codestream::declared_size(fragment).map_err(|why| {
                ImagingError::Malformed(format!("a compressed frame cannot be decoded: {why}"))
            })?;
            let Some((kind, size)) = declared else {
                continue;
            };
            if size.width > columns || size.height > rows || size.components > samples {
                return Err(ImagingError::Malformed(format!(
                    "a {} frame declares {}×{} pixels with {} component(s), but the header says {columns}×{rows} with {samples}",
                    kind.name(),
                    size.width,
                    size.height,
                    size.components
                )));
            }
            if size.tiles > MAX_TILES {
                return Err(ImagingError::Malformed(format!(
                    "a {} frame is cut into {} tiles; the standard allows at most {MAX_TILES}",
                    kind.name(),
                    size.tiles
                )));
            }
        }
        Ok(())
    }

    /// A lossy JPEG frame (JPEG Baseline and Extended, 8 and 12-bit) decoded by libjpeg-turbo
    /// (see `chairside-jpeg` for why not dicom-rs's decoder); `None` for other encodings.
    fn lossy_jpeg_frame(&self, frame: u32) -> Result<Option<chairside_jpeg::Decoded>> {
        const LOSSY_JPEG: [&str; 2] = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"];
        if !LOSSY_JPEG.contains(&self.transfer_syntax().as_str()) {
            return Ok(None);
        }
        self.geometry()?;
        let (columns, rows) = (
            self.int(tags::COLUMNS).unwrap_or(0) as u32,
            self.int(tags::ROWS).unwrap_or(0) as u32,
        );
        let frames = self.frames();
        if frame >= frames {
            return Err(ImagingError::NoSuchFrame { frame, frames });
        }
        let value = self
            .object
            .element(tags::PIXEL_DATA)
            .map_err(|_| ImagingError::NoPixelData(None))?
            .value();
        let (Some(fragments), Some(offsets)) = (value.fragments(), value.offset_table()) else {
            return Err(ImagingError::Malformed(
                "the JPEG pixel data is not encapsulated in fragments".into(),
            ));
        };
        let bytes = frame_fragments(fragments, offsets, frame, frames)?;
        let jpeg =
            chairside_jpeg::decode(&bytes, u64::from(columns) * u64::from(rows)).map_err(|e| {
                match e {
                    chairside_jpeg::JpegError::TooLarge { .. } => ImagingError::Malformed(format!(
                        "frame {frame}: {e}, the {columns}x{rows} the header declares"
                    )),
                    other => ImagingError::Malformed(format!("frame {frame}: {other}")),
                }
            })?;
        if (jpeg.width, jpeg.height) != (columns, rows) {
            return Err(ImagingError::Malformed(format!(
                "frame {frame} is a {}x{} JPEG but the header declares {columns}x{rows}",
                jpeg.width, jpeg.height
            )));
        }
        Ok(Some(jpeg))
    }

    /// The decoded JPEG as the pipeline's input: modality values (grayscale) or RGB.
    fn decoded_from_jpeg(&self, jpeg: chairside_jpeg::Decoded) -> Result<pipeline::Decoded> {
        if jpeg.components == 1 {
            let (scale, offset) = self.stored_to_modality();
            let values = self
                .jpeg_stored(&jpeg)
                .into_iter()
                .map(|s| scale * f64::from(s) + offset)
                .collect();
            return Ok(pipeline::Decoded::Gray {
                width: jpeg.width,
                height: jpeg.height,
                values,
            });
        }
        let pixels = match jpeg.samples {
            chairside_jpeg::Samples::Eight(v) => v,
            // 12-bit colour to 8 bits: the top 8 bits, as for other colour images.
            chairside_jpeg::Samples::Twelve(v) => v.iter().map(|&s| (s >> 4) as u8).collect(),
        };
        Ok(pipeline::Decoded::Colour(Rendered {
            width: jpeg.width,
            height: jpeg.height,
            channels: 3,
            pixels,
        }))
    }
}

/// The bytes of one frame of encapsulated pixel data: all fragments for a single frame, one
/// fragment per frame when there are as many, else the Basic Offset Table's slice.
fn frame_fragments(
    fragments: &[Vec<u8>],
    offsets: &[u32],
    frame: u32,
    frames: u32,
) -> Result<Vec<u8>> {
    if frames == 1 {
        return Ok(fragments.concat());
    }
    if fragments.len() == frames as usize {
        return Ok(fragments[frame as usize].clone());
    }
    if offsets.len() != frames as usize {
        return Err(ImagingError::Malformed(format!(
            "{} fragments for {frames} frames and no offset table to tell them apart",
            fragments.len()
        )));
    }
    // Offsets count from the first fragment's item header; each item header is 8 bytes.
    let start = u64::from(offsets[frame as usize]);
    let end = offsets
        .get(frame as usize + 1)
        .map_or(u64::MAX, |&o| u64::from(o));
    let mut at = 0u64;
    let mut bytes = Vec::new();
    for fragment in fragments {
        if at >= start && at < end {
            bytes.extend_from_slice(fragment);
        }
        at += 8 + fragment.len() as u64;
    }
    if bytes.is_empty() {
        return Err(ImagingError::Malformed(format!(
            "the offset table points frame {frame} past the fragments"
        )));
    }
    Ok(bytes)
}

fn decode_error(ts: &str, e: dicom_pixeldata::Error) -> ImagingError {
    let text = chain(&e);
    let lower = text.to_lowercase();
    if lower.contains("unsupported") && lower.contains("transfer syntax") {
        ImagingError::UnsupportedTransferSyntax {
            uid: ts.to_string(),
            name: String::new(),
        }
    } else if looks_truncated(&text) {
        ImagingError::Truncated(text)
    } else {
        ImagingError::Malformed(text)
    }
}

fn text_of(object: &InMemDicomObject, tag: Tag) -> Option<String> {
    let text = object.element(tag).ok()?.to_str().ok()?;
    let text = text.trim_end_matches(['\0', ' ']).trim().to_string();
    (!text.is_empty()).then_some(text)
}
