//! The dental chart through the application API: charting findings and treatments with the
//! domain's rules (refusals that say what to do), a treatment done settling the findings it
//! treats and giving them back when struck out or narrowed, the odontogram's picture, the
//! timeline, permissions and an erased file; and, through a real relay, one entry changed in two
//! operatories while apart (both inboxes show it with its tooth, one decision settles it on
//! both), and entries of one tooth charted apart that contradict each other (both inboxes show
//! the pair until a person keeps both or strikes one out).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
#[allow(dead_code)] // the helpers for images are not needed here
mod two_pcs;

use chairside_app::*;
use common::{OWNER_PASSWORD, set_up_clinic};
use two_pcs::{add_patient, loopback_relay, owner_pc_and_second_pc, pc};

fn entry(tooth: &str, surfaces: &str, kind: ChartKind, status: ChartStatus) -> ChartEntryInput {
    ChartEntryInput {
        tooth: tooth.into(),
        surfaces: surfaces.into(),
        kind,
        status,
        material: None,
        note: String::new(),
        done_on: None,
    }
}

fn tooth<'c>(chart: &'c DentalChart, code: &str) -> &'c ChartTooth {
    chart
        .permanent
        .iter()
        .chain(&chart.primary)
        .find(|t| t.tooth == code)
        .unwrap()
}

/// A tooth's surface marks as "M:caries/existing" texts, in surface order.
fn marks(chart: &DentalChart, code: &str) -> Vec<String> {
    tooth(chart, code)
        .surfaces
        .iter()
        .map(|m| format!("{}:{:?}/{:?}", m.surface, m.kind, m.status))
        .collect()
}

fn active_ids(chart: &DentalChart) -> Vec<String> {
    chart
        .entries
        .iter()
        .filter(|e| e.active)
        .map(|e| e.id.clone())
        .collect()
}

/// A clinic's one PC, set up, its owner signed in.
fn clinic(dir: &std::path::Path) -> App {
    let mut app = pc(dir);
    set_up_clinic(&mut app, "database passphrase");
    app
}

/// The owner's PC and a second one of the same clinic through a relay on loopback, with one
/// patient's file added at the first.
fn one_file_at_two_pcs(work: &std::path::Path) -> (App, App, Patient) {
    let relay = loopback_relay(work);
    let (mut a, b) = owner_pc_and_second_pc(work, &relay);
    let yacine = add_patient(&mut a, "Haddad", "Yacine", "1980-02-03");
    (a, b, yacine)
}

/// A syncs, then B, then A again: each holds what the other wrote.
fn exchange(a: &mut App, b: &mut App) {
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
}

/// Charts an entry in a patient's file at this PC; returns its id.
fn chart(app: &mut App, patient: &Patient, input: ChartEntryInput) -> String {
    app.add_chart_entry(&patient.id, input).unwrap().entry_id
}

