//! A child process for the crash test: opens a store and writes in a loop, printing
//! `ack <n>` on stdout after each commit has returned. The parent kills it with SIGKILL at a
//! random moment and checks that every acknowledged write survived.
//!
//! Usage: `crash-writer DATA_DIR` with the passphrase in `CHAIRSIDE_PASSPHRASE`.

use std::io::Write;

use anyhow::{Context, Result};
use chairside_domain::{EntityId, Role};
use chairside_store::audit::AuditRecord;
use chairside_store::users::{self, StaffUser};
use chairside_store::{Store, Unlock};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().context("usage: crash-writer DATA_DIR")?;
    let passphrase = std::env::var("CHAIRSIDE_PASSPHRASE").context("CHAIRSIDE_PASSPHRASE")?;
    let mut store = Store::open(
        dir.as_ref(),
        Unlock::Auto {
            passphrase: Some(&passphrase),
        },
    )?;
    // Rows are w0, w1, ... without gaps (a transaction is all or nothing), so the count is the
    // next number, including writes that committed just before the last kill unacknowledged.
    let mut n = users::count(store.conn())?;
    let stdout = std::io::stdout();
    for iteration in 0u64.. {
        // Mix small and larger transactions so kills land in both.
        let batch = if iteration % 4 == 0 { 20 } else { 1 };
        let first = n;
        store.write(|w| {
            for i in 0..batch {
                let user = StaffUser {
                    id: EntityId::new(),
                    username: format!("w{}", first + i),
                    // The parent checks that every batch is whole: all its rows or none.
                    display_name: format!("batch {first} of {batch}"),
                    role: Role::Assistant,
                    password_hash: "-".into(),
                    active: true,
                };
                w.insert_user(&user)?;
            }
            w.audit(AuditRecord {
                user_id: "crash-writer",
                action: "test.write",
                entity: "user",
                entity_id: "-",
                outcome: "ok",
                detail: "",
            })?;
            Ok(())
        })?;
        n += batch;
        let mut out = stdout.lock();
        writeln!(out, "ack {}", n - 1)?;
        out.flush()?;
    }
    Ok(())
}
