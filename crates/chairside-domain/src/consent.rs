//! The consents a clinic records for a patient. Each decision is dated, versioned and
//! attributed; withdrawing is a new decision, never an edit.

use crate::clinic::SettingsError as FieldError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConsentKind {
    /// Consent to the proposed care.
    Treatment,
    /// GDPR: processing of the patient's personal and health data.
    DataProcessing,
    SmsReminders,
    EmailReminders,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 4] = [
        ConsentKind::Treatment,
        ConsentKind::DataProcessing,
        ConsentKind::SmsReminders,
        ConsentKind::EmailReminders,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ConsentKind::Treatment => "treatment",
            ConsentKind::DataProcessing => "data_processing",
            ConsentKind::SmsReminders => "sms_reminders",
            ConsentKind::EmailReminders => "email_reminders",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        ConsentKind::ALL.into_iter().find(|k| k.code() == text.trim()).ok_or_else(|| {
            FieldError::new(
                "kind",
                format!("unknown consent {text:?}: use treatment, data_processing, sms_reminders or email_reminders"),
            )
        })
    }
}

/// The version of the consent text the patient saw ("v1", "2026-03"): short and required, so
/// that what was agreed to can be found again.
pub fn parse_text_version(text: &str) -> Result<String, FieldError> {
    let version = text.trim();
    if version.is_empty() {
        return Err(FieldError::new("text_version", "is empty"));
    }
    if version.chars().count() > 40 {
        return Err(FieldError::new(
            "text_version",
            "is longer than 40 characters",
        ));
    }
    Ok(version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_versions() {
        for k in ConsentKind::ALL {
            assert_eq!(ConsentKind::parse(k.code()).unwrap(), k);
        }
        assert_eq!(ConsentKind::parse("marketing").unwrap_err().field, "kind");
        assert_eq!(parse_text_version(" v2 ").unwrap(), "v2");
        assert_eq!(parse_text_version("").unwrap_err().field, "text_version");
    }
}