#[test]
fn a_dentist_charts_plans_and_completes_treatments() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let yacine = add_patient(&mut app, "Haddad", "Yacine", "1980-02-03");
    let audited_before = app.verify_audit().unwrap().entries;
    let empty = app.dental_chart(&yacine.id).unwrap();
    assert!(
        app.verify_audit().unwrap().entries > audited_before,
        "reading is audited"
    );
    assert_eq!((empty.permanent.len(), empty.primary.len()), (32, 20));
    assert_eq!(empty.permanent[0].tooth, "18");
    assert_eq!(empty.permanent[16].tooth, "48");
    assert!(empty.entries.is_empty() && !empty.has_primary_entries);
    // What each kind takes, for the form: findings first, as found; materials per kind.
    let rule = |kind| empty.kinds.iter().find(|k| k.kind == kind).unwrap();
    assert_eq!(empty.kinds.len(), 11);
    assert!(empty.kinds[..4].iter().all(|k| k.finding));
    assert_eq!(rule(Caries).default_status, Existing);
    assert_eq!(rule(Crown).default_status, Planned);
    assert!(rule(Crown).materials.contains(&ToothMaterial::Zirconia));
    assert!(!rule(Crown).materials.contains(&ToothMaterial::Composite));
    assert!(rule(RootCanal).materials.is_empty());

    use ChartKind::*;
    use ChartStatus::*;
    let caries = app
        .add_chart_entry(&yacine.id, entry("36", "om", Caries, Existing))
        .unwrap();
    let caries_id = caries.entry_id.clone();
    assert_eq!(caries.chart.entries[0].id, caries_id);
    assert_eq!(
        caries.chart.entries[0].surfaces, "MO",
        "surfaces as typed, stored in order"
    );
    let planned = app
        .add_chart_entry(
            &yacine.id,
            ChartEntryInput {
                material: Some(ToothMaterial::Composite),
                note: "Sous digue".into(),
                ..entry("36", "M O D", Restoration, Planned)
            },
        )
        .unwrap();
    assert!(planned.settled.is_empty(), "planned: settles nothing yet");
    let restoration = planned
        .chart
        .entries
        .iter()
        .find(|e| e.kind == Restoration)
        .unwrap()
        .clone();
    assert_eq!(restoration.recorded_by, "Dr Amel Benali");
    assert_eq!(
        marks(&planned.chart, "36"),
        [
            "M:Caries/Existing",
            "O:Caries/Existing",
            "D:Restoration/Planned"
        ]
    );

    // Refusals name the field and say what to do; nothing is written.
    let refused = |app: &mut App, input: ChartEntryInput| {
        let e = app.add_chart_entry(&yacine.id, input).unwrap_err();
        assert_eq!(e.code, code::INVALID_INPUT);
        e.message
    };
    assert_eq!(
        refused(&mut app, entry("11", "MO", Caries, Existing)),
        "surfaces: tooth 11 is a front tooth: its biting edge is I (incisal), not O (occlusal)"
    );
    assert!(refused(&mut app, entry("46", "O", Crown, Planned)).starts_with("surfaces: a crown"));
    assert!(refused(&mut app, entry("46", "", Caries, Existing)).contains("give them"));
    assert!(refused(&mut app, entry("19", "", Crown, Planned)).starts_with("tooth: \"19\""));
    assert!(refused(&mut app, entry("46", "O", Caries, Planned)).starts_with("status:"));
    assert!(refused(&mut app, entry("75", "", Implant, Planned)).contains("milk tooth"));
    assert!(
        refused(
            &mut app,
            ChartEntryInput {
                done_on: Some("2999-01-01".into()),
                ..entry("46", "", Crown, Done)
            }
        )
        .starts_with("done_on:")
    );
    // Each refusal names its rule, for the UI to say it in French or English.
    let reasons: Vec<Option<String>> = [
        entry("11", "MO", Caries, Existing),
        entry("19", "", Crown, Planned),
        entry("46", "O", Crown, Planned),
        entry("16", "MO", Sealant, Planned),
    ]
    .into_iter()
    .map(|input| app.add_chart_entry(&yacine.id, input).unwrap_err().reason)
    .collect();
    assert_eq!(
        reasons,
        [
            Some("surface_not_on_tooth".to_string()),
            Some("not_a_tooth".to_string()),
            Some("whole_tooth".to_string()),
            Some("sealant_surfaces".to_string()),
        ]
    );
    assert_eq!(app.dental_chart(&yacine.id).unwrap().entries.len(), 2);

    // The restoration done settles the caries it covers; the picture shows it in place.
    let done = app
        .complete_chart_entry(&restoration.id, Some("2026-11-20".into()))
        .unwrap();
    assert_eq!(done.settled, std::slice::from_ref(&caries_id));
    assert_eq!(
        active_ids(&done.chart),
        std::slice::from_ref(&restoration.id)
    );
    let settled = done
        .chart
        .entries
        .iter()
        .find(|e| e.id == caries_id)
        .unwrap();
    assert_eq!(settled.settled_by.as_deref(), Some(restoration.id.as_str()));
    assert_eq!(
        marks(&done.chart, "36"),
        [
            "M:Restoration/Done",
            "O:Restoration/Done",
            "D:Restoration/Done"
        ]
    );
    let completed = done
        .chart
        .entries
        .iter()
        .find(|e| e.id == restoration.id)
        .unwrap();
    assert_eq!(completed.done_on.as_deref(), Some("2026-11-20"));
    assert_eq!(completed.done_by.as_deref(), Some("Dr Amel Benali"));
    // The caries stays settled while the restoration stands: it cannot be brought back alone.
    let alone = app.set_chart_entry_active(&caries_id, true).unwrap_err();
    assert!(
        alone
            .message
            .starts_with("active: this finding was settled"),
        "{}",
        alone.message
    );
    assert_eq!(alone.reason.as_deref(), Some("settled_finding"));
    assert_eq!(completed.material, Some(ToothMaterial::Composite));
    assert_eq!(completed.note, "Sous digue");
    let again = app.complete_chart_entry(&restoration.id, None).unwrap_err();
    assert!(
        again.message.contains("only a planned entry"),
        "{}",
        again.message
    );
    assert_eq!(again.reason.as_deref(), Some("not_planned"));

    // Struck out (charted in error): the caries comes back; restored: settled again.
    let struck = app.set_chart_entry_active(&restoration.id, false).unwrap();
    assert_eq!(active_ids(&struck.chart), std::slice::from_ref(&caries_id));
    assert_eq!(struck.restored, std::slice::from_ref(&caries_id));
    let restored = app.set_chart_entry_active(&restoration.id, true).unwrap();
    assert_eq!(restored.settled, std::slice::from_ref(&caries_id));
    // Narrowed to the distal surface only, it no longer covers the caries: back in the chart.
    let narrowed = app
        .update_chart_entry(
            &restoration.id,
            ChartEntryInput {
                material: Some(ToothMaterial::Composite),
                note: "Sous digue".into(),
                done_on: Some("2026-11-20".into()),
                ..entry("36", "D", Restoration, Done)
            },
        )
        .unwrap();
    assert!(narrowed.settled.is_empty());
    assert_eq!(narrowed.restored, std::slice::from_ref(&caries_id));
    assert_eq!(active_ids(&narrowed.chart).len(), 2);
    assert_eq!(
        marks(&narrowed.chart, "36"),
        [
            "M:Caries/Existing",
            "O:Caries/Existing",
            "D:Restoration/Done"
        ]
    );

    // An extraction done leaves the tooth missing and settles its findings; a milk tooth's
    // entry shows the milk teeth.
    let out = app
        .add_chart_entry(&yacine.id, entry("36", "", Extraction, Done))
        .unwrap();
    assert_eq!(out.settled, std::slice::from_ref(&caries_id));
    assert_eq!(tooth(&out.chart, "36").state, ToothState::Missing);
    let crown = app
        .add_chart_entry(
            &yacine.id,
            ChartEntryInput {
                material: Some(ToothMaterial::Zirconia),
                ..entry("46", "", Crown, Existing)
            },
        )
        .unwrap();
    assert_eq!(tooth(&crown.chart, "46").whole.len(), 1);
    let milk = app
        .add_chart_entry(&yacine.id, entry("85", "O", Sealant, Planned))
        .unwrap();
    assert!(milk.chart.has_primary_entries);
    // A planned entry struck out is not marked done until it is restored.
    app.set_chart_entry_active(&milk.entry_id, false).unwrap();
    let struck_out = app.complete_chart_entry(&milk.entry_id, None).unwrap_err();
    assert!(
        struck_out.message.contains("restore it first"),
        "{}",
        struck_out.message
    );
    assert_eq!(struck_out.reason.as_deref(), Some("struck_out"));

    let timeline: Vec<(String, String, String)> = app
        .patient_timeline(&yacine.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.starts_with("chart_"))
        .map(|e| (e.kind, e.label, e.detail))
        .collect();
    assert!(timeline.contains(&("chart_done".into(), "36 D".into(), "restoration".into())));
    assert!(timeline.contains(&("chart_charted".into(), "46".into(), "crown".into())));
    assert_eq!(
        timeline.iter().filter(|e| e.0 == "chart_charted").count(),
        5
    );
}

