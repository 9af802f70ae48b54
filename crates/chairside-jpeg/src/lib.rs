//! Lossy JPEG decoding (DICOM's JPEG Baseline and JPEG Extended transfer syntaxes, 8 and 12-bit)
//! through libjpeg-turbo's TurboJPEG 3 API.
//!
//! Why not the pure-Rust decoder dicom-rs uses (jpeg-decoder): it reads 8-bit lossy JPEG only, so
//! 12-bit files were refused, and its IDCT differs from the IJG library's, so colour renders were
//! up to 3 grey levels away from DCMTK's. libjpeg-turbo's accurate integer IDCT (`JDCT_ISLOW`,
//! TurboJPEG's default) and fancy upsampling are the IJG code DCMTK uses: on the corpus's YBR
//! JPEG the two outputs are identical byte for byte.
//!
//! Safety: the only unsafe code of the workspace, each block next to the reason it holds. Hostile
//! bytes are bounded before anything is allocated: the caller's pixel limit goes to libjpeg-turbo
//! (`TJPARAM_MAXPIXELS`) and its intermediate buffers are capped (`TJPARAM_MAXMEMORY`); the
//! output buffer is sized from the header that libjpeg-turbo has just validated. libjpeg-turbo
//! reports corrupt data through its error manager (`setjmp`/`longjmp` inside the C library, never
//! across Rust frames).

use std::ffi::CStr;

use turbojpeg_sys as tj;

/// What went wrong, in words for the person who imported the file.
#[derive(Debug, thiserror::Error)]
pub enum JpegError {
    #[error("the JPEG data cannot be read ({0})")]
    Corrupt(String),
    #[error("the JPEG image is {width}x{height} pixels, more than the {max_pixels} accepted")]
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("{0} JPEG is not supported")]
    Unsupported(String),
}

/// Decoded samples: one value per pixel (grayscale) or R, G, B per pixel.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    Eight(Vec<u8>),
    /// 12-bit samples, 0..=4095.
    Twelve(Vec<u16>),
}

impl Samples {
    /// Every sample, whatever its width.
    pub fn values(&self) -> Box<dyn Iterator<Item = u16> + '_> {
        match self {
            Samples::Eight(v) => Box::new(v.iter().map(|&s| u16::from(s))),
            Samples::Twelve(v) => Box::new(v.iter().copied()),
        }
    }
}

/// One decoded JPEG image.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    /// 1 (grayscale) or 3 (RGB, converted from YCbCr when the JPEG is YCbCr).
    pub components: u8,
    /// 8 or 12.
    pub precision: u8,
    pub samples: Samples,
}

/// Intermediate buffers (progressive JPEG) are capped at this many megabytes.
const MAX_INTERMEDIATE_MB: i32 = 1024;

/// A TurboJPEG decompressor, destroyed on drop.
struct Handle(tj::tjhandle);

impl Handle {
    fn new() -> Result<Handle, JpegError> {
        // SAFETY: tj3Init has no preconditions; it returns NULL on failure, checked below.
        let handle = unsafe { tj::tj3Init(tj::TJINIT_TJINIT_DECOMPRESS as i32) };
        if handle.is_null() {
            return Err(JpegError::Corrupt(
                "the JPEG decoder could not start".into(),
            ));
        }
        Ok(Handle(handle))
    }

    fn set(&self, param: tj::TJPARAM, value: i32) -> Result<(), JpegError> {
        // SAFETY: self.0 is a live handle from tj3Init.
        if unsafe { tj::tj3Set(self.0, param as i32, value) } != 0 {
            return Err(self.error());
        }
        Ok(())
    }

    fn get(&self, param: tj::TJPARAM) -> i32 {
        // SAFETY: self.0 is a live handle from tj3Init.
        unsafe { tj::tj3Get(self.0, param as i32) }
    }

    fn error(&self) -> JpegError {
        // SAFETY: self.0 is a live handle; tj3GetErrorStr returns a NUL-terminated string owned
        // by the handle, copied here before any other call on it.
        let text = unsafe { CStr::from_ptr(tj::tj3GetErrorStr(self.0)) };
        JpegError::Corrupt(text.to_string_lossy().into_owned())
    }

