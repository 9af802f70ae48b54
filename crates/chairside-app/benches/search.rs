//! Patient search latency on 100,000 demo patients: the store's name index (as the app runs it,
//! and end to end through `App::search_patients` with its permission check and audit entry)
//! beside a plain `LIKE` scan of the same table, in the same run. Prints p50 and p95 per query
//! shape.
//!
//! `cargo bench -p chairside-app --bench search` (set CHAIRSIDE_BENCH_PATIENTS to change N).

use std::time::{Duration, Instant};

use chairside_app::{App, Language, SetupRequest, SignInRequest};
use chairside_domain::patient::SearchQuery;
use chairside_store::patients;
use chairside_store::{KdfParams, Store, Unlock};
use rusqlite::params;

const PASSPHRASE: &str = "benchmark passphrase";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let n: u32 = std::env::var("CHAIRSIDE_BENCH_PATIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = App::new(dir.path()).with_kdf(KdfParams::FAST_INSECURE_FOR_TESTS);
    app.setup(SetupRequest {
        clinic_name: "Cabinet de démonstration".into(),
        address: String::new(),
        timezone: "Africa/Algiers".into(),
        phone_region: "DZ".into(),
        language: Language::French,
        owner_username: "owner".into(),
        owner_display_name: String::new(),
        owner_password: "benchmark owner".into(),
        passphrase: Some(PASSPHRASE.into()),
    })
    .expect("setup");
    app.sign_in(SignInRequest {
        username: "owner".into(),
        password: "benchmark owner".into(),
    })
    .expect("sign in");
    let t = Instant::now();
    app.add_demo_patients(n, 7).expect("demo patients");
    println!(
        "{n} demo patients written in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let samples: u32 = std::env::var("CHAIRSIDE_BENCH_QUERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let store = Store::open(
        dir.path(),
        Unlock::Auto {
            passphrase: Some(PASSPHRASE),
        },
    )
    .expect("open");
    let conn = store.conn();
    // Queries made from real rows, as a receptionist would type them: prefixes of names.
    let sample: Vec<(String, String)> = conn
        .prepare("SELECT first_name, last_name FROM patient ORDER BY random() LIMIT ?1")
        .and_then(|mut s| {
            s.query_map([samples], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .expect("sample");
    let prefix = |s: &str, k: usize| {
        s.split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .take(k)
            .collect::<String>()
            .to_lowercase()
    };
    let shapes: Vec<(&str, Vec<String>)> = vec![
        (
            "1 word, 1 letter",
            sample.iter().map(|(_, l)| prefix(l, 1)).collect(),
        ),
        (
            "1 word, 3 letters",
            sample.iter().map(|(_, l)| prefix(l, 3)).collect(),
        ),
        (
            "2 words",
            sample
                .iter()
                .map(|(f, l)| format!("{} {}", prefix(l, 3), prefix(f, 3)))
                .collect(),
        ),
        (
            "3 words",
            sample
                .iter()
                .map(|(f, l)| {
                    let mut words: Vec<String> = l
                        .split_whitespace()
                        .map(|w| w.chars().take(3).collect::<String>())
                        .collect();
                    words.push(prefix(f, 2));
                    while words.len() < 3 {
                        words.push(prefix(f, 3));
                    }
                    words.join(" ")
                })
                .collect(),
        ),
    ];

    println!(
        "{:<20} {:>22} {:>22} {:>22}",
        "query", "index p50 / p95 (ms)", "app p50 / p95 (ms)", "LIKE p50 / p95 (ms)"
    );
    let mut like = conn
        .prepare(
            "SELECT id FROM patient WHERE deleted = 0
             AND (lower(last_name) || ' ' || lower(first_name)) LIKE ?1
             AND (lower(last_name) || ' ' || lower(first_name)) LIKE ?2
             AND (lower(last_name) || ' ' || lower(first_name)) LIKE ?3
             ORDER BY last_name, first_name LIMIT 50",
        )
        .expect("like");
    for (name, queries) in shapes {
        let (mut fts, mut full, mut scan) = (vec![], vec![], vec![]);
        for q in &queries {
            let parsed = SearchQuery::parse(q, "DZ");
            let t = Instant::now();
            let found = patients::search(conn, &parsed, 50).expect("index search");
            fts.push(t.elapsed());
            assert!(!found.is_empty(), "{q:?} finds the row it was made from");

            let t = Instant::now();
            let shown = app.search_patients(q).expect("app search");
            full.push(t.elapsed());
            assert_eq!(shown.len(), found.len());

            let mut words: Vec<String> = q.split_whitespace().map(|w| format!("%{w}%")).collect();
            words.resize(3, "%".into());
            let t = Instant::now();
            let rows: Vec<String> = like
                .query_map(params![words[0], words[1], words[2]], |r| r.get(0))
                .and_then(|r| r.collect())
                .expect("like rows");
            scan.push(t.elapsed());
            std::hint::black_box(rows);
        }
        for v in [&mut fts, &mut full, &mut scan] {
            v.sort();
        }
        println!(
            "{name:<20} {:>10.2} / {:>8.2} {:>12.2} / {:>7.2} {:>12.2} / {:>7.2}",
            percentile(&fts, 0.5),
            percentile(&fts, 0.95),
            percentile(&full, 0.5),
            percentile(&full, 0.95),
            percentile(&scan, 0.5),
            percentile(&scan, 0.95)
        );
    }
    println!("({} queries per shape; goal: p95 under 5 ms)", sample.len());
}