/// The chart checks an entry against what the rest of it says of the tooth: a tooth charted
/// missing or extracted takes what replaces it, an implant or a pontic no natural treatment;
/// nothing is written for a refusal, and an entry left contradicting another (charted before the
/// tooth came out) still takes a corrected note.
#[test]
fn an_entry_must_fit_what_the_chart_says_of_its_tooth() {
    use ChartKind::*;
    use ChartStatus::*;
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let amina = add_patient(&mut app, "Benali", "Amina", "1990-04-04");
    let add = |app: &mut App, e: ChartEntryInput| app.add_chart_entry(&amina.id, e);
    let refused = |r: Result<ChartUpdate>| {
        let e = r.unwrap_err();
        assert_eq!(e.code, "invalid_input", "{e:?}");
        e.reason.unwrap_or_default()
    };

    add(&mut app, entry("36", "", Missing, Existing)).unwrap();
    let entries = app.dental_chart(&amina.id).unwrap().entries.len();
    assert_eq!(
        refused(add(&mut app, entry("36", "", Crown, Planned))),
        "tooth_absent"
    );
    assert_eq!(
        refused(add(&mut app, entry("36", "O", Caries, Existing))),
        "tooth_absent"
    );
    assert_eq!(
        refused(add(&mut app, entry("36", "", Extraction, Planned))),
        "tooth_absent"
    );
    assert_eq!(
        app.dental_chart(&amina.id).unwrap().entries.len(),
        entries,
        "nothing written"
    );
    let implant = add(&mut app, entry("36", "", Implant, Done)).unwrap();
    assert_eq!(
        refused(add(&mut app, entry("36", "MO", Restoration, Planned))),
        "on_implant"
    );
    assert_eq!(
        refused(add(&mut app, entry("36", "", RootCanal, Planned))),
        "on_implant"
    );
    // The implant's crown is charted.
    add(&mut app, entry("36", "", Crown, Planned)).unwrap();
    let message = app
        .add_chart_entry(&amina.id, entry("36", "O", Caries, Existing))
        .unwrap_err()
        .message;
    assert!(
        message.contains("tooth 36 is replaced by an implant: a caries concerns a natural tooth"),
        "{message}"
    );
    // An edit that would move an entry onto the implant is refused too.
    let on_37 = add(&mut app, entry("37", "O", Caries, Existing))
        .unwrap()
        .entry_id;
    assert_eq!(
        refused(app.update_chart_entry(&on_37, entry("36", "O", Caries, Existing))),
        "on_implant"
    );
    // Struck out, the implant no longer stands: 36 is missing again.
    app.set_chart_entry_active(&implant.entry_id, false)
        .unwrap();
    add(&mut app, entry("36", "", Pontic, Existing)).unwrap();
    assert_eq!(
        refused(add(&mut app, entry("36", "O", Caries, Existing))),
        "on_pontic"
    );

    // A crown planned on 46, then the tooth pulled: the crown is not marked done, nor brought
    // back once struck out, but its note can still be corrected.
    let crown = add(&mut app, entry("46", "", Crown, Planned))
        .unwrap()
        .entry_id;
    add(&mut app, entry("46", "", Extraction, Done)).unwrap();
    assert_eq!(
        refused(app.complete_chart_entry(&crown, None)),
        "tooth_absent"
    );
    let mut noted = entry("46", "", Crown, Planned);
    noted.note = "à revoir : dent extraite".into();
    app.update_chart_entry(&crown, noted).unwrap();
    app.set_chart_entry_active(&crown, false).unwrap();
    assert_eq!(
        refused(app.set_chart_entry_active(&crown, true)),
        "tooth_absent"
    );
}

