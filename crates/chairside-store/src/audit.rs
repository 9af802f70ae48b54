//! The tamper-evident audit log.
//!
//! Every entry records who (user id), what (action, entity, entity id, outcome, detail), when
//! (UTC milliseconds) and from which device. Entries of one device form a chain: each stores the
//! SHA-256 of the previous one, and its own hash covers its fields and that link. Editing an
//! entry breaks its hash; removing one breaks the next entry's link (or, for the newest, the
//! chain head kept in `local_meta`). [`verify`] walks every chain and names the first break.
//!
//! Entries hold ids, not names: a GDPR erasure must find nothing to scrub here.

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::changes::Writer;
use crate::error::Result;
use crate::now_ms;
use crate::schema::AUDIT_EVENT;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to record. `user_id` is the signed-in user, or "-" before anyone signed in.
#[derive(Clone, Debug)]
pub struct AuditRecord<'a> {
    pub user_id: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    /// "ok", "denied" or "failed".
    pub outcome: &'a str,
    pub detail: &'a str,
}

/// One stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: String,
    pub device_id: String,
    pub seq: i64,
    pub at_ms: i64,
    pub user_id: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        for part in [
            self.id.as_str(),
            self.device_id.as_str(),
            &self.seq.to_string(),
            &self.at_ms.to_string(),
            self.user_id.as_str(),
            self.action.as_str(),
            self.entity.as_str(),
            self.entity_id.as_str(),
            self.outcome.as_str(),
            self.detail.as_str(),
        ] {
            // Length prefixes keep ("ab","c") and ("a","bc") apart.
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

impl Writer<'_> {
    /// Appends an audit entry in the current transaction, chained to this device's last one.
    pub fn audit(&mut self, record: AuditRecord<'_>) -> Result<String> {
        let device_id = self.device_id().to_string();
        let last: Option<(i64, String)> = self
            .conn()
            .query_row(
                "SELECT seq, hash FROM audit_event WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1",
                [&device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
        let id = EntityId::new();
        let mut entry = AuditEntry {
            id: id.to_string(),
            device_id,
            seq: prev_seq + 1,
            at_ms: now_ms() as i64,
            user_id: record.user_id.into(),
            action: record.action.into(),
            entity: record.entity.into(),
            entity_id: record.entity_id.into(),
            outcome: record.outcome.into(),
            detail: record.detail.into(),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        self.append(
            &AUDIT_EVENT,
            id,
            &[
                ("device_id", Value::Text(entry.device_id.clone())),
                ("seq", Value::Integer(entry.seq)),
                ("at_ms", Value::Integer(entry.at_ms)),
                ("user_id", Value::Text(entry.user_id.clone())),
                ("action", Value::Text(entry.action.clone())),
                ("entity", Value::Text(entry.entity.clone())),
                ("entity_id", Value::Text(entry.entity_id.clone())),
                ("outcome", Value::Text(entry.outcome.clone())),
                ("detail", Value::Text(entry.detail.clone())),
                ("prev_hash", Value::Text(entry.prev_hash.clone())),
                ("hash", Value::Text(entry.hash.clone())),
            ],
        )?;
        // The head of the local chain, so that removing the newest entry is detected too.
        self.conn().execute(
            "INSERT INTO local_meta (key, value) VALUES ('audit_head', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [format!("{}:{}", entry.seq, entry.hash)],
        )?;
        Ok(entry.id)
    }
}

/// The first place where a chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditBreak {
    pub device_id: String,
    pub seq: i64,
    pub entry_id: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry #{} of device {}", self.seq, self.device_id)?;
        if let Some(id) = &self.entry_id {
            write!(f, " (id {id})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    pub devices: u64,
    pub first_break: Option<AuditBreak>,
}

/// Walks every device's chain in order and reports the first broken entry, if any.
pub fn verify(conn: &Connection, local_device: &str) -> Result<AuditReport> {
    let mut stmt = conn.prepare(
        "SELECT id, device_id, seq, at_ms, user_id, action, entity, entity_id, outcome, detail, prev_hash, hash
         FROM audit_event ORDER BY device_id, seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut report = AuditReport {
        entries: 0,
        devices: 0,
        first_break: None,
    };
    let mut current_device: Option<String> = None;
    let (mut expected_seq, mut expected_prev) = (1i64, GENESIS.to_string());
    let mut local_last: (i64, String) = (0, GENESIS.to_string());
    while let Some(r) = rows.next()? {
        let entry = AuditEntry {
            id: r.get(0)?,
            device_id: r.get(1)?,
            seq: r.get(2)?,
            at_ms: r.get(3)?,
            user_id: r.get(4)?,
            action: r.get(5)?,
            entity: r.get(6)?,
            entity_id: r.get(7)?,
            outcome: r.get(8)?,
            detail: r.get(9)?,
            prev_hash: r.get(10)?,
            hash: r.get(11)?,
        };
        if current_device.as_deref() != Some(entry.device_id.as_str()) {
            current_device = Some(entry.device_id.clone());
            report.devices += 1;
            expected_seq = 1;
            expected_prev = GENESIS.to_string();
        }
        report.entries += 1;
        let broken = |reason: String, seq: i64, id: Option<String>| AuditBreak {
            device_id: entry.device_id.clone(),
            seq,
            entry_id: id,
            reason,
        };
        if entry.seq != expected_seq {
            let reason = if entry.seq > expected_seq {
                format!(
                    "missing: the chain jumps from #{} to #{}",
                    expected_seq - 1,
                    entry.seq
                )
            } else {
                format!("duplicate sequence number {}", entry.seq)
            };
            report.first_break = Some(broken(reason, expected_seq, None));
            return Ok(report);
        }
        if entry.prev_hash != expected_prev {
            report.first_break = Some(broken(
                "its link to the previous entry does not match (an entry before it was altered or removed)".into(),
                entry.seq,
                Some(entry.id.clone()),
            ));
            return Ok(report);
        }
        if entry.compute_hash() != entry.hash {
            report.first_break = Some(broken(
                "its content was altered after it was written".into(),
                entry.seq,
                Some(entry.id.clone()),
            ));
            return Ok(report);
        }
        if entry.device_id == local_device {
            local_last = (entry.seq, entry.hash.clone());
        }
        expected_seq = entry.seq + 1;
        expected_prev = entry.hash;
    }
    let head: Option<String> = conn
        .query_row(
            "SELECT value FROM local_meta WHERE key = 'audit_head'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(head) = head {
        let (seq, hash) = head.split_once(':').unwrap_or(("0", ""));
        let seq: i64 = seq.parse().unwrap_or(0);
        if seq != local_last.0 || hash != local_last.1 {
            report.first_break = Some(AuditBreak {
                device_id: local_device.into(),
                seq: local_last.0 + 1,
                entry_id: None,
                reason: format!(
                    "missing: this device wrote entries up to #{seq}, the log ends at #{}",
                    local_last.0
                ),
            });
        }
    }
    Ok(report)
}

/// Entries, newest first, for the owner's audit screen.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, device_id, seq, at_ms, user_id, action, entity, entity_id, outcome, detail, prev_hash, hash
         FROM audit_event ORDER BY at_ms DESC, seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map(params![limit], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            device_id: r.get(1)?,
            seq: r.get(2)?,
            at_ms: r.get(3)?,
            user_id: r.get(4)?,
            action: r.get(5)?,
            entity: r.get(6)?,
            entity_id: r.get(7)?,
            outcome: r.get(8)?,
            detail: r.get(9)?,
            prev_hash: r.get(10)?,
            hash: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
