//! The image size a compressed frame declares inside its own codestream, read before any decoder
//! sees the frame.
//!
//! A DICOM header's Rows × Columns is checked by the prescan, but the JPEG family and JPEG 2000
//! carry their own size in the codestream (a JPEG SOF segment, JPEG-LS SOF55, the JPEG 2000 SIZ
//! marker), and decoders allocate from that one. A fuzzed file whose SIZ marker declared a
//! 60000 × 60000 image made openjp2 reserve 9 GB before reading a single coefficient. So each
//! fragment that opens a codestream is read here, and a frame larger than the header allows is
//! refused before decoding (see `DicomImage::check_codestream_sizes`).

/// What a codestream declares about the image it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeclaredSize {
    pub width: u64,
    pub height: u64,
    pub components: u64,
    /// JPEG 2000 only: the number of tiles the image is cut into (1 for the JPEG family).
    pub tiles: u64,
}

/// The kind of codestream, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codestream {
    Jpeg,
    Jpeg2000,
}

impl Codestream {
    pub fn name(self) -> &'static str {
        match self {
            Codestream::Jpeg => "JPEG",
            Codestream::Jpeg2000 => "JPEG 2000",
        }
    }
}

/// Reads the declared size of the codestream a fragment opens with. `None` when the fragment does
/// not open a codestream (a continuation fragment) or is too short to say; `Err` with a reason when
/// the header it opens is impossible.
pub(crate) fn declared_size(fragment: &[u8]) -> Result<Option<(Codestream, DeclaredSize)>, String> {
    if fragment.starts_with(&[0xFF, 0xD8]) {
        return Ok(jpeg_start_of_frame(fragment).map(|size| (Codestream::Jpeg, size)));
    }
    if let Some(start) = jpeg2000_codestream_start(fragment) {
        return jpeg2000_size(&fragment[start..])
            .map(|s| s.map(|size| (Codestream::Jpeg2000, size)));
    }
    Ok(None)
}

fn be16(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as u64)
}

fn be32(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as u64)
}

/// Walks the marker segments of a JPEG or JPEG-LS stream to its start-of-frame segment
/// (ITU T.81 B.2.2; T.87 for SOF55) and reads lines, samples per line and components.
fn jpeg_start_of_frame(stream: &[u8]) -> Option<DeclaredSize> {
    let mut at = 2; // after SOI
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes (T.81 B.1.1.2).
        while stream.get(at) == Some(&0xFF) && stream.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if stream.get(at) != Some(&0xFF) {
            return None;
        }
        let marker = *stream.get(at + 1)?;
        at += 2;
        match marker {
            // Markers without a length: TEM, RSTn, SOI.
            0x01 | 0xD0..=0xD8 => continue,
            // Start of scan or end of image before any frame header: nothing declared.
            0xDA | 0xD9 => return None,
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC); SOF55 is JPEG-LS.
            0xC0..=0xCF | 0xF7 if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                return Some(DeclaredSize {
                    height: be16(stream, at + 3)?,
                    width: be16(stream, at + 5)?,
                    components: *stream.get(at + 7)? as u64,
                    tiles: 1,
                });
            }
            _ => at += be16(stream, at)? as usize,
        }
    }
}

/// Where a JPEG 2000 codestream (SOC then SIZ) starts: at 0 for a bare codestream, the form DICOM
/// prescribes, or inside the JP2 file format's boxes, which some writers put in anyway.
fn jpeg2000_codestream_start(fragment: &[u8]) -> Option<usize> {
    const SOC_SIZ: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];
    const JP2_SIGNATURE: [u8; 12] = [
        0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A,
    ];
    if fragment.starts_with(&SOC_SIZ) {
        return Some(0);
    }
    if fragment.starts_with(&JP2_SIGNATURE) {
        return fragment.windows(4).position(|w| w == SOC_SIZ);
    }
    None
}

/// Reads the SIZ marker segment (ITU T.800 A.5.1) that follows SOC.
fn jpeg2000_size(codestream: &[u8]) -> Result<Option<DeclaredSize>, String> {
    // SOC (2) SIZ (2) Lsiz (2) Rsiz (2), then the 32-bit sizes and offsets, then Csiz.
    let fields: Option<[u64; 8]> = (0..8)
        .map(|i| be32(codestream, 8 + 4 * i))
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.try_into().ok());
    let (
        Some(
            [
                x,
                y,
                x_offset,
                y_offset,
                tile_w,
                tile_h,
                tile_x_offset,
                tile_y_offset,
            ],
        ),
        Some(c),
    ) = (fields, be16(codestream, 40))
    else {
        return Ok(None);
    };
    let impossible = x_offset >= x
        || y_offset >= y
        || tile_w == 0
        || tile_h == 0
        || tile_x_offset > x_offset
        || tile_y_offset > y_offset
        || tile_x_offset + tile_w <= x_offset
        || tile_y_offset + tile_h <= y_offset;
    if impossible {
        return Err(format!(
            "its JPEG 2000 header is impossible (image {x}×{y} from offset {x_offset},{y_offset}, \
             tiles {tile_w}×{tile_h} from {tile_x_offset},{tile_y_offset})"
        ));
    }
    let tiles = (x - tile_x_offset).div_ceil(tile_w) * (y - tile_y_offset).div_ceil(tile_h);
    Ok(Some(DeclaredSize {
        width: x - x_offset,
        height: y - y_offset,
        components: c,
        tiles,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn siz(x: u32, y: u32, tile: u32, components: u16) -> Vec<u8> {
        let mut s = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
        for v in [x, y, 0, 0, tile, tile, 0, 0] {
            s.extend_from_slice(&v.to_be_bytes());
        }
        s.extend_from_slice(&components.to_be_bytes());
        s
    }

    #[test]
    fn reads_a_jpeg2000_siz_marker() {
        let size = declared_size(&siz(3000, 1500, 512, 1)).unwrap().unwrap();
        assert_eq!(size.0, Codestream::Jpeg2000);
        assert_eq!(
            (size.1.width, size.1.height, size.1.components),
            (3000, 1500, 1)
        );
        assert_eq!(size.1.tiles, 6 * 3);
    }

    #[test]
    fn an_impossible_jpeg2000_header_is_refused() {
        let err = declared_size(&siz(3000, 1500, 0, 1)).unwrap_err();
        assert!(err.contains("impossible"), "{err}");
    }

    #[test]
    fn reads_a_jpeg_frame_header_after_other_segments() {
        // SOI, an APP0 segment of 4 bytes, fill bytes, then SOF1 for 480 lines of 640, 3 components.
        let stream = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xFF, 0xC1, 0, 17, 8, 0x01, 0xE0, 0x02, 0x80,
            3,
        ];
        let (kind, size) = declared_size(&stream).unwrap().unwrap();
        assert_eq!(kind, Codestream::Jpeg);
        assert_eq!((size.width, size.height, size.components), (640, 480, 3));
    }

    #[test]
    fn a_continuation_fragment_or_a_cut_header_declares_nothing() {
        assert_eq!(declared_size(&[1, 2, 3, 4]).unwrap(), None);
        assert_eq!(declared_size(&siz(10, 10, 10, 1)[..30]).unwrap(), None);
        assert_eq!(
            declared_size(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]).unwrap(),
            None
        );
    }
}
