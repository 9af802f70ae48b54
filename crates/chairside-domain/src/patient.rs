//! The patient record's rules: names, birth date, sex, phone numbers in E.164, e-mail, national
//! and insurance numbers with their checksums, and how a search query is read.
//!
//! Everything is validated here, once, with errors that name the field, so that the app, the
//! CLI and the forms refuse the same things with the same words.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::clinic::SettingsError as FieldError;

/// Administrative sex as recorded on insurance documents; X when neither applies or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Other => "X",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_uppercase().as_str() {
            "F" => Ok(Sex::Female),
            "M" | "H" => Ok(Sex::Male),
            "X" => Ok(Sex::Other),
            _ => Err(FieldError::new(
                "sex",
                format!("unknown sex {text:?}: use F, M or X"),
            )),
        }
    }
}

/// Which national or insurance number a patient carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NationalIdKind {
    /// Belgian national register number (NN / RRN): 11 digits, mod-97 check.
    BelgianRegister,
    /// French social security number (NIR): 13 characters and a 2-digit mod-97 key.
    FrenchNir,
    /// Algerian social security number (CNAS, on the Chifa card): 10 to 15 digits.
    AlgerianCnas,
}

impl NationalIdKind {
    pub fn code(self) -> &'static str {
        match self {
            NationalIdKind::BelgianRegister => "be_nrn",
            NationalIdKind::FrenchNir => "fr_nir",
            NationalIdKind::AlgerianCnas => "dz_cnas",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "be_nrn" => Ok(NationalIdKind::BelgianRegister),
            "fr_nir" => Ok(NationalIdKind::FrenchNir),
            "dz_cnas" => Ok(NationalIdKind::AlgerianCnas),
            _ => Err(FieldError::new(
                "national_id_kind",
                format!("unknown kind {text:?}: use be_nrn, fr_nir or dz_cnas"),
            )),
        }
    }

    /// The kind a clinic in this phone region records by default.
    pub fn for_region(region: &str) -> Option<Self> {
        match region {
            "BE" => Some(NationalIdKind::BelgianRegister),
            "FR" => Some(NationalIdKind::FrenchNir),
            "DZ" => Some(NationalIdKind::AlgerianCnas),
            _ => None,
        }
    }
}

/// How a patient's guarantor (the person who pays or answers for them) is related to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The guarantor is the patient's parent (a child's file).
    Parent,
    Spouse,
    /// A legal guardian who is not a parent.
    Guardian,
    /// The guarantor is the patient's child (an elderly parent's file).
    Child,
    Sibling,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 6] = [
        Relation::Parent,
        Relation::Spouse,
        Relation::Guardian,
        Relation::Child,
        Relation::Sibling,
        Relation::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Relation::Parent => "parent",
            Relation::Spouse => "spouse",
            Relation::Guardian => "guardian",
            Relation::Child => "child",
            Relation::Sibling => "sibling",
            Relation::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim().to_ascii_lowercase();
        Relation::ALL
            .into_iter()
            .find(|r| r.code() == text)
            .ok_or_else(|| {
                FieldError::new(
                    "guarantor_relation",
                    format!(
                        "unknown relation {text:?}: use parent, spouse, guardian, child, sibling or other"
                    ),
                )
            })
    }

    /// The HL7 v3 RoleCode of the guarantor's role towards the patient, used in FHIR exports
    /// (`Patient.contact.relationship`); `None` where v3 has no closer code than free text.
    pub fn hl7_role_code(self) -> Option<(&'static str, &'static str)> {
        match self {
            Relation::Parent => Some(("PRN", "parent")),
            Relation::Spouse => Some(("SPS", "spouse")),
            Relation::Guardian => Some(("GUARD", "guardian")),
            Relation::Child => Some(("CHILD", "child")),
            Relation::Sibling => Some(("SIB", "sibling")),
            Relation::Other => None,
        }
    }
}