#[test]
fn a_receptionist_never_sees_the_chart_and_an_erased_file_takes_no_new_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let amina = add_patient(&mut app, "Benali", "Amina", "1990-04-04");
    for (username, role) in [("sofia", Role::Receptionist), ("lina", Role::Assistant)] {
        app.add_user(NewUserRequest {
            username: username.into(),
            display_name: username.into(),
            role,
            password: "staff password 1".into(),
        })
        .unwrap();
    }
    let sign_in = |app: &mut App, username: &str, password: &str| {
        app.sign_out().unwrap();
        app.sign_in(SignInRequest {
            username: username.into(),
            password: password.into(),
        })
        .unwrap();
    };
    sign_in(&mut app, "lina", "staff password 1");
    let charted = app
        .add_chart_entry(
            &amina.id,
            entry("16", "O", ChartKind::Sealant, ChartStatus::Planned),
        )
        .unwrap();
    let id = charted.chart.entries[0].id.clone();
    sign_in(&mut app, "sofia", "staff password 1");
    assert_eq!(
        app.dental_chart(&amina.id).unwrap_err().code,
        code::PERMISSION_DENIED
    );
    assert_eq!(
        app.complete_chart_entry(&id, None).unwrap_err().code,
        code::PERMISSION_DENIED
    );
    sign_in(&mut app, "amel", OWNER_PASSWORD);
    app.erase_patient(&amina.id).unwrap();
    // The chart is a clinical record: kept, readable, closed to new entries.
    assert_eq!(app.dental_chart(&amina.id).unwrap().entries.len(), 1);
    let refused = app.add_chart_entry(
        &amina.id,
        entry("26", "O", ChartKind::Caries, ChartStatus::Existing),
    );
    assert_eq!(refused.unwrap_err().code, code::PATIENT_ERASED);
    assert_eq!(
        app.complete_chart_entry(&id, None).unwrap_err().code,
        code::PATIENT_ERASED
    );
}

