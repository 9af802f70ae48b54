//! A patient's complete record as an HL7 FHIR R4 (4.0.1) JSON Bundle, for the GDPR right of
//! access and portability (art. 15 and 20).
//!
//! The bundle is a `collection`: the Patient first, then one resource per medical history item
//! (AllergyIntolerance, MedicationStatement, Condition), per dental chart entry (a finding as a
//! Condition, a treatment as a Procedure, on the tooth as its body site) and per consent
//! decision (Consent).
//! References inside the bundle are `urn:uuid:` full URLs, so the file stands alone. Later modules
//! add their resources here (Appointment, Procedure, ImagingStudy, Invoice...).
//!
//! Mapping choices, where R4 leaves room:
//! * the clinic's file number is an identifier whose system is the clinic's `urn:uuid:`; national
//!   numbers use their official naming systems where one exists (Belgian SSIN, French INS-NIR);
//! * the patient's administrative notes have no place in R4's Patient, so they travel in an
//!   extension ([`NOTES_EXTENSION`]) rather than being left out of an export meant to be complete;
//! * the guarantor is a `Patient.contact` with its HL7 v3 RoleCode relationship;
//! * staff who recorded an item appear by name (`Reference.display`): the export is for the
//!   patient, who has no use for the clinic's internal staff ids.
//!
//! Validity is checked by a test against the official R4 JSON schema (`fhir.schema.json`).

use chairside_domain::patient::Relation;
use chairside_store::chart::ChartRow;
use chairside_store::consents::ConsentRow;
use chairside_store::medical::MedicalRow;
use chairside_store::patients::PatientRow;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// The extension that carries a patient's administrative notes.
pub const NOTES_EXTENSION: &str = "https://chairside.app/fhir/StructureDefinition/patient-notes";

/// Everything the bundle is made from, already read and permission-checked.
pub struct PatientRecord<'a> {
    pub clinic_id: &'a str,
    pub clinic_name: &'a str,
    pub patient: &'a PatientRow,
    pub photo_base64: Option<&'a str>,
    pub guarantor: Option<&'a PatientRow>,
    /// The person's other files, merged into this one (`chairside_store::merged`): each is a
    /// Patient of its own, inactive, linked both ways (FHIR's `replaces` / `replaced-by`).
    pub merged_files: &'a [PatientRow],
    pub medical: &'a [MedicalRow],
    /// Every dental chart entry, settled and struck-out ones included.
    pub chart: &'a [ChartRow],
    pub consents: &'a [ConsentRow],
    /// Display names of the staff ids that appear in the record.
    pub staff_name: &'a dyn Fn(&str) -> String,
    pub bundle_id: &'a str,
    pub now_ms: i64,
}

impl std::fmt::Debug for PatientRecord<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatientRecord")
            .field("patient", &self.patient.id)
            .finish_non_exhaustive()
    }
}

/// Builds the bundle.
pub fn bundle(record: &PatientRecord<'_>) -> Value {
    let patient_ref = urn(&record.patient.id);
    let mut kept = patient(record);
    if !record.merged_files.is_empty() {
        kept["link"] = json!(
            record
                .merged_files
                .iter()
                .map(|m| json!({ "other": { "reference": urn(&m.id) }, "type": "replaces" }))
                .collect::<Vec<_>>()
        );
    }
    let mut entries = vec![entry(&record.patient.id, kept)];
    for merged in record.merged_files {
        let mut resource = patient(&PatientRecord {
            patient: merged,
            photo_base64: None,
            guarantor: None,
            merged_files: &[],
            ..*record
        });
        resource["active"] = json!(false);
        resource["link"] =
            json!([{ "other": { "reference": &patient_ref }, "type": "replaced-by" }]);
        entries.push(entry(&merged.id, resource));
    }
    for item in record.medical {
        entries.push(entry(&item.id, medical(record, item, &patient_ref)));
    }
    let settled = chairside_store::chart::settled(record.chart);
    for e in record.chart {
        let resource = chart_entry(record, e, settled.contains_key(&e.id), &patient_ref);
        entries.push(entry(&e.id, resource));
    }
    // The newest decision of each kind is the one in force; earlier ones are history.
    let mut seen_kinds: Vec<&str> = Vec::new();
    let mut newest_first: Vec<&ConsentRow> = record.consents.iter().collect();
    newest_first.sort_by_key(|c| std::cmp::Reverse(c.recorded_at_ms));
    for c in newest_first {
        let current = !seen_kinds.contains(&c.kind.as_str());
        seen_kinds.push(&c.kind);
        entries.push(entry(&c.id, consent(record, c, &patient_ref, current)));
    }
    json!({
        "resourceType": "Bundle",
        "id": record.bundle_id,
        "meta": { "lastUpdated": instant(record.now_ms) },
        "type": "collection",
        "timestamp": instant(record.now_ms),
        "entry": entries,
    })
}

