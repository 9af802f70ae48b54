//! Removing a patient's identity from a DICOM file's header, for a GDPR erasure.
//!
//! An erased patient's file keeps its clinical records under a pseudonym (the file number, see
//! `chairside-store::erasure`); a radiograph is one of them. Its pixels stay, but its header
//! names the patient (Patient Name, Patient ID, birth date, sometimes address and phone).
//! [`DicomImage::without_identity`] writes the same file with those elements replaced by the
//! pseudonym or removed, following the patient module of the DICOM basic confidentiality
//! profile (PS3.15 annex E): the pixel data, the study and the acquisition stay as they were,
//! so the image opens and measures as before.
//!
//! The result depends on nothing but the file and the pseudonym, so every PC that does it gets
//! the same bytes, hence the same content address.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;

use crate::{DicomImage, ImagingError, Result};

/// The elements that take the pseudonym: the ones a viewer shows as "the patient".
const REPLACED_BY_PSEUDONYM: &[(Tag, VR)] =
    &[(tags::PATIENT_NAME, VR::PN), (tags::PATIENT_ID, VR::LO)];

/// Elements emptied (kept with no value: they are type 2 in most image modules). The study's
/// ID and accession number are numbers of the imaging centre that lead back to the person
/// (the basic profile empties them too; a study ID is often the patient ID again).
const EMPTIED: &[(Tag, VR)] = &[
    (tags::PATIENT_BIRTH_DATE, VR::DA),
    (tags::STUDY_ID, VR::SH),
    (tags::ACCESSION_NUMBER, VR::SH),
];

/// Elements removed: every other way the patient module names, locates or reaches the person.
const REMOVED: &[Tag] = &[
    tags::PATIENT_BIRTH_TIME,
    // Other Patient IDs and Medical Record Locator: retired, still found in older files.
    Tag(0x0010, 0x1000),
    tags::OTHER_PATIENT_NAMES,
    tags::OTHER_PATIENT_I_DS_SEQUENCE,
    tags::PATIENT_BIRTH_NAME,
    tags::PATIENT_ADDRESS,
    tags::PATIENT_MOTHER_BIRTH_NAME,
    Tag(0x0010, 0x1090),
    tags::COUNTRY_OF_RESIDENCE,
    tags::REGION_OF_RESIDENCE,
    tags::PATIENT_TELEPHONE_NUMBERS,
    tags::PATIENT_TELECOM_INFORMATION,
    tags::MILITARY_RANK,
    tags::BRANCH_OF_SERVICE,
    tags::PATIENT_RELIGIOUS_PREFERENCE,
    tags::PATIENT_COMMENTS,
    tags::RESPONSIBLE_PERSON,
    tags::RESPONSIBLE_PERSON_ROLE,
    tags::RESPONSIBLE_ORGANIZATION,
    tags::PATIENT_INSURANCE_PLAN_CODE_SEQUENCE,
];

/// What the file says of how its identity was removed (Deidentification Method).
const METHOD: &str = "Chairside GDPR erasure: patient identity replaced by the file number";

