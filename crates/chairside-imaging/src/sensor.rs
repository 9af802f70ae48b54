//! PNG, JPEG and TIFF images from sensors and scanners that do not export DICOM, decoded by the
//! `image` crate (pure Rust) under its allocation and size limits.
//!
//! Many sensors save a grayscale X-ray as RGB with three equal channels; such an image is read
//! as grayscale, so the viewer can window it.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

use crate::frame::FramePixels;
use crate::pipeline::{self, Rendered};
use crate::{ImagingError, Limits, Result};

/// A decoded sensor image.
#[derive(Debug)]
pub struct SensorImage {
    format: ImageFormat,
    image: DynamicImage,
}

/// The sensor formats recognised from a file's first bytes. A DICOM Part 10 file is never one,
/// even when its 128-byte preamble holds a TIFF header (dual-format DICOM/TIFF files do that).
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        None
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(ImageFormat::Tiff)
    } else {
        None
    }
}

fn reader(bytes: &[u8], format: ImageFormat, limits: Limits) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_pixel_bytes);
    reader.limits(l);
    reader
}

fn refused(format: ImageFormat, e: image::ImageError) -> ImagingError {
    let name = format!("{format:?}").to_uppercase();
    match e {
        image::ImageError::Limits(l) => ImagingError::TooLarge(format!("{name} image: {l}")),
        image::ImageError::Unsupported(u) => ImagingError::UnsupportedTransferSyntax {
            uid: name,
            name: u.to_string(),
        },
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImagingError::Truncated(format!("the {name} image ends early"))
        }
        other => ImagingError::Malformed(format!("{name} image: {other}")),
    }
}

impl SensorImage {
    /// The image's width and height, read from its header without decoding.
    pub fn dimensions(bytes: &[u8], limits: Limits) -> Result<(ImageFormat, u32, u32)> {
        let format = sniff(bytes).ok_or(ImagingError::UnknownFormat)?;
        let (w, h) = reader(bytes, format, limits)
            .into_dimensions()
            .map_err(|e| refused(format, e))?;
        if w == 0 || h == 0 || w > limits.max_side || h > limits.max_side {
            return Err(ImagingError::TooLarge(format!(
                "{w} x {h} pixels is not a valid image size"
            )));
        }
        Ok((format, w, h))
    }

    /// Decodes the image.
    pub fn decode(bytes: &[u8], limits: Limits) -> Result<SensorImage> {
        let (format, _, _) = Self::dimensions(bytes, limits)?;
        let image = std::panic::catch_unwind(|| reader(bytes, format, limits).decode())
            .map_err(|_| ImagingError::Malformed("the image decoder failed on this file".into()))?
            .map_err(|e| refused(format, e))?;
        Ok(SensorImage { format, image })
    }

    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// The image for the viewer: grayscale values (8 or 16 bits) or RGB.
    pub fn frame_pixels(&self) -> FramePixels {
        let (width, height) = (self.image.width(), self.image.height());
        let gray_values: Option<Vec<f64>> = match &self.image {
            DynamicImage::ImageLuma8(_) | DynamicImage::ImageLumaA8(_) => Some(
                self.image
                    .to_luma8()
                    .into_raw()
                    .into_iter()
                    .map(f64::from)
                    .collect(),
            ),
            DynamicImage::ImageLuma16(_) | DynamicImage::ImageLumaA16(_) => Some(
                self.image
                    .to_luma16()
                    .into_raw()
                    .into_iter()
                    .map(f64::from)
                    .collect(),
            ),
            _ => None,
        };
        if let Some(values) = gray_values {
            let window = pipeline::full_range(&values);
            return FramePixels::from_values(width, height, &values, window, false);
        }
        let rgb = self.image.to_rgb8().into_raw();
        if rgb.chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2]) {
            let values: Vec<f64> = rgb.chunks_exact(3).map(|p| f64::from(p[0])).collect();
            let window = pipeline::full_range(&values);
            return FramePixels::from_values(width, height, &values, window, false);
        }
        FramePixels::from_rgb(Rendered {
            width,
            height,
            channels: 3,
            pixels: rgb,
        })
    }
}