fn entry(id: &str, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

/// A FHIR `instant`: UTC with milliseconds.
fn instant(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Inserts `value` under `key` unless it is an empty string or array.
fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    };
    if !empty {
        map.insert(key.into(), value);
    }
}

fn patient(record: &PatientRecord<'_>) -> Value {
    let p = record.patient;
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Patient"));
    r.insert("id".into(), json!(p.id));
    if !p.notes.is_empty() {
        r.insert(
            "extension".into(),
            json!([{ "url": NOTES_EXTENSION, "valueString": p.notes }]),
        );
    }
    let mut identifiers = vec![json!({
        "use": "usual",
        "type": { "text": "Numéro de dossier / file number" },
        "system": urn(record.clinic_id),
        "value": p.file_number,
        "assigner": { "display": record.clinic_name },
    })];
    if !p.national_id.is_empty() {
        let (system, text) = match p.national_id_kind.as_str() {
            "be_nrn" => (
                "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
                "Numéro de registre national (BE)",
            ),
            "fr_nir" => ("urn:oid:1.2.250.1.213.1.4.8", "NIR (FR)"),
            _ => (
                "urn:chairside:identifier:dz-cnas",
                "Numéro CNAS / Chifa (DZ)",
            ),
        };
        identifiers.push(json!({
            "use": "official",
            "type": { "text": text },
            "system": system,
            "value": p.national_id,
        }));
    }
    r.insert("identifier".into(), json!(identifiers));
    r.insert("active".into(), json!(p.erased_at_ms == 0));
    if !p.last_name.is_empty() || !p.first_name.is_empty() {
        let mut name = Map::new();
        name.insert("use".into(), json!("official"));
        name.insert(
            "text".into(),
            json!(format!("{} {}", p.first_name, p.last_name).trim()),
        );
        put(&mut name, "family", json!(p.last_name));
        if !p.first_name.is_empty() {
            name.insert("given".into(), json!([p.first_name]));
        }
        r.insert("name".into(), json!([name]));
    }
    let mut telecom: Vec<Value> = p
        .phones
        .iter()
        .enumerate()
        .map(|(i, phone)| json!({ "system": "phone", "value": phone, "rank": i + 1 }))
        .collect();
    if !p.email.is_empty() {
        telecom.push(json!({ "system": "email", "value": p.email }));
    }
    put(&mut r, "telecom", json!(telecom));
    let gender = match p.sex.as_str() {
        "F" => "female",
        "M" => "male",
        _ => "other",
    };
    r.insert("gender".into(), json!(gender));
    // "YYYY-MM-DD", or the year alone once erased: both are FHIR dates.
    put(&mut r, "birthDate", json!(p.birth_date));
    if !p.address.is_empty() {
        r.insert("address".into(), json!([{ "text": p.address }]));
    }
    if let Some(photo) = record.photo_base64 {
        r.insert(
            "photo".into(),
            json!([{ "contentType": "image/jpeg", "data": photo }]),
        );
    }
    if let Some(g) = record.guarantor {
        let relation = Relation::parse(&p.guarantor_relation).unwrap_or(Relation::Other);
        let mut relationship = Map::new();
        if let Some((code, display)) = relation.hl7_role_code() {
            relationship.insert(
                "coding".into(),
                json!([{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                    "code": code,
                    "display": display,
                }]),
            );
        }
        relationship.insert("text".into(), json!(relation.code()));
        let mut contact = Map::new();
        contact.insert("relationship".into(), json!([relationship]));
        let mut name = Map::new();
        put(&mut name, "family", json!(g.last_name));
        if !g.first_name.is_empty() {
            name.insert("given".into(), json!([g.first_name]));
        }
        if !name.is_empty() {
            contact.insert("name".into(), Value::Object(name));
        }
        let phones: Vec<Value> = g
            .phones
            .iter()
            .map(|phone| json!({ "system": "phone", "value": phone }))
            .collect();
        put(&mut contact, "telecom", json!(phones));
        r.insert("contact".into(), json!([contact]));
    }
    if !p.referring_dentist.is_empty() {
        r.insert(
            "generalPractitioner".into(),
            json!([{ "display": p.referring_dentist }]),
        );
    }
    r.insert(
        "managingOrganization".into(),
        json!({ "display": record.clinic_name }),
    );
    Value::Object(r)
}

