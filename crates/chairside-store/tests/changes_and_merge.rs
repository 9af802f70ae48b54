//! Change capture and the merge: same transaction, deterministic, idempotent.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use chairside_domain::{EntityId, Role};
use chairside_store::changes::{head, heads, read_change_set, read_change_sets};
use chairside_store::schema::{AUDIT_EVENT, STAFF_USER};
use chairside_store::users::{self, StaffUser};
use chairside_store::{ChangeSet, FieldChange, Store, StoreError, Value};
use common::*;
use proptest::prelude::*;

fn user(name: &str) -> StaffUser {
    StaffUser {
        id: EntityId::new(),
        username: name.into(),
        display_name: name.to_uppercase(),
        role: Role::Dentist,
        password_hash: "hash".into(),
        active: true,
    }
}

fn all_sets(store: &Store) -> Vec<ChangeSet> {
    let mut out = Vec::new();
    for (device, last) in heads(store.conn()).unwrap() {
        for idx in 1..=last {
            out.push(read_change_set(store.conn(), device, idx).unwrap().unwrap());
        }
    }
    out
}

/// The synced content of a store, as text, for comparing replicas.
fn state(store: &Store) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT id, username, display_name, role, active, deleted FROM staff_user ORDER BY id",
        "SELECT id, name, address, timezone, deleted FROM clinic ORDER BY id",
        "SELECT id, seq, hash FROM audit_event ORDER BY id",
        // Every field's winning (hlc, device), from the rows' clocks.
        "SELECT c.tbl, c.row_id, f.key, f.value ->> 0, c.clocks -> '$.d' ->> (f.value ->> 1)
         FROM row_clock c, json_each(c.clocks, '$.f') f ORDER BY c.tbl, c.row_id, f.key",
    ] {
        let mut stmt = store.conn().prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get::<_, Value>(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        for row in rows {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}

#[test]
fn a_write_and_its_change_set_commit_together() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let u = user("amel");
    store.write(|w| w.insert_user(&u)).unwrap();
    let device = store.device_id();
    assert_eq!(head(store.conn(), &device.to_string()).unwrap(), 1);
    let set = read_change_set(store.conn(), device, 1).unwrap().unwrap();
    let fields: Vec<&str> = set.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "username",
            "display_name",
            "role",
            "password_hash",
            "active"
        ]
    );
    assert!(
        set.changes.windows(2).all(|w| w[0].hlc < w[1].hlc),
        "every field write gets its own, later HLC"
    );

    // A failed transaction leaves neither the row nor a change set.
    let v = user("karim");
    let err = store
        .write(|w| {
            w.insert_user(&v)?;
            w.insert_user(&user("amel")) // taken: fails
        })
        .unwrap_err();
    assert!(err.to_string().contains("already taken"), "{err}");
    assert!(
        users::find_by_username(store.conn(), "karim")
            .unwrap()
            .is_none()
    );
    assert_eq!(head(store.conn(), &device.to_string()).unwrap(), 1);
}

#[test]
fn change_sets_replicate_and_applying_twice_changes_nothing() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = create(da.path());
    let mut b = create(db.path());
    let u = user("amel");
    a.write(|w| w.insert_user(&u)).unwrap();
    a.write(|w| {
        w.set(
            &STAFF_USER,
            u.id,
            &[("display_name", Value::Text("Dr Amel Benali".into()))],
        )
    })
    .unwrap();
    for set in all_sets(&a) {
        let outcome = b.apply_change_set(&set).unwrap();
        assert!(!outcome.already_applied);
    }
    assert_eq!(state(&a), state(&b));
    let snapshot_b = state(&b);
    for set in all_sets(&a) {
        assert!(b.apply_change_set(&set).unwrap().already_applied);
    }
    assert_eq!(state(&b), snapshot_b);
    assert_eq!(
        users::find_by_username(b.conn(), "amel")
            .unwrap()
            .unwrap()
            .display_name,
        "Dr Amel Benali"
    );
}

