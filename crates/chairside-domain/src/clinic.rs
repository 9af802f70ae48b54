//! Clinic settings and account rules: what a valid clinic, username and password look like.

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;

/// The clinic's default time zone: Algeria (UTC+01, no daylight saving time).
pub const DEFAULT_TIMEZONE: &str = "Africa/Algiers";
pub const DEFAULT_PHONE_REGION: &str = "DZ";
/// Chairside PCs are shared: a session locks after five idle minutes unless the owner says
/// otherwise.
pub const DEFAULT_IDLE_LOCK_SECONDS: u32 = 5 * 60;
pub const MIN_IDLE_LOCK_SECONDS: u32 = 30;
pub const MAX_IDLE_LOCK_SECONDS: u32 = 60 * 60;
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Phone regions offered for a clinic, as (ISO 3166 code, French name, English name). The
/// clinics Chairside serves first are in Algeria, Belgium and France; neighbours follow.
pub const PHONE_REGIONS: &[(&str, &str, &str)] = &[
    ("DZ", "Algérie", "Algeria"),
    ("BE", "Belgique", "Belgium"),
    ("FR", "France", "France"),
    ("MA", "Maroc", "Morocco"),
    ("TN", "Tunisie", "Tunisia"),
    ("LU", "Luxembourg", "Luxembourg"),
    ("CH", "Suisse", "Switzerland"),
    ("CA", "Canada", "Canada"),
];

/// The language of the user interface and of printed documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    French,
    English,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::French => "fr",
            Language::English => "en",
        }
    }
}

impl FromStr for Language {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" | "fr-fr" | "fr-be" | "fr-dz" => Ok(Language::French),
            "en" | "en-gb" | "en-us" => Ok(Language::English),
            other => Err(SettingsError::new(
                "language",
                format!("unknown language {other:?}: use fr or en"),
            )),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A value that was refused, with the name of the field so that forms and the CLI can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingsError {
    pub field: &'static str,
    pub reason: String,
}

impl SettingsError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// A clinic's settings, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClinicSettings {
    pub name: String,
    pub address: String,
    pub timezone: Tz,
    pub phone_region: String,
    pub language: Language,
    pub idle_lock_seconds: u32,
}

impl ClinicSettings {
    /// Validates raw input (from a form or the command line) into settings.
    pub fn parse(
        name: &str,
        address: &str,
        timezone: &str,
        phone_region: &str,
        language: Language,
    ) -> Result<Self, SettingsError> {
        Ok(Self {
            name: parse_clinic_name(name)?,
            address: parse_address(address)?,
            timezone: parse_timezone(timezone)?,
            phone_region: parse_phone_region(phone_region)?,
            language,
            idle_lock_seconds: DEFAULT_IDLE_LOCK_SECONDS,
        })
    }
}

pub fn parse_clinic_name(name: &str) -> Result<String, SettingsError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SettingsError::new(
            "clinic_name",
            "the clinic name is empty",
        ));
    }
    if name.chars().count() > 200 {
        return Err(SettingsError::new(
            "clinic_name",
            "the clinic name is longer than 200 characters",
        ));
    }
    Ok(name.to_string())
}

pub fn parse_address(address: &str) -> Result<String, SettingsError> {
    let address = address.trim();
    if address.chars().count() > 1000 {
        return Err(SettingsError::new(
            "address",
            "the address is longer than 1000 characters",
        ));
    }
    Ok(address.to_string())
}

pub fn parse_timezone(timezone: &str) -> Result<Tz, SettingsError> {
    timezone.trim().parse::<Tz>().map_err(|_| {
        SettingsError::new(
            "timezone",
            format!("unknown time zone {timezone:?}: use an IANA name such as Africa/Algiers or Europe/Brussels"),
        )
    })
}