#[test]
fn one_entry_changed_in_two_operatories_while_apart_waits_in_both_inboxes_until_one_decides() {
    let work = tempfile::tempdir().unwrap();
    let (mut a, mut b, yacine) = one_file_at_two_pcs(work.path());
    let planned = a
        .add_chart_entry(
            &yacine.id,
            entry("36", "MOD", ChartKind::Restoration, ChartStatus::Planned),
        )
        .unwrap();
    let id = planned.chart.entries[0].id.clone();
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    assert_eq!(
        b.dental_chart(&yacine.id).unwrap().entries,
        planned.chart.entries
    );

    // Apart: one operatory narrows it to MO, the other widens it to MODB and marks it done.
    a.update_chart_entry(
        &id,
        entry("36", "MO", ChartKind::Restoration, ChartStatus::Planned),
    )
    .unwrap();
    b.update_chart_entry(
        &id,
        entry("36", "mod v", ChartKind::Restoration, ChartStatus::Done),
    )
    .unwrap();
    exchange(&mut a, &mut b);
    let chart_a = a.dental_chart(&yacine.id).unwrap();
    assert_eq!(chart_a.entries, b.dental_chart(&yacine.id).unwrap().entries);
    assert_eq!(
        chart_a.entries[0].status,
        ChartStatus::Done,
        "edited at one PC only"
    );
    for app in [&mut a, &mut b] {
        let inbox = app.attention_inbox().unwrap();
        // The refresh a sync makes on its own reads the same.
        assert_eq!(app.attention_inbox_refresh().unwrap(), inbox);
        let waiting: Vec<&EditConflictInfo> = inbox
            .edit_conflicts
            .iter()
            .filter(|c| c.table == "chart_entry")
            .collect();
        assert_eq!(waiting.len(), 1);
        let c = waiting[0];
        assert_eq!(
            (c.row_id.as_str(), c.field.as_str()),
            (id.as_str(), "surfaces")
        );
        assert_eq!(c.patient.last_name, "Haddad");
        let shown = c.chart_entry.as_ref().unwrap();
        assert_eq!(
            (shown.tooth.as_str(), shown.kind),
            ("36", ChartKind::Restoration)
        );
        assert_eq!(shown.surfaces, c.current_value);
        let mut values = [c.current_value.as_str(), c.other_value.as_str()];
        values.sort();
        assert_eq!(values, ["MO", "MODB"]);
    }
    assert_eq!(a.end_of_day(None).unwrap().conflicts_waiting, 1);

    // B takes the value that lost; after the syncs both PCs hold it and nothing waits.
    let c = b
        .attention_inbox()
        .unwrap()
        .edit_conflicts
        .into_iter()
        .find(|c| c.table == "chart_entry")
        .unwrap();
    let taken = c.other_value.clone();
    b.resolve_edit_conflict(ResolveConflictRequest::for_conflict(
        &c,
        ConflictChoice::TakeOther,
    ))
    .unwrap();
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    for app in [&mut a, &mut b] {
        assert!(app.attention_inbox().unwrap().edit_conflicts.is_empty());
        assert_eq!(
            app.dental_chart(&yacine.id).unwrap().entries[0].surfaces,
            taken
        );
    }
}