#[test]
fn concurrent_edits_of_one_field_converge_on_the_later_write_everywhere() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = create(da.path());
    let mut b = create(db.path());
    let u = user("amel");
    a.write(|w| w.insert_user(&u)).unwrap();
    for set in all_sets(&a) {
        b.apply_change_set(&set).unwrap();
    }
    // Offline on both desks: A edits first, B later.
    a.write(|w| {
        w.set(
            &STAFF_USER,
            u.id,
            &[("display_name", Value::Text("from A".into()))],
        )
    })
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3));
    b.write(|w| {
        w.set(
            &STAFF_USER,
            u.id,
            &[("display_name", Value::Text("from B".into()))],
        )
    })
    .unwrap();
    let (sa, sb) = (all_sets(&a), all_sets(&b));
    for set in &sb {
        a.apply_change_set(set).unwrap();
    }
    for set in &sa {
        b.apply_change_set(set).unwrap();
    }
    assert_eq!(state(&a), state(&b));
    assert_eq!(
        users::find_by_username(a.conn(), "amel")
            .unwrap()
            .unwrap()
            .display_name,
        "from B"
    );
}

#[test]
fn a_set_writing_rows_in_turn_and_a_field_twice_merges_as_written() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = create(da.path());
    let mut b = create(db.path());
    let (u, v) = (user("amel"), user("yacine"));
    a.write(|w| {
        w.insert_user(&u)?;
        w.insert_user(&v)
    })
    .unwrap();
    for set in all_sets(&a) {
        b.apply_change_set(&set).unwrap();
    }
    // B renames Amel first; then one transaction on A renames Amel, Yacine, and Amel again.
    b.write(|w| {
        w.set(
            &STAFF_USER,
            u.id,
            &[("display_name", Value::Text("from B".into()))],
        )
    })
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3));
    a.write(|w| {
        let name = |n: &str| [("display_name", Value::Text(n.into()))];
        w.set(&STAFF_USER, u.id, &name("first"))?;
        w.set(&STAFF_USER, v.id, &name("Dr Yacine"))?;
        w.set(&STAFF_USER, u.id, &name("Dr Amel"))
    })
    .unwrap();
    let (sa, sb) = (all_sets(&a), all_sets(&b));
    let outcome = b.apply_change_set(sa.last().unwrap()).unwrap();
    assert_eq!(
        outcome.fields_applied, 3,
        "each of the three writes won in turn"
    );
    for set in &sb {
        a.apply_change_set(set).unwrap();
    }
    assert_eq!(state(&a), state(&b));
    for store in [&a, &b] {
        let name = |login: &str| {
            users::find_by_username(store.conn(), login)
                .unwrap()
                .unwrap()
                .display_name
        };
        assert_eq!(name("amel"), "Dr Amel");
        assert_eq!(name("yacine"), "Dr Yacine");
    }
}