pub fn parse_phone_region(region: &str) -> Result<String, SettingsError> {
    let code = region.trim().to_ascii_uppercase();
    if PHONE_REGIONS.iter().any(|(c, _, _)| *c == code) {
        Ok(code)
    } else {
        let known: Vec<&str> = PHONE_REGIONS.iter().map(|(c, _, _)| *c).collect();
        Err(SettingsError::new(
            "phone_region",
            format!(
                "unsupported phone region {region:?}: use one of {}",
                known.join(", ")
            ),
        ))
    }
}

pub fn check_idle_lock_seconds(seconds: u32) -> Result<u32, SettingsError> {
    if (MIN_IDLE_LOCK_SECONDS..=MAX_IDLE_LOCK_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(SettingsError::new(
            "idle_lock_seconds",
            format!(
                "the idle lock must be between {MIN_IDLE_LOCK_SECONDS} seconds and {} minutes",
                MAX_IDLE_LOCK_SECONDS / 60
            ),
        ))
    }
}

/// Usernames are short, lower-case and typed on shared keyboards: letters, digits, `.`, `_`, `-`.
pub fn parse_username(username: &str) -> Result<String, SettingsError> {
    let username = username.trim().to_lowercase();
    let len = username.chars().count();
    if !(2..=32).contains(&len) {
        return Err(SettingsError::new(
            "username",
            "a username has 2 to 32 characters",
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(SettingsError::new(
            "username",
            "a username may contain only letters a-z, digits, '.', '_' and '-'",
        ));
    }
    Ok(username)
}

pub fn parse_display_name(display_name: &str, username: &str) -> Result<String, SettingsError> {
    let display_name = display_name.trim();
    if display_name.chars().count() > 100 {
        return Err(SettingsError::new(
            "display_name",
            "the display name is longer than 100 characters",
        ));
    }
    Ok(if display_name.is_empty() {
        username.to_string()
    } else {
        display_name.to_string()
    })
}

pub fn check_password(password: &str) -> Result<(), SettingsError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(SettingsError::new(
            "password",
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(SettingsError::new(
            "password",
            "a password has at most 1024 bytes",
        ));
    }
    Ok(())
}

/// All IANA time zone names, for pickers.
pub fn timezone_names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clinic_in_algiers_and_one_in_brussels_are_valid() {
        let s = ClinicSettings::parse(
            " Cabinet Dentaire El Biar ",
            "",
            "Africa/Algiers",
            "dz",
            Language::French,
        )
        .unwrap();
        assert_eq!(s.name, "Cabinet Dentaire El Biar");
        assert_eq!(s.phone_region, "DZ");
        assert_eq!(s.idle_lock_seconds, DEFAULT_IDLE_LOCK_SECONDS);
        ClinicSettings::parse(
            "Cabinet Ixelles",
            "Rue X 1",
            "Europe/Brussels",
            "BE",
            Language::English,
        )
        .unwrap();
    }

    #[test]
    fn refusals_name_the_field() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("", "Africa/Algiers", "DZ", "clinic_name"),
            ("A", "Mars/Olympus", "DZ", "timezone"),
            ("A", "Africa/Algiers", "ZZ", "phone_region"),
        ];
        for (name, tz, region, field) in cases {
            let err = ClinicSettings::parse(name, "", tz, region, Language::French).unwrap_err();
            assert_eq!(err.field, *field, "{err}");
        }
    }

    #[test]
    fn usernames_passwords_and_idle_lock_have_bounds() {
        assert_eq!(parse_username(" Dr.Benali ").unwrap(), "dr.benali");
        assert_eq!(parse_username("a").unwrap_err().field, "username");
        assert_eq!(parse_username("amel benali").unwrap_err().field, "username");
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pw").is_ok());
        assert!(check_idle_lock_seconds(29).is_err());
        assert!(check_idle_lock_seconds(300).is_ok());
        assert!(check_idle_lock_seconds(3601).is_err());
        assert_eq!(parse_display_name("  ", "amel").unwrap(), "amel");
    }

    #[test]
    fn languages_parse() {
        assert_eq!("FR".parse::<Language>().unwrap(), Language::French);
        assert_eq!("en".parse::<Language>().unwrap(), Language::English);
        assert!("de".parse::<Language>().is_err());
    }
}
