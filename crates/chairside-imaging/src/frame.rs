//! One decoded frame as the viewer needs it, and its wire format.
//!
//! The viewer windows grayscale on the GPU, so it gets the values themselves, not an 8-bit
//! rendering: 16-bit stored values plus the linear map back to modality units
//! (`value = scale * stored + offset`), the default window and the value range. Any modality
//! values fit: integers spanning at most 65,536 levels are sent exactly; anything else (a
//! fractional rescale slope, 32-bit data) is spread over the 65,536 levels, finer than any
//! display can show. Colour is sent as 8-bit RGB.
//!
//! The same bytes ([`FramePixels::to_bytes`]) are the decode worker's reply and what the desktop
//! hands to the webview:
//!
//! ```text
//! 0  "CSF1"         4  u32 width      8  u32 height
//! 12 u8 channels (1 grey, 3 RGB)      13 u8 invert (MONOCHROME1)     14 u16 reserved
//! 16 f64 scale      24 f64 offset     32 f64 window centre            40 f64 window width
//! 48 f64 min value  56 f64 max value  64 pixels: u16 per pixel (grey) or u8 R, G, B
//! ```
//! All little endian, rows from the top.

use crate::pipeline::{self, Rendered, Window};
use crate::{ImagingError, Result};

const MAGIC: &[u8; 4] = b"CSF1";
const HEADER_BYTES: usize = 64;

fn bad_frame(what: &str) -> ImagingError {
    ImagingError::Malformed(format!("bad frame data: {what}"))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn f64_at(bytes: &[u8], at: usize) -> f64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    f64::from_le_bytes(b)
}

/// What a frame's wire header says ([`FramePixels::check_wire`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameHeader {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    /// Lowest and highest modality value.
    pub min: f64,
    pub max: f64,
}

/// A frame's samples.
#[derive(Clone, Debug, PartialEq)]
pub enum FrameSamples {
    /// One stored value per pixel; see [`FramePixels::scale`].
    Gray(Vec<u16>),
    /// R, G, B per pixel.
    Rgb(Vec<u8>),
}

/// One frame for the viewer (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct FramePixels {
    pub width: u32,
    pub height: u32,
    /// MONOCHROME1: low values are white, so the display inverts after windowing.
    pub invert: bool,
    pub scale: f64,
    pub offset: f64,
    /// The default window, in modality units: the file's, else the frame's full range.
    pub window: Window,
    /// Lowest and highest modality value in the frame.
    pub min: f64,
    pub max: f64,
    pub samples: FrameSamples,
}

impl FramePixels {
    /// Packs modality values into 16-bit stored values (see the module docs).
    pub(crate) fn from_values(
        width: u32,
        height: u32,
        values: &[f64],
        window: Window,
        invert: bool,
    ) -> FramePixels {
        let (mut min, mut max) = values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if !min.is_finite() {
            (min, max) = (0.0, 0.0);
        }
        let exact = max - min <= 65_535.0 && values.iter().all(|v| v.fract() == 0.0);
        let scale = if exact || max == min {
            1.0
        } else {
            (max - min) / 65_535.0
        };
        let stored = values
            .iter()
            .map(|&v| {
                let v = if v.is_finite() { v } else { min };
                ((v - min) / scale).round().clamp(0.0, 65_535.0) as u16
            })
            .collect();
        FramePixels {
            width,
            height,
            invert,
            scale,
            offset: min,
            window,
            min,
            max,
            samples: FrameSamples::Gray(stored),
        }
    }

    /// An 8-bit image as a frame: RGB as is, grayscale as values 0 to 255.
    pub(crate) fn from_rgb(rendered: Rendered) -> FramePixels {
        if rendered.channels == 3 {
            return FramePixels {
                width: rendered.width,
                height: rendered.height,
                invert: false,
                scale: 1.0,
                offset: 0.0,
                window: Window {
                    center: 127.5,
                    width: 256.0,
                },
                min: 0.0,
                max: 255.0,
                samples: FrameSamples::Rgb(rendered.pixels),
            };
        }
        let values: Vec<f64> = rendered.pixels.iter().map(|&p| f64::from(p)).collect();
        let window = pipeline::full_range(&values);
        FramePixels::from_values(rendered.width, rendered.height, &values, window, false)
    }

    pub fn channels(&self) -> u8 {
        match self.samples {
            FrameSamples::Gray(_) => 1,
            FrameSamples::Rgb(_) => 3,
        }
    }