#[test]
fn a_file_merged_into_another_is_charted_and_read_in_the_kept_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = clinic(dir.path());
    let kept = add_patient(&mut app, "Haddad", "Yacine", "1980-02-03");
    let retired = add_patient(&mut app, "Hadad", "Yacine", "1980-02-03");
    let before = app
        .add_chart_entry(
            &retired.id,
            entry("46", "", ChartKind::Crown, ChartStatus::Existing),
        )
        .unwrap();
    app.merge_patients(MergePatientsRequest {
        kept_id: kept.id.clone(),
        retired_id: retired.id.clone(),
        take_from_retired: Vec::new(),
    })
    .unwrap();
    // A PC still showing the retired file charts into the kept one.
    let after = app
        .add_chart_entry(
            &retired.id,
            entry("36", "O", ChartKind::Caries, ChartStatus::Existing),
        )
        .unwrap();
    assert_eq!(after.chart.patient_id, kept.id);
    let charted = after
        .chart
        .entries
        .iter()
        .find(|e| e.id == after.entry_id)
        .unwrap();
    assert_eq!(charted.patient_id, kept.id);
    let read: Vec<String> = app
        .dental_chart(&kept.id)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        read,
        [after.entry_id, before.entry_id],
        "by tooth: 36 then 46"
    );
}