/// A person's last or first name: letters of any script (Latin with accents, Arabic...),
/// spaces, hyphens, apostrophes and dots ("d'Alembert", "Ben Ali-Hamidi", "Jean-Luc", "St.").
pub fn parse_name(field: &'static str, text: &str, required: bool) -> Result<String, FieldError> {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let name: String = collapsed.nfc().collect();
    if name.is_empty() {
        return if required {
            Err(FieldError::new(field, "is empty"))
        } else {
            Ok(name)
        };
    }
    if name.chars().count() > 100 {
        return Err(FieldError::new(field, "is longer than 100 characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphabetic() || is_mark(*c) || " -'’.".contains(*c)))
    {
        return Err(FieldError::new(
            field,
            format!("contains {bad:?}: only letters, spaces, hyphens and apostrophes"),
        ));
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(FieldError::new(field, "has no letter"));
    }
    Ok(name)
}

fn is_mark(c: char) -> bool {
    // Combining marks (Arabic harakat, decomposed accents) belong to names.
    matches!(c as u32, 0x0300..=0x036F | 0x064B..=0x065F | 0x0670)
}

/// A birth date `YYYY-MM-DD`, not in the future (as of `today` in the clinic's time zone) and
/// not before 1900.
pub fn parse_birth_date(text: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new("birth_date", format!("{text:?} is not a date YYYY-MM-DD")))?;
    if date > today {
        return Err(FieldError::new(
            "birth_date",
            format!("{date} is in the future"),
        ));
    }
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date) {
        return Err(FieldError::new(
            "birth_date",
            format!("{date} is before 1900"),
        ));
    }
    Ok(date)
}

/// A phone number as typed ("0555 12 34 56", "+32 470 12 34 56", "00 33 6 12 34 56 78"),
/// read with the clinic's default region, returned in E.164 ("+213555123456").
pub fn parse_phone(text: &str, default_region: &str) -> Result<String, FieldError> {
    let region: phonenumber::country::Id = default_region.parse().map_err(|_| {
        FieldError::new("phone", format!("unknown phone region {default_region:?}"))
    })?;
    let trimmed = text.trim();
    // "00" is the international prefix in Algeria, Belgium and France.
    let international;
    let input = if let Some(rest) = trimmed.strip_prefix("00") {
        international = format!("+{rest}");
        international.as_str()
    } else {
        trimmed
    };
    let number = phonenumber::parse(Some(region), input)
        .map_err(|_| FieldError::new("phone", format!("{text:?} is not a phone number")))?;
    if !phonenumber::is_valid(&number) {
        return Err(FieldError::new(
            "phone",
            format!("{text:?} is not a valid phone number for {default_region}"),
        ));
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An e-mail address, checked against RFC 5322's syntax; stored as typed, trimmed.
pub fn parse_email(text: &str) -> Result<String, FieldError> {
    let email = text.trim();
    if !email_address::EmailAddress::is_valid(email) || !email.contains('.') {
        return Err(FieldError::new(
            "email",
            format!("{text:?} is not an e-mail address"),
        ));
    }
    Ok(email.to_string())
}

/// A national or insurance number, normalised to its digits (and 2A/2B for Corsica), with its
/// checksum verified where the scheme has one.
pub fn parse_national_id(kind: NationalIdKind, text: &str) -> Result<String, FieldError> {
    let compact: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let bad = |reason: String| FieldError::new("national_id", reason);
    match kind {
        NationalIdKind::BelgianRegister => {
            if compact.len() != 11 || !compact.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(
                    "a Belgian national register number has 11 digits".into()
                ));
            }
            let body: u64 = compact[..9]
                .parse()
                .map_err(|_| bad("not a number".into()))?;
            let check: u64 = compact[9..]
                .parse()
                .map_err(|_| bad("not a number".into()))?;
            // Born before 2000: 97 - (body mod 97); from 2000: a 2 is put in front of the body.
            let ok = 97 - body % 97 == check || 97 - (2_000_000_000 + body) % 97 == check;
            if !ok {
                return Err(bad(format!(
                    "{text:?}: the check digits do not match (mistyped?)"
                )));
            }
            Ok(compact)
        }
        NationalIdKind::FrenchNir => {
            if compact.len() != 15 {
                return Err(bad(
                    "a French social security number has 15 characters (13 + a 2-digit key)".into(),
                ));
            }
            // Corsica: department 2A counts as 19, 2B as 18 in the key computation.
            let numeric = match &compact[5..7] {
                "2A" => format!("{}19{}", &compact[..5], &compact[7..13]),
                "2B" => format!("{}18{}", &compact[..5], &compact[7..13]),
                _ => compact[..13].to_string(),
            };
            let body: u64 = numeric
                .parse()
                .map_err(|_| bad(format!("{text:?} is not a NIR")))?;
            let key: u64 = compact[13..]
                .parse()
                .map_err(|_| bad(format!("{text:?} has no numeric key")))?;
            if 97 - body % 97 != key {
                return Err(bad(format!("{text:?}: the key does not match (mistyped?)")));
            }
            Ok(compact)
        }
        NationalIdKind::AlgerianCnas => {
            if !(10..=15).contains(&compact.len()) || !compact.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(
                    "an Algerian social security (CNAS) number has 10 to 15 digits".into(),
                ));
            }
            Ok(compact)
        }
    }
}

