//! Demo data: realistic patients of French, Algerian and Belgian clinics (names, valid phone
//! numbers, national numbers with correct checksums) for trying the app, screenshots and
//! benchmarks. Deterministic for a given seed.

use chairside_domain::patient::{NationalIdKind, parse_national_id, parse_phone};
use chairside_domain::{EntityId, Permission as P};
use chairside_store::patients::PatientRow;

use crate::{App, Result, record};

const FIRST_F: &[&str] = &[
    "Amel", "Yasmine", "Nadia", "Fatima", "Sarah", "Lina", "Imane", "Meriem", "Hélène", "Camille",
    "Chloé", "Léa", "Manon", "Inès", "Élodie", "Anke", "Lotte", "Marie", "Sofia", "Aïcha", "Zoé",
    "Noémie",
];
const FIRST_M: &[&str] = &[
    "Mohamed",
    "Karim",
    "Yacine",
    "Amine",
    "Rachid",
    "Sofiane",
    "Walid",
    "Bilal",
    "Lucas",
    "Hugo",
    "Louis",
    "Jérôme",
    "François",
    "Noé",
    "Théo",
    "Pieter",
    "Jonas",
    "Wout",
    "Mehdi",
    "Adam",
    "Éric",
    "Anis",
];
const LAST: &[&str] = &[
    "Benali",
    "Bensalah",
    "Boudiaf",
    "Haddad",
    "Mansouri",
    "Khelifi",
    "Belkacem",
    "Zerrouki",
    "Saïdi",
    "Ould Ali",
    "Ben Youssef",
    "Aït Ahmed",
    "Dupont",
    "Dupré",
    "Lefèvre",
    "Moreau",
    "Girard",
    "Rousseau",
    "Bonnet",
    "Lemaître",
    "d'Amboise",
    "Le Goff",
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Willems",
    "Claes",
    "Van den Berg",
    "De Smet",
    "Vermeulen",
    "Öztürk",
    "Nguyen",
    "Da Silva",
    "Martin",
    "Bernard",
    "Mercier",
    "Chevalier",
];
const STREETS: &[&str] = &[
    "rue Didouche Mourad, Alger",
    "boulevard Mohammed V, Oran",
    "rue Larbi Ben M'hidi, Constantine",
    "avenue Louise, Bruxelles",
    "chaussée de Waterloo, Uccle",
    "rue de la Loi, Bruxelles",
    "rue de Rivoli, Paris",
    "cours Mirabeau, Aix-en-Provence",
];

/// A small deterministic generator (xorshift64*): demo data must be reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

impl App {
    /// Adds `count` demo patients in batches (one transaction and one audit entry per batch).
    /// Returns how many were added. Owner only: demo data must not slip into a real clinic by
    /// accident.
    pub fn add_demo_patients(&mut self, count: u32, seed: u64) -> Result<u32> {
        let session = self.authorize(P::ManageSettings, "demo.patients")?;
        let (_, today) = self.region_and_today()?;
        let mut rng = Rng(seed | 1);
        let user = session.user_id.to_string();
        let mut added = 0;
        while added < count {
            let batch = (count - added).min(1000);
            let mut rows: Vec<PatientRow> =
                (0..batch).map(|_| demo_patient(&mut rng, today)).collect();
            self.store_mut()?.write(|w| {
                for row in &mut rows {
                    w.insert_patient(row)?;
                }
                w.audit(record(
                    &user,
                    "demo.patients",
                    "patient",
                    "*",
                    "ok",
                    &format!("{batch} demo patients"),
                ))?;
                Ok(())
            })?;
            added += batch;
        }
        Ok(added)
    }
}

fn demo_patient(rng: &mut Rng, today: chrono::NaiveDate) -> PatientRow {
    use chrono::Datelike;
    let female = rng.below(2) == 0;
    let first = if female {
        rng.pick(FIRST_F)
    } else {
        rng.pick(FIRST_M)
    };
    let last = rng.pick(LAST);
    let year = today.year() - 2 - rng.below(88) as i32;
    let month = 1 + rng.below(12) as u32;
    let day = 1 + rng.below(28) as u32;
    let birth = chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap_or(today);
    let (region, phone, national) = match rng.below(3) {
        0 => {
            let prefix = rng.pick(&["055", "065", "066", "069", "077", "078", "079"]);
            let phone = format!("{prefix}{:07}", rng.below(10_000_000));
            let cnas = format!("{:02}{:02}{:08}", year % 100, month, rng.below(100_000_000));
            ("DZ", phone, (NationalIdKind::AlgerianCnas, cnas))
        }
        1 => {
            let phone = format!("047{}{:06}", rng.below(10), rng.below(1_000_000));
            let body = u64::from((year % 100) as u32) * 10_000_000
                + u64::from(month) * 100_000
                + u64::from(day) * 1000
                + rng.below(998)
                + 1;
            let check = if year >= 2000 {
                97 - (2_000_000_000 + body) % 97
            } else {
                97 - body % 97
            };
            (
                "BE",
                phone,
                (
                    NationalIdKind::BelgianRegister,
                    format!("{body:09}{check:02}"),
                ),
            )
        }
        _ => {
            // Only mobile ranges that are allocated (libphonenumber refuses 063x, 069x...).
            let prefix = rng.pick(&[
                "060", "061", "062", "064", "065", "066", "067", "068", "073", "075", "077", "078",
            ]);
            let phone = format!("{prefix}{:07}", rng.below(10_000_000));
            let body = (if female { 2u64 } else { 1 }) * 1_000_000_000_000
                + u64::from((year % 100) as u32) * 10_000_000_000
                + u64::from(month) * 100_000_000
                + (1 + rng.below(95)) * 1_000_000
                + rng.below(1_000_000);
            (
                "FR",
                phone,
                (
                    NationalIdKind::FrenchNir,
                    format!("{body:013}{:02}", 97 - body % 97),
                ),
            )
        }
    };
    let phones = parse_phone(&phone, region)
        .map(|p| vec![p])
        .unwrap_or_default();
    let national_id = parse_national_id(national.0, &national.1).ok();
    PatientRow {
        id: EntityId::new().to_string(),
        file_number: String::new(),
        last_name: last.into(),
        first_name: first.into(),
        birth_date: birth.format("%Y-%m-%d").to_string(),
        sex: if female { "F" } else { "M" }.into(),
        phones,
        email: format!(
            "{}.{}@example.org",
            chairside_domain::patient::fold(first),
            rng.below(10_000)
        ),
        address: format!("{} {}", 1 + rng.below(120), rng.pick(STREETS)),
        national_id_kind: if national_id.is_some() {
            national.0.code().into()
        } else {
            String::new()
        },
        national_id: national_id.unwrap_or_default(),
        referring_dentist: String::new(),
        notes: String::new(),
        created_at_ms: chrono::Utc::now().timestamp_millis(),
        ..PatientRow::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_patients_pass_the_patient_rules() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut rng = Rng(42);
        for _ in 0..500 {
            let p = demo_patient(&mut rng, today);
            assert_eq!(p.phones.len(), 1, "{p:?}");
            assert!(
                !p.national_id.is_empty(),
                "the generated number has a valid checksum: {p:?}"
            );
            assert!(chairside_domain::patient::parse_birth_date(&p.birth_date, today).is_ok());
            assert!(chairside_domain::patient::parse_name("last_name", &p.last_name, true).is_ok());
            assert!(
                chairside_domain::patient::parse_email(&p.email).is_ok(),
                "{}",
                p.email
            );
        }
    }
}