    /// The wire format (see the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let pixel_bytes = match &self.samples {
            FrameSamples::Gray(v) => v.len() * 2,
            FrameSamples::Rgb(v) => v.len(),
        };
        let mut out = Vec::with_capacity(HEADER_BYTES + pixel_bytes);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.push(self.channels());
        out.push(u8::from(self.invert));
        out.extend_from_slice(&0u16.to_le_bytes());
        for f in [
            self.scale,
            self.offset,
            self.window.center,
            self.window.width,
            self.min,
            self.max,
        ] {
            out.extend_from_slice(&f.to_le_bytes());
        }
        match &self.samples {
            FrameSamples::Gray(v) => {
                out.resize(HEADER_BYTES + v.len() * 2, 0);
                for (to, s) in out[HEADER_BYTES..].chunks_exact_mut(2).zip(v) {
                    to.copy_from_slice(&s.to_le_bytes());
                }
            }
            FrameSamples::Rgb(v) => out.extend_from_slice(v),
        }
        out
    }

    /// Checks bytes in the wire format without unpacking the pixels: the header is sound and
    /// the pixels fill exactly the declared size. Returns what the header says.
    pub fn check_wire(bytes: &[u8]) -> Result<FrameHeader> {
        let header = Self::read_header(bytes)?;
        let per_pixel: u64 = if header.channels == 1 { 2 } else { 3 };
        let expected = u64::from(header.width) * u64::from(header.height) * per_pixel;
        if (bytes.len() - HEADER_BYTES) as u64 != expected {
            return Err(bad_frame("the pixels do not match the size"));
        }
        Ok(header)
    }

    /// Reads the header of the wire format alone (the first 64 bytes are enough).
    pub fn read_header(bytes: &[u8]) -> Result<FrameHeader> {
        if bytes.len() < HEADER_BYTES || &bytes[..4] != MAGIC {
            return Err(bad_frame("no frame header"));
        }
        let header = FrameHeader {
            width: u32_at(bytes, 4),
            height: u32_at(bytes, 8),
            channels: bytes[12],
            min: f64_at(bytes, 48),
            max: f64_at(bytes, 56),
        };
        if !matches!(header.channels, 1 | 3) {
            return Err(bad_frame("unknown channel count"));
        }
        Ok(header)
    }

    /// Reads the wire format back, checking that the sizes agree.
    pub fn from_bytes(bytes: &[u8]) -> Result<FramePixels> {
        let header = Self::check_wire(bytes)?;
        let body = &bytes[HEADER_BYTES..];
        let samples = if header.channels == 1 {
            FrameSamples::Gray(
                body.chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect(),
            )
        } else {
            FrameSamples::Rgb(body.to_vec())
        };
        Ok(FramePixels {
            width: header.width,
            height: header.height,
            invert: bytes[13] == 1,
            scale: f64_at(bytes, 16),
            offset: f64_at(bytes, 24),
            window: Window {
                center: f64_at(bytes, 32),
                width: f64_at(bytes, 40),
            },
            min: header.min,
            max: header.max,
            samples,
        })
    }

    /// The frame scaled down to at most `max_side` pixels on its longer side, each pixel the
    /// mean of the block it covers, with the same value mapping, window and range: what a
    /// viewer shows first at the screen's resolution while the full frame comes. The frame
    /// itself if it is no larger.
    pub fn downsampled(&self, max_side: u32) -> FramePixels {
        let step = self.width.max(self.height).div_ceil(max_side.max(1)).max(1) as usize;
        if step == 1 {
            return self.clone();
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let (tw, th) = (w.div_ceil(step), h.div_ceil(step));
        let channels = usize::from(self.channels());
        // Sums per output pixel, one input row at a time (rows are read in order: cache-friendly).
        let mut sums = vec![0u64; tw * th * channels];
        let mut counts = vec![0u32; tw * th];
        for y in 0..h {
            let ty = y / step;
            for x in 0..w {
                let t = ty * tw + x / step;
                counts[t] += 1;
                match &self.samples {
                    FrameSamples::Gray(v) => sums[t] += u64::from(v[y * w + x]),
                    FrameSamples::Rgb(v) => {
                        for c in 0..3 {
                            sums[t * 3 + c] += u64::from(v[(y * w + x) * 3 + c]);
                        }
                    }
                }
            }
        }
        let mean = |i: usize, t: usize| (sums[i] + u64::from(counts[t]) / 2) / u64::from(counts[t]);
        let samples = match self.samples {
            FrameSamples::Gray(_) => {
                FrameSamples::Gray((0..tw * th).map(|t| mean(t, t) as u16).collect())
            }
            FrameSamples::Rgb(_) => {
                FrameSamples::Rgb((0..tw * th * 3).map(|i| mean(i, i / 3) as u8).collect())
            }
        };
        FramePixels {
            width: tw as u32,
            height: th as u32,
            samples,
            ..*self
        }
    }

    /// An 8-bit rendering with a linear window (the default one if `None`), MONOCHROME1
    /// inverted: what the viewer shows, for PNG export and thumbnails.
    pub fn render(&self, window: Option<Window>) -> Rendered {
        self.thumbnail_with(u32::MAX, window)
    }

    /// A rendering at most `max_side` pixels on its longer side (each output pixel the mean of
    /// the block it covers), with the default window.
    pub fn thumbnail(&self, max_side: u32) -> Rendered {
        self.thumbnail_with(max_side, None)
    }

    fn thumbnail_with(&self, max_side: u32, window: Option<Window>) -> Rendered {
        let step = self.width.max(self.height).div_ceil(max_side.max(1)).max(1) as usize;
        let (w, h) = (self.width as usize, self.height as usize);
        let (tw, th) = (w.div_ceil(step), h.div_ceil(step));
        let window = window.unwrap_or(self.window);
        let channels = usize::from(self.channels());
        let mut pixels = Vec::with_capacity(tw * th * channels);
        for ty in 0..th {
            for tx in 0..tw {
                let (y0, x0) = (ty * step, tx * step);
                let (y1, x1) = ((y0 + step).min(h), (x0 + step).min(w));
                let count = ((y1 - y0) * (x1 - x0)) as f64;
                for c in 0..channels {
                    let mut sum = 0.0;
                    for y in y0..y1 {
                        for x in x0..x1 {
                            sum += match &self.samples {
                                FrameSamples::Gray(v) => f64::from(v[y * w + x]),
                                FrameSamples::Rgb(v) => f64::from(v[(y * w + x) * 3 + c]),
                            };
                        }
                    }
                    let mean = sum / count;
                    pixels.push(match self.samples {
                        FrameSamples::Rgb(_) => mean.round() as u8,
                        FrameSamples::Gray(_) => {
                            let value = self.scale * mean + self.offset;
                            let y = pipeline::voi(value, window, "");
                            let y = (y * 255.0).round().clamp(0.0, 255.0) as u8;
                            if self.invert { 255 - y } else { y }
                        }
                    });
                }
            }
        }
        Rendered {
            width: tw as u32,
            height: th as u32,
            channels: channels as u8,
            pixels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_values_travel_exactly_and_fractions_keep_their_order() {
        let values = [-1000.0, 0.0, 3000.0, 42.0];
        let w = Window {
            center: 0.0,
            width: 100.0,
        };
        let f = FramePixels::from_values(2, 2, &values, w, true);
        let back = FramePixels::from_bytes(&f.to_bytes()).unwrap();
        assert_eq!(back, f);
        let FrameSamples::Gray(stored) = &back.samples else {
            panic!("grey")
        };
        let decoded: Vec<f64> = stored
            .iter()
            .map(|&s| back.scale * f64::from(s) + back.offset)
            .collect();
        assert_eq!(decoded, values);
        let frac = FramePixels::from_values(3, 1, &[0.25, 0.5, 1e6], w, false);
        let FrameSamples::Gray(s) = &frac.samples else {
            panic!("grey")
        };
        assert!(s[0] <= s[1] && s[1] < s[2] && s[2] == 65_535);
    }

    #[test]
    fn a_downsampled_frame_keeps_the_mapping_and_averages_blocks() {
        let values: Vec<f64> = (0..12).map(f64::from).collect(); // 4 x 3
        let w = Window {
            center: 5.0,
            width: 10.0,
        };
        let f = FramePixels::from_values(4, 3, &values, w, false);
        let small = f.downsampled(2);
        assert_eq!((small.width, small.height), (2, 2));
        assert_eq!(
            (small.scale, small.offset, small.window),
            (f.scale, f.offset, f.window)
        );
        // Blocks: {0,1,4,5} {2,3,6,7} {8,9} {10,11}: means 2.5, 4.5, 8.5, 10.5 rounded half up.
        assert_eq!(small.samples, FrameSamples::Gray(vec![3, 5, 9, 11]));
        assert_eq!(f.downsampled(10), f);
    }

    #[test]
    fn bad_frame_bytes_are_refused() {
        let f = FramePixels::from_values(
            2,
            1,
            &[1.0, 2.0],
            Window {
                center: 1.0,
                width: 2.0,
            },
            false,
        );
        let bytes = f.to_bytes();
        assert!(FramePixels::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(FramePixels::from_bytes(b"CSF1").is_err());
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(FramePixels::from_bytes(&wrong).is_err());
    }

    #[test]
    fn a_thumbnail_averages_blocks_and_applies_the_window() {
        // 4x2: left half 0, right half 100, a window putting 0 at black and 100 at white: the
        // thumbnail of side 2 is black, white.
        let values = [0.0, 0.0, 100.0, 100.0, 0.0, 0.0, 100.0, 100.0];
        let f = FramePixels::from_values(
            4,
            2,
            &values,
            Window {
                center: 50.5,
                width: 100.0,
            },
            false,
        );
        let t = f.thumbnail(2);
        assert_eq!((t.width, t.height, t.pixels.clone()), (2, 1, vec![0, 255]));
        let mut inverted = f.clone();
        inverted.invert = true;
        assert_eq!(inverted.thumbnail(2).pixels, vec![255, 0]);
    }
}