fn medical(record: &PatientRecord<'_>, item: &MedicalRow, patient_ref: &str) -> Value {
    let recorder = json!({ "display": (record.staff_name)(&item.recorded_by) });
    let reported = if item.noted_on.is_empty() {
        instant(item.recorded_at_ms)
    } else {
        item.noted_on.clone()
    };
    let mut r = Map::new();
    match item.kind.as_str() {
        "allergy" => {
            r.insert("resourceType".into(), json!("AllergyIntolerance"));
            r.insert("id".into(), json!(item.id));
            r.insert(
                "clinicalStatus".into(),
                coded(
                    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    if item.active { "active" } else { "inactive" },
                ),
            );
            if let Some(criticality) = match item.severity.as_str() {
                "high" => Some("high"),
                "low" | "moderate" => Some("low"),
                _ => None,
            } {
                r.insert("criticality".into(), json!(criticality));
            }
            r.insert("code".into(), json!({ "text": item.label }));
            r.insert("patient".into(), json!({ "reference": patient_ref }));
            r.insert("recordedDate".into(), json!(reported));
            r.insert("recorder".into(), recorder);
            if !item.detail.is_empty() {
                let mut reaction = Map::new();
                reaction.insert("manifestation".into(), json!([{ "text": item.detail }]));
                if let Some(severity) = match item.severity.as_str() {
                    "low" => Some("mild"),
                    "moderate" => Some("moderate"),
                    "high" => Some("severe"),
                    _ => None,
                } {
                    reaction.insert("severity".into(), json!(severity));
                }
                r.insert("reaction".into(), json!([reaction]));
            }
        }
        "medication" => {
            r.insert("resourceType".into(), json!("MedicationStatement"));
            r.insert("id".into(), json!(item.id));
            r.insert(
                "status".into(),
                json!(if item.active { "active" } else { "stopped" }),
            );
            r.insert(
                "medicationCodeableConcept".into(),
                json!({ "text": item.label }),
            );
            r.insert("subject".into(), json!({ "reference": patient_ref }));
            r.insert("dateAsserted".into(), json!(instant(item.recorded_at_ms)));
            r.insert("informationSource".into(), recorder);
            if !item.detail.is_empty() {
                r.insert("dosage".into(), json!([{ "text": item.detail }]));
            }
        }
        _ => {
            r.insert("resourceType".into(), json!("Condition"));
            r.insert("id".into(), json!(item.id));
            r.insert(
                "clinicalStatus".into(),
                coded(
                    "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    if item.active { "active" } else { "resolved" },
                ),
            );
            r.insert("code".into(), json!({ "text": item.label }));
            r.insert("subject".into(), json!({ "reference": patient_ref }));
            r.insert("recordedDate".into(), json!(reported));
            r.insert("recorder".into(), recorder);
            if !item.detail.is_empty() {
                r.insert("note".into(), json!([{ "text": item.detail }]));
            }
        }
    }
    Value::Object(r)
}

/// The ISO 3950 (FDI) tooth codes of R4's example tooth code system: permanent teeth only, so a
/// milk tooth is named in the body site's text alone.
const TOOTH_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/ex-tooth";

