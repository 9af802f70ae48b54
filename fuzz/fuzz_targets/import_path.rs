//! libFuzzer target for the import path: the bytes of one file, as a user might drop it on the
//! Imagerie tab, go through what the app does with an untrusted file:
//! `sources::describe` (the import preview, in the app's own process), `sources::frame_pixels`
//! (what the decode worker runs) and, for DICOM, `info` and `render` (the CLI).
//!
//! Each must end in a value or an `ImagingError`. A panic that escapes is a crash for libFuzzer.
//! Panics inside third-party decoders that `chairside-imaging` catches and turns into
//! "the decoder failed" errors are not: they are handled, so the hook that libfuzzer-sys installs
//! (abort on any panic, even a caught one) is replaced by a silent one here; an uncaught panic
//! still aborts, because libfuzzer-sys runs each input under `catch_unwind` and aborts when it
//! unwinds out.
#![no_main]

use std::sync::Once;

use chairside_imaging::{DicomImage, Limits, sources};
use libfuzzer_sys::fuzz_target;

/// Tighter than the app's, like the proptest: a header claiming a huge image is refused before
/// anything is decoded, so the fuzzer spends its time on the parsers.
const LIMITS: Limits = Limits {
    max_file_bytes: 16 << 20,
    max_pixel_bytes: 4 << 20,
    max_side: 4_096,
};

static QUIET_CAUGHT_PANICS: Once = Once::new();

fuzz_target!(|bytes: &[u8]| {
    QUIET_CAUGHT_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let Ok(described) = sources::describe(bytes, LIMITS) else {
        return;
    };
    let Ok(frame) = sources::frame_pixels(bytes, 0, LIMITS) else {
        return;
    };
    if described.format == sources::SourceFormat::Dicom {
        if let Ok(image) = DicomImage::from_bytes(bytes, LIMITS) {
            let _ = image.info();
            let _ = image.render(0, None);
        }
    } else {
        let rendered = frame.render(None);
        assert!(
            !rendered.pixels.is_empty(),
            "a decoded frame renders to no pixels"
        );
    }
});
