//! Medical history: allergies, current medications and conditions, and which of them must be
//! shown in red chairside (the alert banner).

use crate::clinic::SettingsError as FieldError;
use crate::patient::fold;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MedicalKind {
    Allergy,
    Medication,
    Condition,
}

impl MedicalKind {
    pub fn code(self) -> &'static str {
        match self {
            MedicalKind::Allergy => "allergy",
            MedicalKind::Medication => "medication",
            MedicalKind::Condition => "condition",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim() {
            "allergy" => Ok(MedicalKind::Allergy),
            "medication" => Ok(MedicalKind::Medication),
            "condition" => Ok(MedicalKind::Condition),
            other => Err(FieldError::new(
                "kind",
                format!("unknown kind {other:?}: use allergy, medication or condition"),
            )),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Moderate,
    High,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Moderate => "moderate",
            Severity::High => "high",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim() {
            "low" => Ok(Severity::Low),
            "moderate" => Ok(Severity::Moderate),
            "high" => Ok(Severity::High),
            other => Err(FieldError::new(
                "severity",
                format!("unknown severity {other:?}: use low, moderate or high"),
            )),
        }
    }
}

/// Words (folded, French and English) that make a medication or condition matter for dental
/// care even when nobody ticked "alert": bleeding risk (anticoagulants, antiplatelets,
/// haemophilia), osteonecrosis of the jaw (bisphosphonates, denosumab), endocarditis risk and
/// heart disease, diabetes, pregnancy, epilepsy, immunosuppression.
const CHAIRSIDE_RISKS: &[&str] = &[
    "anticoagul",
    "antivitamine k",
    "avk",
    "warfarin",
    "coumadin",
    "acenocoumarol",
    "sintrom",
    "fluindione",
    "previscan",
    "apixaban",
    "eliquis",
    "rivaroxaban",
    "xarelto",
    "dabigatran",
    "pradaxa",
    "edoxaban",
    "heparin",
    "heparine",
    "clopidogrel",
    "plavix",
    "ticagrelor",
    "prasugrel",
    "aspirin",
    "aspirine",
    "kardegic",
    "bisphosphonat",
    "alendron",
    "zoledron",
    "risedron",
    "ibandron",
    "denosumab",
    "prolia",
    "xgeva",
    "hemophil",
    "haemophil",
    "endocard",
    "prothese valvulaire",
    "valve",
    "cardiaque",
    "cardiopath",
    "heart",
    "infarctus",
    "pacemaker",
    "stimulateur",
    "diabet",
    "insulin",
    "grossesse",
    "enceinte",
    "pregnan",
    "epilep",
    "immunodep",
    "immunosup",
    "chimiother",
    "radiother",
    "corticoid",
    "hiv",
    "vih",
];

/// Whether an active item belongs on the red banner: every allergy, anything a person flagged,
/// and medications or conditions that carry a known chairside risk.
pub fn raises_alert(
    kind: MedicalKind,
    label: &str,
    detail: &str,
    flagged: bool,
    active: bool,
) -> bool {
    if !active {
        return false;
    }
    if flagged || kind == MedicalKind::Allergy {
        return true;
    }
    let text = fold(&format!("{label} {detail}"));
    CHAIRSIDE_RISKS.iter().any(|risk| text.contains(risk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_goes_on_the_red_banner() {
        use MedicalKind::*;
        let cases: &[(MedicalKind, &str, &str, bool, bool, bool)] = &[
            // kind, label, detail, flagged, active, expected
            (Allergy, "Pénicilline", "urticaire", false, true, true),
            (Allergy, "Latex", "", false, false, false),
            (Medication, "Warfarine", "5 mg/j", false, true, true),
            (Medication, "Kardégic 75", "", false, true, true),
            (Medication, "Alendronate", "hebdomadaire", false, true, true),
            (Medication, "Paracétamol", "si douleur", false, true, false),
            (Medication, "Paracétamol", "", true, true, true),
            (Condition, "Diabète de type 2", "", false, true, true),
            (Condition, "Grossesse", "2e trimestre", false, true, true),
            (Condition, "Myopie", "", false, true, false),
            (Condition, "Heart valve replacement", "", false, true, true),
        ];
        for (kind, label, detail, flagged, active, expected) in cases {
            assert_eq!(
                raises_alert(*kind, label, detail, *flagged, *active),
                *expected,
                "{label}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for k in [
            MedicalKind::Allergy,
            MedicalKind::Medication,
            MedicalKind::Condition,
        ] {
            assert_eq!(MedicalKind::parse(k.code()).unwrap(), k);
        }
        for s in [Severity::Low, Severity::Moderate, Severity::High] {
            assert_eq!(Severity::parse(s.code()).unwrap(), s);
        }
        assert_eq!(MedicalKind::parse("x").unwrap_err().field, "kind");
    }
}