/// Folds text for matching: decomposes, drops accents, lower-cases ("Hélène" -> "helene").
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// How a search box's text is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchQuery {
    /// Name words, each a prefix, all required ("ben moh" finds "Mohamed Benali").
    Words(Vec<String>),
    /// A phone number (E.164 digits, or a prefix of a number's national digits).
    Phone {
        e164_digits: Option<String>,
        digits: String,
    },
    /// A birth date typed as YYYY-MM-DD or DD/MM/YYYY.
    BirthDate(NaiveDate),
    /// A file number ("K7Q-00042") or its prefix.
    FileNumber(String),
    Empty,
}

impl SearchQuery {
    pub fn parse(text: &str, default_region: &str) -> SearchQuery {
        let text = text.trim();
        if text.is_empty() {
            return SearchQuery::Empty;
        }
        for format in ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"] {
            if let Ok(date) = NaiveDate::parse_from_str(text, format) {
                return SearchQuery::BirthDate(date);
            }
        }
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-./()".contains(c));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if phone_like && digits.len() >= 3 {
            let e164 = parse_phone(text, default_region)
                .ok()
                .map(|p| p.trim_start_matches('+').to_string());
            return SearchQuery::Phone {
                e164_digits: e164,
                digits,
            };
        }
        if looks_like_file_number(text) {
            return SearchQuery::FileNumber(text.to_ascii_uppercase());
        }
        let words: Vec<String> = fold(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect();
        if words.is_empty() {
            SearchQuery::Empty
        } else {
            SearchQuery::Words(words)
        }
    }
}