#[test]
fn a_range_of_change_sets_reads_back_as_each_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    for name in ["amel", "yacine", "nadia"] {
        store.write(|w| w.insert_user(&user(name))).unwrap();
    }
    let device = store.device_id();
    let one_by_one: Vec<ChangeSet> = (1..=3)
        .map(|i| read_change_set(store.conn(), device, i).unwrap().unwrap())
        .collect();
    assert_eq!(
        read_change_sets(store.conn(), device, 1, 3).unwrap(),
        one_by_one
    );
    assert_eq!(
        read_change_sets(store.conn(), device, 2, 9).unwrap(),
        one_by_one[1..]
    );
    assert!(
        read_change_sets(store.conn(), device, 4, 9)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn forged_or_out_of_order_sets_are_refused_without_effect() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = create(dir.path());
    let before = state(&store);
    let remote = chairside_domain::DeviceId::new();
    let change = |table: &str, field: &str| FieldChange {
        table: table.into(),
        row_id: EntityId::new().to_string(),
        field: field.into(),
        value: Value::Text("x".into()),
        hlc: chairside_domain::Hlc::from_parts(1, 0),
    };
    let cases = [
        (
            ChangeSet {
                device_id: remote,
                idx: 1,
                changes: vec![change("sqlite_master", "sql")],
                seen: None,
            },
            "unknown table",
        ),
        (
            ChangeSet {
                device_id: remote,
                idx: 1,
                changes: vec![change("staff_user", "id = 1; --")],
                seen: None,
            },
            "unknown field",
        ),
        (
            ChangeSet {
                device_id: remote,
                idx: 2,
                changes: vec![change("staff_user", "username")],
                seen: None,
            },
            "arrived before set 1",
        ),
        (
            ChangeSet {
                device_id: remote,
                idx: 1,
                changes: vec![],
                seen: None,
            },
            "empty",
        ),
    ];
    for (set, expected) in cases {
        let err = store.apply_change_set(&set).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    assert!(matches!(
        store.apply_change_set(&ChangeSet {
            device_id: remote,
            idx: 3,
            changes: vec![change("staff_user", "role")],
            seen: None,
        }),
        Err(StoreError::OutOfOrder { expected: 1, .. })
    ));
    assert_eq!(state(&store), before);
}

#[test]
fn append_only_rows_refuse_updates_and_arrive_once() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = create(da.path());
    let mut b = create(db.path());
    let rec = chairside_store::audit::AuditRecord {
        user_id: "-",
        action: "test",
        entity: "none",
        entity_id: "-",
        outcome: "ok",
        detail: "",
    };
    a.write(|w| w.audit(rec.clone()).map(|_| ())).unwrap();
    let err = a
        .write(|w| {
            w.set(
                &AUDIT_EVENT,
                EntityId::new(),
                &[("detail", Value::Text("x".into()))],
            )
        })
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(
        a.conn()
            .execute("UPDATE audit_event SET detail = 'x'", [])
            .is_err(),
        "the trigger refuses updates"
    );
    assert!(
        a.conn().execute("DELETE FROM audit_event", []).is_err(),
        "the trigger refuses deletes"
    );
    for set in all_sets(&a) {
        let outcome = b.apply_change_set(&set).unwrap();
        assert_eq!(outcome.rows_appended, 1);
    }
    assert_eq!(state(&a), state(&b));
}

/// One random operation on one replica.
#[derive(Clone, Debug)]
enum Op {
    Create {
        replica: usize,
        user: usize,
    },
    Rename {
        replica: usize,
        user: usize,
        name: u8,
    },
    Delete {
        replica: usize,
        user: usize,
    },
    /// One transaction that renames two users, the first twice (rows interleaved, a field
    /// written twice in one change set).
    RenameTwo {
        replica: usize,
        first: usize,
        second: usize,
        name: u8,
    },
    /// Copy every change set `from` has and `to` lacks, in a shuffled order across devices.
    Sync {
        from: usize,
        to: usize,
        seed: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..4usize).prop_map(|(replica, user)| Op::Create { replica, user }),
        (0..3usize, 0..4usize, any::<u8>()).prop_map(|(replica, user, name)| Op::Rename {
            replica,
            user,
            name
        }),
        (0..3usize, 0..4usize).prop_map(|(replica, user)| Op::Delete { replica, user }),
        (0..3usize, 0..4usize, 0..4usize, any::<u8>()).prop_map(
            |(replica, first, second, name)| Op::RenameTwo {
                replica,
                first,
                second,
                name
            }
        ),
        (0..3usize, 0..3usize, any::<u64>()).prop_map(|(from, to, seed)| Op::Sync {
            from,
            to,
            seed
        }),
    ]
}