#[test]
fn a_treatment_done_at_one_pc_and_struck_out_at_the_other_gives_its_finding_back_on_both() {
    let work = tempfile::tempdir().unwrap();
    let (mut a, mut b, yacine) = one_file_at_two_pcs(work.path());
    let caries = chart(
        &mut a,
        &yacine,
        entry("36", "MO", ChartKind::Caries, ChartStatus::Existing),
    );
    let restoration = chart(
        &mut a,
        &yacine,
        entry("36", "MOD", ChartKind::Restoration, ChartStatus::Planned),
    );
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();

    // Apart: A marks the restoration done (the caries is settled there), B strikes it out as
    // charted in error (nothing is settled there).
    let done = a.complete_chart_entry(&restoration, None).unwrap();
    assert_eq!(done.settled, std::slice::from_ref(&caries));
    b.set_chart_entry_active(&restoration, false).unwrap();
    exchange(&mut a, &mut b);

    // Merged: a restoration done and struck out settles nothing, so the caries is back on both.
    let on_a = a.dental_chart(&yacine.id).unwrap();
    assert_eq!(on_a.entries, b.dental_chart(&yacine.id).unwrap().entries);
    let shown = |id: &str| on_a.entries.iter().find(|e| e.id == id).unwrap();
    assert!(shown(&caries).active && shown(&caries).settled_by.is_none());
    assert!(!shown(&restoration).active);
    assert_eq!(shown(&restoration).status, ChartStatus::Done);
    assert_eq!(
        marks(&on_a, "36"),
        ["M:Caries/Existing", "O:Caries/Existing"]
    );
    // Restored at B, the done restoration settles it again, on both PCs after the syncs.
    let restored = b.set_chart_entry_active(&restoration, true).unwrap();
    assert_eq!(restored.settled, std::slice::from_ref(&caries));
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    let caries_on_a = a.chart_entry(&caries).unwrap();
    assert!(!caries_on_a.active);
    assert_eq!(
        caries_on_a.settled_by.as_deref(),
        Some(restoration.as_str())
    );
}

/// Apart, one operatory charts a caries while the other marks done the restoration that covers
/// it: once both have synced, the caries is settled on both PCs, as it would have been at one.
#[test]
fn a_finding_charted_at_one_pc_while_the_other_completes_its_treatment_is_settled_on_both() {
    let work = tempfile::tempdir().unwrap();
    let (mut a, mut b, yacine) = one_file_at_two_pcs(work.path());
    let restoration = chart(
        &mut a,
        &yacine,
        entry("36", "MOD", ChartKind::Restoration, ChartStatus::Planned),
    );
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();

    // Apart: B charts the caries the dentist sees, then A marks the restoration done.
    let caries = chart(
        &mut b,
        &yacine,
        entry("36", "O", ChartKind::Caries, ChartStatus::Existing),
    );
    std::thread::sleep(std::time::Duration::from_millis(5));
    let done = a.complete_chart_entry(&restoration, None).unwrap();
    assert!(done.settled.is_empty(), "A has not seen the caries yet");
    b.sync_now(None).unwrap();
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();

    for app in [&mut a, &mut b] {
        let chart = app.dental_chart(&yacine.id).unwrap();
        let shown = chart.entries.iter().find(|e| e.id == caries).unwrap();
        assert!(!shown.active, "settled, out of the chart");
        assert_eq!(shown.settled_by.as_deref(), Some(restoration.as_str()));
        assert_eq!(
            marks(&chart, "36"),
            [
                "M:Restoration/Done",
                "O:Restoration/Done",
                "D:Restoration/Done"
            ]
        );
    }
    // Struck out at A, the restoration gives it back on both.
    let back = a.set_chart_entry_active(&restoration, false).unwrap();
    assert_eq!(back.restored, std::slice::from_ref(&caries));
}