    /// After a failed decompression: a warning (damaged data that libjpeg-turbo decoded anyway,
    /// as DCMTK does) keeps the picture; anything else is an error.
    fn fatal(&self) -> bool {
        // SAFETY: self.0 is a live handle from tj3Init.
        let code = unsafe { tj::tj3GetErrorCode(self.0) };
        code != tj::TJERR_TJERR_WARNING as i32
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: self.0 came from tj3Init and is destroyed exactly once, here.
        unsafe { tj::tj3Destroy(self.0) }
    }
}

/// Decodes one JPEG image (one DICOM frame), refusing one of more than `max_pixels` pixels
/// before its samples are allocated.
pub fn decode(jpeg: &[u8], max_pixels: u64) -> Result<Decoded, JpegError> {
    let handle = Handle::new()?;
    handle.set(
        tj::TJPARAM_TJPARAM_MAXPIXELS,
        i32::try_from(max_pixels).unwrap_or(i32::MAX),
    )?;
    handle.set(tj::TJPARAM_TJPARAM_MAXMEMORY, MAX_INTERMEDIATE_MB)?;
    // SAFETY: the pointer and length describe the borrowed slice, which outlives the call.
    let status =
        unsafe { tj::tj3DecompressHeader(handle.0, jpeg.as_ptr(), jpeg.len() as tj::size_t) };
    if status != 0 {
        return Err(handle.error());
    }
    let width = u32::try_from(handle.get(tj::TJPARAM_TJPARAM_JPEGWIDTH)).unwrap_or(0);
    let height = u32::try_from(handle.get(tj::TJPARAM_TJPARAM_JPEGHEIGHT)).unwrap_or(0);
    if width == 0 || height == 0 {
        return Err(JpegError::Corrupt("the JPEG header gives no size".into()));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(JpegError::TooLarge {
            width,
            height,
            max_pixels,
        });
    }
    if handle.get(tj::TJPARAM_TJPARAM_LOSSLESS) == 1 {
        return Err(JpegError::Unsupported("lossless".into()));
    }
    let precision = handle.get(tj::TJPARAM_TJPARAM_PRECISION);
    let (components, format) = match handle.get(tj::TJPARAM_TJPARAM_COLORSPACE) as u32 {
        tj::TJCS_TJCS_GRAY => (1u8, tj::TJPF_TJPF_GRAY),
        tj::TJCS_TJCS_RGB | tj::TJCS_TJCS_YCbCr => (3, tj::TJPF_TJPF_RGB),
        _ => return Err(JpegError::Unsupported("CMYK".into())),
    };
    let count = width as usize * height as usize * usize::from(components);
    let pitch = i32::try_from(width as usize * usize::from(components))
        .map_err(|_| JpegError::Corrupt("the JPEG image is too wide".into()))?;
    let (status, samples) = match precision {
        8 => {
            let mut out = vec![0u8; count];
            // SAFETY: `out` holds height rows of `pitch` bytes, exactly what tj3Decompress8
            // writes for this header and pixel format (no scaling factor is set).
            let status = unsafe {
                tj::tj3Decompress8(
                    handle.0,
                    jpeg.as_ptr(),
                    jpeg.len() as tj::size_t,
                    out.as_mut_ptr(),
                    pitch,
                    format,
                )
            };
            (status, Samples::Eight(out))
        }
        12 => {
            let mut out = vec![0i16; count];
            // SAFETY: as above, with 16-bit samples: `pitch` counts samples, not bytes, in the
            // 12-bit functions.
            let status = unsafe {
                tj::tj3Decompress12(
                    handle.0,
                    jpeg.as_ptr(),
                    jpeg.len() as tj::size_t,
                    out.as_mut_ptr(),
                    pitch,
                    format,
                )
            };
            // 12-bit samples are 0..=4095, so the sign bit is never set.
            let out = out.into_iter().map(|s| s.clamp(0, 4095) as u16).collect();
            (status, Samples::Twelve(out))
        }
        other => return Err(JpegError::Unsupported(format!("{other}-bit lossy"))),
    };
    if status != 0 && handle.fatal() {
        return Err(handle.error());
    }
    Ok(Decoded {
        width,
        height,
        components,
        precision: precision as u8,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_empty_input_are_errors_not_crashes() {
        assert!(matches!(decode(&[], 1 << 20), Err(JpegError::Corrupt(_))));
        assert!(matches!(
            decode(b"not a jpeg at all", 1 << 20),
            Err(JpegError::Corrupt(_))
        ));
    }
}
