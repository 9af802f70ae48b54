//! Images imported at one PC, opened at another: the file is fetched from the relay when a
//! person opens it, through the desktop's background sync (two PCs of one clinic through a real
//! relay on loopback, in this process).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;
#[path = "common/two_pcs.rs"]
mod two_pcs;

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use chairside_app::*;
use two_pcs::*;

/// A dentist opens a radiograph imported at another PC while this PC's background sync is under
/// way (a PC receiving its clinic syncs for minutes): the image is fetched at once on a
/// connection of its own, not after the sync.
#[test]
fn an_image_from_another_pc_opens_while_the_background_sync_runs() {
    let work = tempfile::tempdir().unwrap();
    let relay_url = loopback_relay(work.path());
    let (mut a, b) = owner_pc_and_second_pc(work.path(), &relay_url);
    let patient = add_patient(&mut a, "Haddad", "Yacine", "1980-01-02");
    let on_a = import(&mut a, &patient, "real/CT_small.dcm");
    a.sync_now(None).unwrap();
    let b = Arc::new(Mutex::new(b));
    b.lock().unwrap().sync_now(None).unwrap();
    assert!(!is_here(&b, &on_a), "not opened at B yet");

    let background = BackgroundSync::spawn(b.clone());
    // Held as a sync holds the agent, for as long as this closure runs.
    let opened = background
        .with_agent(&b, |_syncing| {
            // The viewer's request, from another thread, as the desktop's command runs.
            let (tell, told) = mpsc::channel();
            let (viewer, app, image) = (background.clone(), b.clone(), on_a.clone());
            std::thread::spawn(move || {
                let _ = tell.send(viewer.image_frame(&app, &image, 0, None));
            });
            told.recv_timeout(Duration::from_secs(30))
        })
        .unwrap()
        .expect("the image waited for the sync to end");
    assert!(!opened.unwrap().is_empty());
    assert!(is_here(&b, &on_a));
    // The background sync may have started its own sync meanwhile: it ends before the process.
    background.stop();
}

/// Whether an image's file is on this PC, as the app tells it.
fn is_here(app: &Arc<Mutex<App>>, image_id: &str) -> bool {
    app.lock()
        .unwrap()
        .image_detail(image_id)
        .unwrap()
        .image
        .local
}

/// The radiographs of the patients booked today and tomorrow are fetched by the sync, ahead of
/// need: at the chair they open at once, and with the network down. A patient not booked, or
/// whose appointment was cancelled, is left to be fetched when someone opens the image.
#[test]
fn the_sync_fetches_ahead_the_images_of_the_patients_booked_soon() {
    let work = tempfile::tempdir().unwrap();
    let relay_url = loopback_relay(work.path());
    let (mut a, b) = owner_pc_and_second_pc(work.path(), &relay_url);
    let chair = a
        .save_chair(ChairInput {
            id: None,
            name: "Fauteuil 1".into(),
            active: true,
        })
        .unwrap();
    // Tomorrow in UTC is today or tomorrow in Algiers (UTC+1), the clinic's time zone.
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let book = |app: &mut App, patient: &Patient, time: &str| {
        app.book_appointment(AppointmentInput {
            patient_id: patient.id.clone(),
            chair_id: chair.id.clone(),
            starts_at: format!("{tomorrow}T{time}"),
            duration_min: 30,
            reason: "Contrôle".into(),
            practitioner_id: None,
            allow_overlap: false,
        })
        .unwrap()
    };
    let booked = add_patient(&mut a, "Haddad", "Yacine", "1980-01-02");
    let not_booked = add_patient(&mut a, "Benali", "Amina", "1975-03-04");
    let cancelled = add_patient(&mut a, "Ouyahia", "Sarah", "1990-05-06");
    book(&mut a, &booked, "10:00");
    let gone = book(&mut a, &cancelled, "11:00");
    a.set_appointment_status(&gone.id, AppointmentStatus::Cancelled)
        .unwrap();
    let booked_image = import(&mut a, &booked, "real/CT_small.dcm");
    let other_image = import(&mut a, &not_booked, "real/MR_small.dcm");
    let cancelled_image = import(&mut a, &cancelled, "real/SC_rgb_rle.dcm");
    a.sync_now(None).unwrap();

    let b = Arc::new(Mutex::new(b));
    let summary = b.lock().unwrap().sync_now(None).unwrap();
    assert_eq!(summary.files_prefetched, 1, "{summary:?}");
    assert!(is_here(&b, &booked_image), "fetched ahead");
    assert!(
        !is_here(&b, &other_image),
        "not booked: fetched when opened"
    );
    assert!(
        !is_here(&b, &cancelled_image),
        "cancelled: fetched when opened"
    );
    // Nothing more to fetch ahead at the next sync.
    assert_eq!(
        b.lock().unwrap().sync_now(None).unwrap().files_prefetched,
        0
    );
}
