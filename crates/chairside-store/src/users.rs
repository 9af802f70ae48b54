//! Staff accounts as rows: read and write `staff_user` through change capture.
//!
//! Password hashing and the rules of who may do what live in `chairside-app` and
//! `chairside-domain`; this module only stores.

use chairside_domain::{EntityId, Role};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::STAFF_USER;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffUser {
    pub id: EntityId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
}

const COLUMNS: &str = "id, username, display_name, role, password_hash, active";

fn from_row(r: &Row<'_>) -> rusqlite::Result<StaffUser> {
    let id: String = r.get(0)?;
    let role: String = r.get(3)?;
    Ok(StaffUser {
        id: id.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: role.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?,
        password_hash: r.get(4)?,
        active: r.get(5)?,
    })
}

/// The live (not deleted) user with this username. If a merge brought two, the oldest id wins
/// here and the duplicate is left for a person to resolve.
pub fn find_by_username(conn: &Connection, username: &str) -> Result<Option<StaffUser>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM staff_user WHERE username = ?1 AND deleted = 0 ORDER BY id LIMIT 1"),
            [username],
            from_row,
        )
        .optional()?)
}

pub fn get(conn: &Connection, id: EntityId) -> Result<Option<StaffUser>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM staff_user WHERE id = ?1 AND deleted = 0"),
            [id.to_string()],
            from_row,
        )
        .optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<StaffUser>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM staff_user WHERE deleted = 0 ORDER BY username, id"
    ))?;
    Ok(stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn count(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM staff_user WHERE deleted = 0",
        [],
        |r| r.get(0),
    )?)
}

impl Writer<'_> {
    /// Creates a user; refuses a username already taken on this PC.
    pub fn insert_user(&mut self, user: &StaffUser) -> Result<()> {
        if find_by_username(self.conn(), &user.username)?.is_some() {
            return Err(StoreError::InvalidChange(format!(
                "the username {:?} is already taken",
                user.username
            )));
        }
        self.set(
            &STAFF_USER,
            user.id,
            &[
                ("username", Value::Text(user.username.clone())),
                ("display_name", Value::Text(user.display_name.clone())),
                ("role", Value::Text(user.role.as_str().into())),
                ("password_hash", Value::Text(user.password_hash.clone())),
                ("active", Value::Integer(i64::from(user.active))),
            ],
        )
    }
}
