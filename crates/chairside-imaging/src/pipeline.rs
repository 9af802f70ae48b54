//! From decoded pixel values to an 8-bit image.
//!
//! Grayscale follows DICOM PS3.3 C.11: the Modality LUT (rescale slope and intercept, applied by
//! dicom-pixeldata), then the VOI transformation (the window given, else the file's first
//! window, else the full range of the frame's values; LINEAR, LINEAR_EXACT or SIGMOID as the
//! file's VOI LUT Function says), then MONOCHROME1 inversion. Colour is RGB (YBR converted by
//! dicom-pixeldata); palette colour is looked up in the file's red, green and blue tables.

use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_pixeldata::{ConvertOptions, DecodedPixelData, ModalityLutOption, VoiLutOption};

use crate::{ImagingError, Result, text_of};

/// A VOI window: centre and width in modality units (after rescale).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub center: f64,
    pub width: f64,
}

/// An 8-bit image: one sample per pixel (grayscale) or three (RGB), rows top to bottom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub width: u32,
    pub height: u32,
    /// 1 (grayscale) or 3 (RGB).
    pub channels: u8,
    pub pixels: Vec<u8>,
}

impl Rendered {
    /// Writes the image as an 8-bit PNG.
    pub fn write_png(&self, out: impl std::io::Write) -> std::io::Result<()> {
        let mut encoder = png::Encoder::new(out, self.width, self.height);
        encoder.set_color(if self.channels == 3 {
            png::ColorType::Rgb
        } else {
            png::ColorType::Grayscale
        });
        encoder.set_depth(png::BitDepth::Eight);
        // Fast filtering: a PNG is written for display or export, not archived.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&self.pixels)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    }
}

fn malformed(e: impl std::fmt::Display) -> ImagingError {
    ImagingError::Malformed(e.to_string())
}

/// One frame after decoding and the Modality LUT, before the VOI step.
pub(crate) enum Decoded {
    /// Grayscale modality values, row by row.
    Gray {
        width: u32,
        height: u32,
        values: Vec<f64>,
    },
    /// Colour, already RGB.
    Colour(Rendered),
}

pub(crate) fn decode(
    object: &DefaultDicomObject,
    decoded: &DecodedPixelData<'_>,
) -> Result<Decoded> {
    let (width, height) = (decoded.columns(), decoded.rows());
    let photometric = text_of(object, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
    if photometric == "PALETTE COLOR" {
        return palette(object, decoded, width, height).map(Decoded::Colour);
    }
    if decoded.samples_per_pixel() >= 3 {
        let image = decoded
            .to_dynamic_image_with_options(0, &ConvertOptions::new().force_8bit())
            .map_err(malformed)?;
        return Ok(Decoded::Colour(Rendered {
            width,
            height,
            channels: 3,
            pixels: image.to_rgb8().into_raw(),
        }));
    }
    let values: Vec<f64> = decoded
        .to_vec_frame_with_options(
            0,
            &ConvertOptions::new().with_voi_lut(VoiLutOption::Identity),
        )
        .map_err(malformed)?;
    Ok(Decoded::Gray {
        width,
        height,
        values,
    })
}

/// The VOI transformation and MONOCHROME1 inversion of modality values, to 8 bits.
pub(crate) fn grayscale(
    object: &DefaultDicomObject,
    values: &[f64],
    width: u32,
    height: u32,
    window: Option<Window>,
) -> Rendered {
    let window = window
        .or_else(|| file_window(object))
        .unwrap_or_else(|| full_range(values));
    let function = text_of(object, tags::VOILUT_FUNCTION).unwrap_or_default();
    let invert =
        text_of(object, tags::PHOTOMETRIC_INTERPRETATION).as_deref() == Some("MONOCHROME1");
    let pixels = values
        .iter()
        .map(|&x| {
            let y = voi(x, window, &function);
            let y = (y * 255.0).round().clamp(0.0, 255.0) as u8;
            if invert { 255 - y } else { y }
        })
        .collect();
    Rendered {
        width,
        height,
        channels: 1,
        pixels,
    }
}

/// Native (uncompressed) YBR_FULL_422: each pair of pixels is stored Y1 Y2 Cb Cr.
pub(crate) fn ybr_full_422(raw: &[u8], frame: u32, width: u32, height: u32) -> Result<Rendered> {
    if !width.is_multiple_of(2) {
        return Err(ImagingError::Malformed(
            "YBR_FULL_422 needs an even number of columns".into(),
        ));
    }
    let frame_bytes = (width as usize) * (height as usize) * 2;
    let start = frame as usize * frame_bytes;
    let data = raw.get(start..start + frame_bytes).ok_or_else(|| {
        ImagingError::Truncated("the pixel data is shorter than its frames".into())
    })?;
    let mut pixels = Vec::with_capacity(frame_bytes / 2 * 3);
    for quad in data.chunks_exact(4) {
        let (cb, cr) = (f64::from(quad[2]) - 128.0, f64::from(quad[3]) - 128.0);
        for y in [f64::from(quad[0]), f64::from(quad[1])] {
            // PS3.3 C.7.6.3.1.2: YBR_FULL to RGB.
            let r = y + 1.402 * cr;
            let g = y - 0.344_136 * cb - 0.714_136 * cr;
            let b = y + 1.772 * cb;
            pixels.extend([r, g, b].map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
    }
    Ok(Rendered {
        width,
        height,
        channels: 3,
        pixels,
    })
}

/// How native 32-bit samples are stored, and their Modality LUT.
pub(crate) struct Stored32 {
    pub signed: bool,
    pub big_endian: bool,
    pub slope: f64,
    pub intercept: f64,
}

/// Native 32-bit pixel data (dose grids, parametric maps), rescaled.
pub(crate) fn thirty_two_bit_values(
    raw: &[u8],
    frame: u32,
    width: u32,
    height: u32,
    s: Stored32,
) -> Result<Vec<f64>> {
    let count = (width as usize) * (height as usize);
    let start = frame as usize * count * 4;
    let data = raw.get(start..start + count * 4).ok_or_else(|| {
        ImagingError::Truncated("the pixel data is shorter than its frames".into())
    })?;
    Ok(data
        .chunks_exact(4)
        .map(|b| {
            let bytes = [b[0], b[1], b[2], b[3]];
            let stored = match (s.signed, s.big_endian) {
                (false, false) => f64::from(u32::from_le_bytes(bytes)),
                (false, true) => f64::from(u32::from_be_bytes(bytes)),
                (true, false) => f64::from(i32::from_le_bytes(bytes)),
                (true, true) => f64::from(i32::from_be_bytes(bytes)),
            };
            stored * s.slope + s.intercept
        })
        .collect())
}

/// Native 1-bit pixel data (segmentations): bits packed from the least significant, frames
/// back to back.
pub(crate) fn one_bit_values(raw: &[u8], frame: u32, width: u32, height: u32) -> Result<Vec<f64>> {
    let count = (width as usize) * (height as usize);
    let first = frame as usize * count;
    if raw.len() * 8 < first + count {
        return Err(ImagingError::Truncated(
            "the pixel data is shorter than its frames".into(),
        ));
    }
    Ok((first..first + count)
        .map(|bit| f64::from((raw[bit / 8] >> (bit % 8)) & 1))
        .collect())
}

/// The file's first window, when it has a usable one.
pub(crate) fn file_window(object: &DefaultDicomObject) -> Option<Window> {
    let first = |tag| {
        object
            .element(tag)
            .ok()?
            .to_multi_float64()
            .ok()?
            .first()
            .copied()
    };
    let (center, width) = (first(tags::WINDOW_CENTER)?, first(tags::WINDOW_WIDTH)?);
    (width > 0.0 && center.is_finite() && width.is_finite()).then_some(Window { center, width })
}

/// A window spanning the frame's values, lowest to highest.
pub(crate) fn full_range(values: &[f64]) -> Window {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return Window {
            center: 0.0,
            width: 1.0,
        };
    }
    min_max_window(lo, hi)
}

/// The window that maps the lowest value to black and the highest to white under the LINEAR
/// function, as DCMTK's min-max window does: centre (lo + hi + 1) / 2, width hi - lo + 1.
/// (Centre (lo + hi) / 2 and width hi - lo already turned hi - 1 white, and renders of a
/// 12-bit file were 2 grey levels from DCMTK's on 88 pixels.)
pub(crate) fn min_max_window(lo: f64, hi: f64) -> Window {
    Window {
        center: (lo + hi + 1.0) / 2.0,
        width: (hi - lo + 1.0).max(1.0),
    }
}

/// The VOI function of PS3.3 C.11.2.1.2, as a fraction of the output range (0 to 1).
pub(crate) fn voi(
    x: f64,
    Window {
        center: c,
        width: w,
    }: Window,
    function: &str,
) -> f64 {
    match function {
        "LINEAR_EXACT" => {
            let w = w.max(f64::MIN_POSITIVE);
            ((x - c) / w + 0.5).clamp(0.0, 1.0)
        }
        "SIGMOID" => 1.0 / (1.0 + (-4.0 * (x - c) / w.max(f64::MIN_POSITIVE)).exp()),
        _ => {
            let w = w.max(1.0);
            if x <= c - 0.5 - (w - 1.0) / 2.0 {
                0.0
            } else if x > c - 0.5 + (w - 1.0) / 2.0 || w <= 1.0 {
                1.0 // above the window; a window of width 1 is a threshold
            } else {
                ((x - (c - 0.5)) / (w - 1.0) + 0.5).clamp(0.0, 1.0)
            }
        }
    }
}

/// Palette colour: each stored value indexes the file's red, green and blue tables.
fn palette(
    object: &DefaultDicomObject,
    decoded: &DecodedPixelData<'_>,
    width: u32,
    height: u32,
) -> Result<Rendered> {
    let table = |descriptor, data| -> Result<(Vec<i64>, Vec<u16>)> {
        let d: Vec<i64> = object
            .element(descriptor)
            .map_err(|_| ImagingError::Malformed("palette colour without its tables".into()))?
            .to_multi_int()
            .map_err(malformed)?;
        let words = object
            .element(data)
            .map_err(|_| ImagingError::Malformed("palette colour without its tables".into()))?
            .to_bytes()
            .map_err(malformed)?;
        let entries: Vec<u16> = words
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok((d, entries))
    };
    let tables = [
        table(
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        )?,
        table(
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        )?,
        table(
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        )?,
    ];
    let values: Vec<i64> = decoded
        .to_vec_frame_with_options(
            0,
            &ConvertOptions::new().with_modality_lut(ModalityLutOption::None),
        )
        .map_err(malformed)?;
    let mut pixels = Vec::with_capacity(values.len() * 3);
    for v in values {
        for (descriptor, data) in &tables {
            if descriptor.len() < 3 || data.is_empty() {
                return Err(ImagingError::Malformed(
                    "palette colour table descriptor is incomplete".into(),
                ));
            }
            let first = descriptor[1];
            let bits = descriptor[2];
            let index = (v - first).clamp(0, data.len() as i64 - 1) as usize;
            let entry = data[index];
            pixels.push(if bits > 8 {
                (entry >> 8) as u8
            } else {
                entry as u8
            });
        }
    }
    Ok(Rendered {
        width,
        height,
        channels: 3,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_linear_window_follows_the_standard() {
        let w = Window {
            center: 100.0,
            width: 51.0,
        };
        assert_eq!(voi(74.0, w, ""), 0.0); // at or below c - 0.5 - (w-1)/2 = 74.5
        assert_eq!(voi(125.0, w, ""), 1.0); // above c - 0.5 + (w-1)/2 = 124.5
        assert!((voi(99.5, w, "") - 0.5).abs() < 1e-9);
        assert!((voi(100.0, w, "LINEAR_EXACT") - 0.5).abs() < 1e-9);
        assert!((voi(100.0, w, "SIGMOID") - 0.5).abs() < 1e-9);
        let r = full_range(&[-10.0, 30.0]);
        assert_eq!((r.center, r.width), (10.5, 41.0));
        assert_eq!(voi(-10.0, r, ""), 0.0);
        assert!(voi(29.0, r, "") < 1.0);
        assert_eq!(voi(30.0, r, ""), 1.0);
    }
}
