//! A bounds check of every element length before dicom-rs reads the file.
//!
//! dicom-rs reserves an element's declared length before reading it, and fills what it reserved:
//! a 40 KB file that declares a 1.7 GB element made the process touch 1.7 GB (found by the fuzz
//! test). So the whole file is walked first, element by element, and refused as soon as a
//! declared length runs past its end. What dicom-rs then allocates is bounded by the file's size.
//!
//! The walk follows the states of dicom-rs's data set reader (see [`check_data_set`]): sequences
//! (known by their VR, or in implicit VR by the standard dictionary, as dicom-rs knows them) and
//! items are walked into, fragments of encapsulated pixel data are stepped over whole, and a
//! binary number whose length is not a whole number of values is refused, because dicom-rs would
//! read past it from a different place than the walk.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::ImagingError;

#[derive(Clone, Copy)]
struct Encoding {
    explicit: bool,
    big_endian: bool,
}

const LITTLE_EXPLICIT: Encoding = Encoding {
    explicit: true,
    big_endian: false,
};

fn u16_at(bytes: &[u8], at: usize, big_endian: bool) -> u16 {
    let b = [bytes[at], bytes[at + 1]];
    if big_endian {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

fn u32_at(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

fn past_end(group: u16, element: u16, length: u64, remaining: usize) -> ImagingError {
    ImagingError::Truncated(format!(
        "element ({group:04X},{element:04X}) declares {length} bytes but only {remaining} remain in the file"
    ))
}

/// What the walk of a Part 10 file found.
pub(crate) enum Part10 {
    /// Every element length lies within the file.
    Checked,
    /// Deflated Explicit VR Little Endian: the data set, from this offset (just after the meta
    /// group), is compressed, so its lengths cannot be checked against the file. The caller
    /// inflates it under a bound and walks the result with [`check_inflated`].
    Deflated { data_set_at: usize },
}

/// Checks a Part 10 file from its meta header (just after "DICM") to its end.
pub(crate) fn check_part10(bytes: &[u8]) -> Result<Part10, ImagingError> {
    // The meta group is explicit VR little endian; its transfer syntax decides the rest.
    let mut transfer_syntax = String::new();
    let mut pos = 0;
    while pos + 8 <= bytes.len() && u16_at(bytes, pos, false) == 0x0002 {
        let element = u16_at(bytes, pos + 2, false);
        let (header, length) = header_and_length(bytes, pos, LITTLE_EXPLICIT)?;
        let value_end = check_value(bytes, pos, header, length, 0x0002, element)?;
        if element == 0x0010 {
            transfer_syntax = String::from_utf8_lossy(&bytes[pos + header..value_end])
                .trim_end_matches(['\0', ' '])
                .to_string();
        }
        pos = value_end;
    }
    if transfer_syntax == DEFLATED {
        return Ok(Part10::Deflated { data_set_at: pos });
    }
    let encoding = Encoding {
        explicit: transfer_syntax != "1.2.840.10008.1.2",
        big_endian: transfer_syntax == "1.2.840.10008.1.2.2",
    };
    check_data_set(bytes, pos, encoding)?;
    Ok(Part10::Checked)
}

/// Deflated Explicit VR Little Endian.
const DEFLATED: &str = "1.2.840.10008.1.2.1.99";

/// Checks an inflated data set (explicit VR little endian, as the deflated syntax prescribes).
pub(crate) fn check_inflated(bytes: &[u8]) -> Result<(), ImagingError> {
    check_data_set(bytes, 0, LITTLE_EXPLICIT)
}

/// Checks a bare data set (no meta header) in the encoding guessed for it.
pub(crate) fn check_bare(bytes: &[u8], explicit: bool) -> Result<(), ImagingError> {
    check_data_set(
        bytes,
        0,
        Encoding {
            explicit,
            big_endian: false,
        },
    )
}

/// An element's header size and declared length (`None`: undefined length).
fn header_and_length(
    bytes: &[u8],
    pos: usize,
    enc: Encoding,
) -> Result<(usize, Option<u64>), ImagingError> {
    let group = u16_at(bytes, pos, enc.big_endian);
    let undefined = |l: u32| (l != u32::MAX).then_some(u64::from(l));
    if group == 0xFFFE || !enc.explicit {
        // Items and delimiters (always this form), and every element in implicit VR.
        return Ok((8, undefined(u32_at(bytes, pos + 4, enc.big_endian))));
    }
    let vr = [bytes[pos + 4], bytes[pos + 5]];
    // As dicom-rs reads it: these VRs have a 16-bit length; every other one, including a VR
    // that is not a VR at all (read as UN), has two reserved bytes and a 32-bit length. Walking
    // an unknown VR as short let a fuzzed file past this check with a 3.5 GB length that
    // dicom-rs then reserved.
    let long = !matches!(
        &vr,
        b"AE"
            | b"AS"
            | b"AT"
            | b"CS"
            | b"DA"
            | b"DS"
            | b"DT"
            | b"FL"
            | b"FD"
            | b"IS"
            | b"LO"
            | b"LT"
            | b"PN"
            | b"SH"
            | b"SL"
            | b"SS"
            | b"ST"
            | b"TM"
            | b"UI"
            | b"UL"
            | b"US"
    );
    if long {
        if pos + 12 > bytes.len() {
            return Err(ImagingError::Truncated(
                "the file ends inside an element header".into(),
            ));
        }
        Ok((12, undefined(u32_at(bytes, pos + 8, enc.big_endian))))
    } else {
        Ok((8, Some(u64::from(u16_at(bytes, pos + 6, enc.big_endian)))))
    }
}

/// The VR dicom-rs reads an element's value as: the header's in explicit VR (an unknown one is
/// UN), else the standard dictionary's, with pixel and overlay data as OW.
fn vr_as_read(bytes: &[u8], pos: usize, enc: Encoding, group: u16, element: u16) -> VR {
    if group == 0xFFFE {
        // Item and delimiter headers carry no VR, in either encoding.
        return VR::UN;
    }
    if enc.explicit {
        return VR::from_binary([bytes[pos + 4], bytes[pos + 5]]).unwrap_or(VR::UN);
    }
    if (group, element) == (0x7FE0, 0x0010) || (group >> 8 == 0x60 && element == 0x3000) {
        return VR::OW;
    }
    StandardDataDictionary
        .by_tag(Tag(group, element))
        .map(|entry| entry.vr().relaxed())
        .unwrap_or(VR::UN)
}

/// A binary number's length must be a whole number of values. dicom-rs reads only the whole
/// values of a US, UL, FD... element and leaves the rest of its declared length unread, so the
/// next element header it reads starts inside this value, not where the walk steps to: a fuzzed
/// 25-byte file thus showed this walk one element and dicom-rs another declaring 4 GB. Such a
/// length is malformed anyway (PS3.5 6.2), so the file is refused.
fn check_numeric_length(vr: VR, group: u16, element: u16, length: u64) -> Result<(), ImagingError> {
    let unit = match vr {
        VR::US | VR::SS | VR::OW => 2,
        VR::UL | VR::SL | VR::FL | VR::AT | VR::OL | VR::OF => 4,
        VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => 8,
        _ => return Ok(()),
    };
    if length.is_multiple_of(unit) {
        return Ok(());
    }
    Err(ImagingError::Malformed(format!(
        "element ({group:04X},{element:04X}) has {length} bytes, not a whole number of {unit}-byte {} values",
        vr.to_string()
    )))
}

/// The end of an element's value, if it lies within the file.
fn check_value(
    bytes: &[u8],
    pos: usize,
    header: usize,
    length: Option<u64>,
    group: u16,
    element: u16,
) -> Result<usize, ImagingError> {
    let start = pos + header;
    let remaining = bytes.len().saturating_sub(start);
    match length {
        None => Ok(start),
        Some(l) if l <= remaining as u64 => Ok(start + l as usize),
        Some(l) => Err(past_end(group, element, l, remaining)),
    }
}

/// A sequence or item open around the walk's position, as dicom-rs's data set reader keeps them.
struct Open {
    item: bool,
    /// The encapsulated pixel data sequence: its items are fragments of compressed bytes.
    pixel_data: bool,
    /// Where it ends, for a defined length.
    end: Option<usize>,
}

/// Walks a data set the way dicom-rs's `DataSetReader` reads it: at sequence level it expects an
/// item header, elsewhere an element header, and a sequence or item of defined length ends where
/// its length says. Following the same states matters: a walk that disagrees with dicom-rs on
/// where an element starts checks lengths that dicom-rs never reads, and misses the one it does
/// (a fuzzed file hid a 4 GB length behind a (FFFE,00E0) element that a simpler walk took for an
/// item and dicom-rs reads as an ordinary element).
fn check_data_set(bytes: &[u8], mut pos: usize, enc: Encoding) -> Result<(), ImagingError> {
    let mut open: Vec<Open> = Vec::new();
    let mut at_sequence_level = false;
    loop {
        // Sequences and items of defined length close where their length says.
        while let Some(top) = open.last() {
            match top.end {
                Some(end) if end == pos => {
                    at_sequence_level = top.item;
                    open.pop();
                }
                Some(end) if end < pos => {
                    return Err(ImagingError::Malformed(format!(
                        "a sequence or item ends at byte {end}, inside the element before it"
                    )));
                }
                _ => break,
            }
        }
        if pos >= bytes.len() {
            return Ok(());
        }
        if pos + 8 > bytes.len() {
            return Err(ImagingError::Truncated(
                "the file ends inside an element header".into(),
            ));
        }
        let group = u16_at(bytes, pos, enc.big_endian);
        let element = u16_at(bytes, pos + 2, enc.big_endian);
        if at_sequence_level {
            let length = u32_at(bytes, pos + 4, enc.big_endian);
            let length = (length != u32::MAX).then_some(u64::from(length));
            match (group, element) {
                (0xFFFE, 0xE000) => {
                    let value_end = check_value(bytes, pos, 8, length, group, element)?;
                    let end = length.map(|_| value_end);
                    pos += 8;
                    if open.last().is_some_and(|o| o.pixel_data) {
                        // A fragment (or the offset table): its bytes are read whole.
                        pos = end.ok_or_else(|| {
                            ImagingError::Malformed(
                                "a fragment of the compressed pixel data has no length".into(),
                            )
                        })?;
                    } else {
                        open.push(Open {
                            item: true,
                            pixel_data: false,
                            end,
                        });
                        at_sequence_level = false;
                    }
                }
                (0xFFFE, 0xE00D) => {
                    open.pop();
                    pos += 8;
                }
                (0xFFFE, 0xE0DD) => {
                    open.pop();
                    at_sequence_level = false;
                    pos += 8;
                }
                _ => {
                    return Err(ImagingError::Malformed(format!(
                        "element ({group:04X},{element:04X}) stands where a sequence item was expected"
                    )));
                }
            }
            continue;
        }
        let (header, length) = header_and_length(bytes, pos, enc)?;
        let value_end = check_value(bytes, pos, header, length, group, element)?;
        let vr = vr_as_read(bytes, pos, enc, group, element);
        if vr == VR::SQ || length.is_none() {
            // A sequence; an element of undefined length other than a sequence is read as one.
            open.push(Open {
                item: false,
                pixel_data: (group, element) == (0x7FE0, 0x0010) && length.is_none(),
                end: length.map(|_| value_end),
            });
            at_sequence_level = true;
            pos += header;
        } else if (group, element) == (0xFFFE, 0xE00D) {
            // The end of an item of undefined length (ignored outside any sequence).
            if open.pop().is_some() {
                at_sequence_level = true;
            }
            pos += header;
        } else {
            // Any other element, (FFFE,xxxx) ones included, is a value read whole.
            if let Some(length) = length {
                check_numeric_length(vr, group, element, length)?;
            }
            pos = value_end;
        }
    }
}