fn looks_like_file_number(text: &str) -> bool {
    let mut parts = text.splitn(2, '-');
    let (Some(prefix), Some(number)) = (parts.next(), parts.next()) else {
        return false;
    };
    prefix.len() == 3
        && prefix.starts_with(|c: char| c.is_ascii_alphabetic())
        && prefix.chars().all(|c| c.is_ascii_alphanumeric())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// A file number: the device's three-character code and its own counter ("K7Q-00042"). Two
/// desks that create patients offline never make the same number, and people can still read
/// it out over the phone.
pub fn file_number(device_code: &str, counter: u64) -> String {
    format!("{device_code}-{counter:05}")
}

/// The three-character code of a device, from its id (Crockford base32: no I, L, O, U).
pub fn device_code(device_id: &crate::DeviceId) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    // The first character is always a letter, so a file number can never be read as a phone
    // number or a date ("K7Q-00042", never "123-00042").
    const LETTERS: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ";
    // The last bytes of a UUIDv7 are random; the first ones are a timestamp.
    let bytes = device_id.as_uuid().as_bytes();
    let n = (u32::from(bytes[13]) << 16) | (u32::from(bytes[14]) << 8) | u32::from(bytes[15]);
    let first = LETTERS[(n >> 10) as usize % LETTERS.len()] as char;
    std::iter::once(first)
        .chain((0..2).map(|i| ALPHABET[((n >> (5 * (1 - i))) & 31) as usize] as char))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn names_of_every_clinic_are_accepted_and_nonsense_is_not() {
        for name in [
            "Dupré",
            "Hélène",
            "Ben Ali-Hamidi",
            "d'Alembert",
            "N’Diaye",
            "بن علي",
            "Van  der Berg",
            "St. Clair",
        ] {
            assert!(parse_name("last_name", name, true).is_ok(), "{name}");
        }
        assert_eq!(
            parse_name("last_name", "  Van  der Berg ", true).unwrap(),
            "Van der Berg"
        );
        assert_eq!(
            parse_name("last_name", "", true).unwrap_err().field,
            "last_name"
        );
        assert!(parse_name("first_name", "R2D2", true).is_err());
        assert!(parse_name("first_name", "--", true).is_err());
        assert_eq!(parse_name("first_name", "", false).unwrap(), "");
    }

    #[test]
    fn birth_dates_are_real_and_past() {
        assert!(parse_birth_date("1985-03-14", today()).is_ok());
        assert!(
            parse_birth_date("2026-11-22", today()).is_ok(),
            "born today"
        );
        assert!(
            parse_birth_date("2026-11-23", today())
                .unwrap_err()
                .reason
                .contains("future")
        );
        assert!(parse_birth_date("1985-02-30", today()).is_err());
        assert!(parse_birth_date("14/03/1985", today()).is_err());
        assert!(parse_birth_date("1899-12-31", today()).is_err());
    }

    #[test]
    fn phones_are_normalised_to_e164_with_the_clinic_region() {
        let cases = [
            ("0555 12 34 56", "DZ", "+213555123456"),
            ("+213 555 12 34 56", "BE", "+213555123456"),
            ("0470 12 34 56", "BE", "+32470123456"),
            ("02 345 67 89", "BE", "+3223456789"),
            ("06 12 34 56 78", "FR", "+33612345678"),
            ("0033 6 12 34 56 78", "DZ", "+33612345678"),
        ];
        for (typed, region, e164) in cases {
            assert_eq!(
                parse_phone(typed, region).unwrap(),
                e164,
                "{typed} in {region}"
            );
        }
        for bad in ["12", "hello", "0555 12", "+999 123"] {
            assert_eq!(parse_phone(bad, "DZ").unwrap_err().field, "phone", "{bad}");
        }
    }

    #[test]
    fn national_numbers_have_their_checksums_verified() {
        // Belgian numbers: one born before 2000, one after.
        assert_eq!(
            parse_national_id(NationalIdKind::BelgianRegister, "85.07.30-033.28").unwrap(),
            "85073003328"
        );
        assert!(parse_national_id(NationalIdKind::BelgianRegister, "17.07.30-033.84").is_ok());
        assert!(parse_national_id(NationalIdKind::BelgianRegister, "85.07.30-033.29").is_err());
        assert!(parse_national_id(NationalIdKind::BelgianRegister, "1234").is_err());
        // French NIR, mainland and Corsica.
        assert!(parse_national_id(NationalIdKind::FrenchNir, "1 85 05 78 006 084 91").is_ok());
        assert!(parse_national_id(NationalIdKind::FrenchNir, "1 85 05 78 006 084 92").is_err());
        assert!(parse_national_id(NationalIdKind::FrenchNir, "2 90 02 2A 004 001 29").is_ok());
        assert!(parse_national_id(NationalIdKind::FrenchNir, "2 90 02 2A 004 001 30").is_err());
        assert!(parse_national_id(NationalIdKind::AlgerianCnas, "85 0314 1234 56").is_ok());
        assert!(parse_national_id(NationalIdKind::AlgerianCnas, "12AB").is_err());
    }

    #[test]
    fn each_region_has_its_default_national_number() {
        assert_eq!(
            NationalIdKind::for_region("BE"),
            Some(NationalIdKind::BelgianRegister)
        );
        assert_eq!(
            NationalIdKind::for_region("FR"),
            Some(NationalIdKind::FrenchNir)
        );
        assert_eq!(
            NationalIdKind::for_region("DZ"),
            Some(NationalIdKind::AlgerianCnas)
        );
        assert_eq!(NationalIdKind::for_region("MA"), None);
    }

    #[test]
    fn e_mails() {
        assert!(parse_email(" amel.benali@example.dz ").is_ok());
        for bad in ["amel", "amel@", "@x.dz", "a b@x.dz", "amel@localhost"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_queries_are_read_as_people_type_them() {
        assert_eq!(
            SearchQuery::parse("helene dup", "DZ"),
            SearchQuery::Words(vec!["helene".into(), "dup".into()])
        );
        assert_eq!(
            SearchQuery::parse("Hélène DUPRÉ", "DZ"),
            SearchQuery::Words(vec!["helene".into(), "dupre".into()])
        );
        assert_eq!(
            SearchQuery::parse("0555 12 34 56", "DZ"),
            SearchQuery::Phone {
                e164_digits: Some("213555123456".into()),
                digits: "0555123456".into()
            }
        );
        assert_eq!(
            SearchQuery::parse("0555", "DZ"),
            SearchQuery::Phone {
                e164_digits: None,
                digits: "0555".into()
            }
        );
        assert_eq!(
            SearchQuery::parse("14/03/1985", "DZ"),
            SearchQuery::BirthDate(NaiveDate::from_ymd_opt(1985, 3, 14).unwrap())
        );
        assert_eq!(
            SearchQuery::parse("k7q-00042", "DZ"),
            SearchQuery::FileNumber("K7Q-00042".into())
        );
        assert_eq!(SearchQuery::parse("   ", "DZ"), SearchQuery::Empty);
    }

    #[test]
    fn folding_drops_accents_and_case() {
        assert_eq!(fold("Hélène Dupré-Öztürk"), "helene dupre-ozturk");
    }

    #[test]
    fn device_codes_avoid_ambiguous_letters() {
        for _ in 0..200 {
            let code = device_code(&crate::DeviceId::new());
            assert_eq!(code.len(), 3);
            assert!(!code.contains(['I', 'L', 'O', 'U']), "{code}");
            assert!(
                code.starts_with(|c: char| c.is_ascii_alphabetic()),
                "{code}"
            );
            let number = file_number(&code, 7);
            assert_eq!(
                SearchQuery::parse(&number, "DZ"),
                SearchQuery::FileNumber(number.clone())
            );
        }
        assert_eq!(file_number("K7Q", 42), "K7Q-00042");
    }
}