/// Apart, each operatory charts what its own chart allows: one that 36 is missing and 46 an
/// implant, the other a caries on 36 and a filling planned on 46. Once both synced, the two
/// pairs wait in both inboxes (not a receptionist's), and neither is decided by the software:
/// the chart shows all four. Keeping both at one PC, striking one out at the other, settles them
/// on both.
#[test]
fn entries_of_one_tooth_charted_apart_that_contradict_wait_in_both_inboxes_until_settled() {
    use ChartKind::*;
    use ChartStatus::*;
    let work = tempfile::tempdir().unwrap();
    let (mut a, mut b, yacine) = one_file_at_two_pcs(work.path());
    a.sync_now(None).unwrap();
    b.sync_now(None).unwrap();
    let missing = chart(&mut a, &yacine, entry("36", "", Missing, Existing));
    let implant = chart(&mut a, &yacine, entry("46", "", Implant, Existing));
    let caries = chart(&mut b, &yacine, entry("36", "O", Caries, Existing));
    let filling = chart(&mut b, &yacine, entry("46", "MO", Restoration, Planned));
    exchange(&mut a, &mut b);

    let pairs = |app: &mut App| -> Vec<(String, String, String, String)> {
        let mut found: Vec<_> = app
            .attention_inbox()
            .unwrap()
            .chart_contradictions
            .into_iter()
            .map(|c| {
                assert_eq!(c.patient.id, yacine.id);
                assert!(c.entry.active && c.because_of.active);
                (c.tooth, c.entry.id, c.because_of.id, c.reason)
            })
            .collect();
        found.sort();
        found
    };
    let both = vec![
        (
            "36".to_string(),
            caries.clone(),
            missing.clone(),
            "tooth_absent".to_string(),
        ),
        (
            "46".to_string(),
            filling.clone(),
            implant.clone(),
            "on_implant".to_string(),
        ),
    ];
    assert_eq!(pairs(&mut a), both);
    assert_eq!(pairs(&mut b), both);
    let shown = a.attention_inbox().unwrap().chart_contradictions;
    let on_36 = shown.iter().find(|c| c.tooth == "36").unwrap();
    assert_eq!((on_36.entry.kind, on_36.because_of.kind), (Caries, Missing));
    assert_eq!(on_36.entry.recorded_by, on_36.because_of.recorded_by);
    let chart_at_b = b.dental_chart(&yacine.id).unwrap();
    assert_eq!(
        active_ids(&chart_at_b).len(),
        4,
        "nothing is struck out by the software"
    );
    // The chart carries the same pairs as the inbox, by tooth.
    let in_chart: Vec<(String, String)> = chart_at_b
        .contradictions
        .iter()
        .map(|c| (c.tooth.clone(), c.entry.id.clone()))
        .collect();
    assert_eq!(
        in_chart,
        [
            ("36".to_string(), caries.clone()),
            ("46".into(), filling.clone())
        ]
    );

    // A receptionist sees the inbox, not the clinical record's contradictions.
    a.add_user(NewUserRequest {
        username: "sofia".into(),
        display_name: "Sofia".into(),
        role: Role::Receptionist,
        password: "staff password 1".into(),
    })
    .unwrap();
    a.sign_out().unwrap();
    a.sign_in(SignInRequest {
        username: "sofia".into(),
        password: "staff password 1".into(),
    })
    .unwrap();
    assert!(a.attention_inbox().unwrap().chart_contradictions.is_empty());
    let refused = a.keep_chart_entries(KeepChartEntriesRequest {
        entry_id: caries.clone(),
        because_of_id: missing.clone(),
    });
    assert_eq!(refused.unwrap_err().code, code::PERMISSION_DENIED);
    a.sign_out().unwrap();
    a.sign_in(SignInRequest {
        username: "amel".into(),
        password: OWNER_PASSWORD.into(),
    })
    .unwrap();

    // B keeps the implant and its planned filling (the dentist means the crown's porcelain); A
    // strikes out the caries (seen again on the X-ray: it is on 37).
    let keep = KeepChartEntriesRequest {
        entry_id: filling.clone(),
        because_of_id: implant.clone(),
    };
    b.keep_chart_entries(keep.clone()).unwrap();
    assert_eq!(
        b.keep_chart_entries(keep).unwrap_err().code,
        code::NOT_FOUND,
        "decided already"
    );
    let struck = a.set_chart_entry_active(&caries, false).unwrap();
    assert_eq!(pairs(&mut a), both[1..]);
    let left: Vec<&str> = struck
        .chart
        .contradictions
        .iter()
        .map(|c| c.tooth.as_str())
        .collect();
    assert_eq!(left, ["46"], "the chart a write returns has the pair gone");
    exchange(&mut a, &mut b);
    assert!(pairs(&mut a).is_empty());
    assert!(pairs(&mut b).is_empty());
}