/// Applies what `from` has to `to`: device by device in index order (the log's one rule), with
/// the devices interleaved at random, and some sets delivered twice.
fn sync(from: &Store, to: &mut Store, seed: u64) {
    let mut queues: Vec<Vec<ChangeSet>> = heads(from.conn())
        .unwrap()
        .into_iter()
        .map(|(device, last)| {
            let have = head(to.conn(), &device.to_string()).unwrap();
            ((have + 1)..=last)
                .map(|i| read_change_set(from.conn(), device, i).unwrap().unwrap())
                .collect()
        })
        .collect();
    let mut rng = seed;
    while queues.iter().any(|q| !q.is_empty()) {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let live: Vec<usize> = (0..queues.len())
            .filter(|i| !queues[*i].is_empty())
            .collect();
        let q = live[(rng >> 33) as usize % live.len()];
        let set = queues[q].remove(0);
        to.apply_change_set(&set).unwrap();
        if rng & 1 == 1 {
            assert!(to.apply_change_set(&set).unwrap().already_applied);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever the interleaving of edits and partial syncs, once every replica has every change
    /// set, all replicas hold exactly the same data.
    #[test]
    fn replicas_converge_whatever_the_order(ops in proptest::collection::vec(op(), 1..30)) {
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        let mut stores: Vec<Store> = dirs.iter().map(|d| create(d.path())).collect();
        let ids: Vec<EntityId> = (0..4).map(|_| EntityId::new()).collect();
        for op in ops {
            match op {
                Op::Create { replica, user } => {
                    let id = ids[user];
                    stores[replica].write(|w| w.set(&STAFF_USER, id, &[
                        ("username", Value::Text(format!("user{user}"))),
                        ("role", Value::Text("assistant".into())),
                    ])).unwrap();
                }
                Op::Rename { replica, user, name } => {
                    let id = ids[user];
                    stores[replica].write(|w| w.set(&STAFF_USER, id, &[
                        ("display_name", Value::Text(format!("name {name}"))),
                    ])).unwrap();
                }
                Op::Delete { replica, user } => {
                    let id = ids[user];
                    stores[replica].write(|w| w.tombstone(&STAFF_USER, id)).unwrap();
                }
                Op::RenameTwo { replica, first, second, name } => {
                    let (x, y) = (ids[first], ids[second]);
                    stores[replica].write(|w| {
                        w.set(&STAFF_USER, x, &[("display_name", Value::Text(format!("name {name}")))])?;
                        w.set(&STAFF_USER, y, &[("display_name", Value::Text(format!("other {name}")))])?;
                        w.set(&STAFF_USER, x, &[("display_name", Value::Text(format!("again {name}")))])
                    }).unwrap();
                }
                Op::Sync { from, to, seed } => {
                    if from != to {
                        let (a, b) = if from < to {
                            let (l, r) = stores.split_at_mut(to);
                            (&l[from], &mut r[0])
                        } else {
                            let (l, r) = stores.split_at_mut(from);
                            (&r[0], &mut l[to])
                        };
                        sync(a, b, seed);
                    }
                }
            }
        }
        // Heal the network: everyone gets everything (two rounds around the ring).
        for round in 0..2u64 {
            for i in 0..3 {
                let j = (i + 1) % 3;
                let (a, b) = if i < j {
                    let (l, r) = stores.split_at_mut(j);
                    (&l[i], &mut r[0])
                } else {
                    let (l, r) = stores.split_at_mut(i);
                    (&r[0], &mut l[j])
                };
                sync(a, b, round * 7 + i as u64);
            }
        }
        let reference = state(&stores[0]);
        prop_assert_eq!(&state(&stores[1]), &reference);
        prop_assert_eq!(&state(&stores[2]), &reference);
    }
}

#[test]
fn changes_waiting_count_data_not_audit_entries_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = create(dir.path());
    let me = a.device_id().to_string();
    let pushed = head(a.conn(), &me).unwrap();
    let waiting =
        |a: &Store| chairside_store::sync_state::changes_waiting(a.conn(), &me, pushed).unwrap();
    assert_eq!(waiting(&a), 0);
    let opened = chairside_store::audit::AuditRecord {
        user_id: "u",
        action: "patient.read",
        entity: "patient",
        entity_id: "p",
        outcome: "ok",
        detail: "",
    };
    a.write(|w| w.audit(opened.clone()).map(|_| ())).unwrap();
    assert_eq!(
        head(a.conn(), &me).unwrap(),
        pushed + 1,
        "an audit-only set was written"
    );
    assert_eq!(waiting(&a), 0, "an audit entry alone is no change waiting");
    // A change with its audit entry in the same set counts.
    a.write(|w| {
        w.set(
            &STAFF_USER,
            EntityId::new(),
            &[("display_name", Value::Text("Dr B".into()))],
        )?;
        w.audit(opened).map(|_| ())
    })
    .unwrap();
    assert_eq!(waiting(&a), 1);
}