impl DicomImage {
    /// The file as a DICOM Part 10 file whose header no longer identifies the patient: Patient
    /// Name and Patient ID become `pseudonym`, the birth date is emptied, the other identifying
    /// elements of the patient module are removed, and Patient Identity Removed says YES. Pixel
    /// data and every other element are written back as read.
    pub fn without_identity(&self, pseudonym: &str) -> Result<Vec<u8>> {
        let mut object = self.object.clone();
        for (tag, vr) in REPLACED_BY_PSEUDONYM {
            object.put(DataElement::new(*tag, *vr, PrimitiveValue::from(pseudonym)));
        }
        for (tag, vr) in EMPTIED {
            if object.element(*tag).is_ok() {
                object.put(DataElement::new(*tag, *vr, PrimitiveValue::Empty));
            }
        }
        for tag in REMOVED {
            object.remove_element(*tag);
        }
        object.put(DataElement::new(
            tags::PATIENT_IDENTITY_REMOVED,
            VR::CS,
            PrimitiveValue::from("YES"),
        ));
        object.put(DataElement::new(
            tags::DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::from(METHOD),
        ));
        // The writer runs on a file that may be odd in ways the reader tolerated: a panic in it
        // is an error for this file, never a crash of the erasure.
        let out = crate::guarded("header, written again", || {
            let mut out = Vec::new();
            object
                .write_all(&mut out)
                .map_err(|e| ImagingError::CannotRewrite(e.to_string()))?;
            Ok(out)
        })?;
        // The copy replaces the original: it must read back as the same image, pixel data
        // element for element, or the original stays.
        let copy = DicomImage::from_bytes(&out, self.limits).map_err(|e| {
            ImagingError::CannotRewrite(format!("the copy does not read back: {e}"))
        })?;
        let same_pixels = copy
            .object
            .element(tags::PIXEL_DATA)
            .ok()
            .map(|e| e.value())
            == self
                .object
                .element(tags::PIXEL_DATA)
                .ok()
                .map(|e| e.value());
        let (before, after) = (self.info()?, copy.info()?);
        let geometry = |i: &crate::ImageInfo| {
            (
                i.rows,
                i.columns,
                i.frames,
                i.samples_per_pixel,
                i.bits_allocated,
                i.bits_stored,
                i.photometric_interpretation.clone(),
                i.transfer_syntax.clone(),
            )
        };
        if !same_pixels || geometry(&before) != geometry(&after) {
            return Err(ImagingError::CannotRewrite(
                "the copy does not read back as the same image".into(),
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn corpus(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/dicom")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// Each file of the corpus that names a patient: the pseudonym replaces the name, the
    /// name's bytes are gone, and the first frame renders to the same pixels as before.
    #[test]
    fn the_identity_leaves_the_header_and_the_pixels_stay() {
        let files = [
            "real/CT_small.dcm",
            "real/MR_small.dcm",
            "real/MR_small_RLE.dcm",
            "real/MR_small_implicit.dcm",
            "real/MR_small_bigendian.dcm",
            "real/MR_small_jpeg_ls_lossless.dcm",
            "real/JPEG-lossy.dcm",
            "real/JPEG2000.dcm",
            "real/SC_rgb_rle.dcm",
            "real/image_dfl.dcm",
            "real/chrFren.dcm",
            "synthetic/panoramic_px_jpegls.dcm",
            "synthetic/intraoral_io_16bit.dcm",
        ];
        let limits = Limits::default();
        for name in files {
            let bytes = corpus(name);
            let before =
                DicomImage::from_bytes(&bytes, limits).unwrap_or_else(|e| panic!("{name}: {e}"));
            let info = before.info().unwrap_or_else(|e| panic!("{name}: {e}"));
            let out = before
                .without_identity("K7Q-00042")
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let after = DicomImage::from_bytes(&out, limits)
                .unwrap_or_else(|e| panic!("{name} written again does not read: {e}"));
            let info_after = after.info().unwrap();
            assert_eq!(
                info_after.patient_name.as_deref(),
                Some("K7Q-00042"),
                "{name}"
            );
            assert_eq!(
                info_after.patient_id.as_deref(),
                Some("K7Q-00042"),
                "{name}"
            );
            for old in [&info.patient_name, &info.patient_id].into_iter().flatten() {
                let old = old.trim();
                if old.len() >= 4 && old != "K7Q-00042" {
                    assert!(
                        !contains(&out, old.as_bytes()),
                        "{name}: {old:?} is still in the file"
                    );
                }
            }
            assert_eq!(
                (info_after.rows, info_after.columns, info_after.frames),
                (info.rows, info.columns, info.frames),
                "{name}"
            );
            let (a, b) = (
                before.render(0, None).unwrap(),
                after.render(0, None).unwrap(),
            );
            assert!(a.pixels == b.pixels, "{name}: the pixels changed");
            // The same file and pseudonym give the same bytes (the same blob on every PC).
            assert_eq!(before.without_identity("K7Q-00042").unwrap(), out, "{name}");
        }
    }
}