/// A chart entry: a finding (caries, fracture, a point to watch, a missing tooth) as a
/// Condition, a treatment as a Procedure (planned: `preparation`; done or found in place:
/// `completed`). One struck out is `entered-in-error`; a finding a treatment settles is resolved.
fn chart_entry(
    record: &PatientRecord<'_>,
    e: &ChartRow,
    settled: bool,
    patient_ref: &str,
) -> Value {
    use chairside_domain::chart::ChartKind;
    let kind = ChartKind::parse(&e.kind).ok();
    let what = kind.map_or(e.kind.as_str(), |k| {
        k.with_article()
            .trim_start_matches("an ")
            .trim_start_matches("a ")
    });
    let struck = !e.active;
    let mut site = json!({ "text": format!("tooth {} (FDI){}", e.tooth,
        if e.surfaces.is_empty() { String::new() } else { format!(", surfaces {}", e.surfaces) }) });
    if matches!(e.tooth.as_bytes().first(), Some(b'1'..=b'4')) {
        site["coding"] = json!([{ "system": TOOTH_SYSTEM, "code": e.tooth }]);
    }
    let mut r = Map::new();
    let recorder = json!({ "display": (record.staff_name)(&e.recorded_by) });
    if kind.is_none_or(ChartKind::is_finding) {
        r.insert("resourceType".into(), json!("Condition"));
        r.insert("id".into(), json!(e.id));
        if struck {
            r.insert(
                "verificationStatus".into(),
                coded(
                    "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "entered-in-error",
                ),
            );
        } else {
            r.insert(
                "clinicalStatus".into(),
                coded(
                    "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    if settled { "resolved" } else { "active" },
                ),
            );
        }
        r.insert("code".into(), json!({ "text": what }));
        r.insert("bodySite".into(), json!([site]));
        r.insert("subject".into(), json!({ "reference": patient_ref }));
        r.insert("recordedDate".into(), json!(instant(e.recorded_at_ms)));
        r.insert("recorder".into(), recorder);
    } else {
        let status = match (struck, e.status.as_str()) {
            (true, _) => "entered-in-error",
            (false, "planned") => "preparation",
            _ => "completed",
        };
        let code = if e.material.is_empty() {
            what.to_string()
        } else {
            format!("{what} ({})", e.material.replace('_', " "))
        };
        r.insert("resourceType".into(), json!("Procedure"));
        r.insert("id".into(), json!(e.id));
        r.insert("status".into(), json!(status));
        r.insert("code".into(), json!({ "text": code }));
        r.insert("subject".into(), json!({ "reference": patient_ref }));
        if !e.done_on.is_empty() {
            r.insert("performedDateTime".into(), json!(e.done_on));
        }
        r.insert("recorder".into(), recorder);
        r.insert("bodySite".into(), json!([site]));
    }
    if !e.note.is_empty() {
        r.insert("note".into(), json!([{ "text": e.note }]));
    }
    Value::Object(r)
}

fn consent(record: &PatientRecord<'_>, c: &ConsentRow, patient_ref: &str, current: bool) -> Value {
    let status = match (c.granted, current) {
        (false, _) => "rejected",
        (true, true) => "active",
        (true, false) => "inactive",
    };
    // R4's consent scopes: treatment, or the patient's privacy (data use and contact).
    let scope = if c.kind == "treatment" {
        "treatment"
    } else {
        "patient-privacy"
    };
    json!({
        "resourceType": "Consent",
        "id": c.id,
        "status": status,
        "scope": coded("http://terminology.hl7.org/CodeSystem/consentscope", scope),
        "category": [{
            "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent" }],
            "text": c.kind,
        }],
        "patient": { "reference": patient_ref },
        "dateTime": instant(c.recorded_at_ms),
        "organization": [{ "display": record.clinic_name }],
        "policyRule": { "text": format!("{}, text version {}", c.kind, c.text_version) },
        "provision": {
            "type": if c.granted { "permit" } else { "deny" },
            "actor": [{
                "role": coded("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "ENT"),
                "reference": { "display": (record.staff_name)(&c.recorded_by) },
            }],
        },
    })
}

fn coded(system: &str, code: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code }] })
}
