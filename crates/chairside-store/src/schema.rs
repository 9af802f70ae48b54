//! The synced tables and their fields: the whitelist that change capture and merge work from.
//!
//! A change set names tables and fields as text; only names listed here are ever put into SQL,
//! so a forged change set cannot reach another table or column.

/// How rows of a table change over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// A map of fields, merged field by field: the greatest (hlc, device_id) wins. Deletes are
    /// the `deleted` field set to 1 (a tombstone), merged the same way.
    Mutable,
    /// Insert only (clinical notes, audit events, payments): a correction is a new row that
    /// references the old one. Applying a row twice is a no-op.
    AppendOnly,
}

/// A table's `on_change` hook: re-derives local data from one row (by id) as it stands.
pub type OnChange = fn(&rusqlite::Connection, &str) -> crate::Result<()>;

#[derive(Clone, Copy, Debug)]
pub struct TableSpec {
    pub name: &'static str,
    pub kind: TableKind,
    /// Every synced column except `id`.
    pub fields: &'static [&'static str],
    /// Keeps derived local data (a search index) in step with a row, in the transaction that
    /// changed it, whether the change was typed here or merged from another device.
    pub on_change: Option<OnChange>,
}

impl TableSpec {
    pub fn has_field(&self, field: &str) -> bool {
        self.fields.contains(&field)
    }
}

pub const CLINIC: TableSpec = TableSpec {
    name: "clinic",
    kind: TableKind::Mutable,
    fields: &[
        "name",
        "address",
        "timezone",
        "phone_region",
        "language",
        "idle_lock_seconds",
        "recovery_salt",
        "deleted",
    ],
    on_change: None,
};

pub const STAFF_USER: TableSpec = TableSpec {
    name: "staff_user",
    kind: TableKind::Mutable,
    fields: &[
        "username",
        "display_name",
        "role",
        "password_hash",
        "active",
        "deleted",
    ],
    on_change: None,
};

pub const AUDIT_EVENT: TableSpec = TableSpec {
    name: "audit_event",
    kind: TableKind::AppendOnly,
    fields: &[
        "device_id",
        "seq",
        "at_ms",
        "user_id",
        "action",
        "entity",
        "entity_id",
        "outcome",
        "detail",
        "prev_hash",
        "hash",
    ],
    on_change: None,
};

pub const PATIENT: TableSpec = TableSpec {
    name: "patient",
    kind: TableKind::Mutable,
    fields: &[
        "file_number",
        "last_name",
        "first_name",
        "birth_date",
        "sex",
        "phones",
        "email",
        "address",
        "national_id_kind",
        "national_id",
        "referring_dentist",
        "notes",
        "created_at_ms",
        "guarantor_id",
        "guarantor_relation",
        "photo",
        "erased_at_ms",
        "merged_into",
        "deleted",
    ],
    on_change: Some(crate::patients::reindex),
};

pub const MEDICAL_ITEM: TableSpec = TableSpec {
    name: "medical_item",
    kind: TableKind::Mutable,
    fields: &[
        "patient_id",
        "kind",
        "label",
        "detail",
        "severity",
        "alert",
        "noted_on",
        "recorded_by",
        "recorded_at_ms",
        "active",
        "deleted",
    ],
    on_change: None,
};

pub const CONSENT: TableSpec = TableSpec {
    name: "consent",
    kind: TableKind::AppendOnly,
    fields: &[
        "patient_id",
        "kind",
        "granted",
        "text_version",
        "recorded_by",
        "recorded_at_ms",
    ],
    on_change: None,
};

pub const PATIENT_DISTINCT: TableSpec = TableSpec {
    name: "patient_distinct",
    kind: TableKind::AppendOnly,
    fields: &["patient_a", "patient_b", "decided_by", "decided_at_ms"],
    on_change: Some(crate::duplicates::on_distinct),
};

pub const DEVICE: TableSpec = TableSpec {
    name: "device",
    kind: TableKind::Mutable,
    fields: &["name", "enrolled_at_ms", "revoked", "deleted"],
    on_change: None,
};

pub const BLOB: TableSpec = TableSpec {
    name: "blob",
    kind: TableKind::AppendOnly,
    fields: &[
        "sha256",
        "size",
        "media_type",
        "chunk_bytes",
        "created_at_ms",
    ],
    on_change: None,
};

pub const CONFLICT_REVIEW: TableSpec = TableSpec {
    name: "conflict_review",
    kind: TableKind::AppendOnly,
    fields: &[
        "tbl",
        "row_id",
        "field",
        "other_device",
        "other_hlc",
        "decision",
        "decided_by",
        "decided_at_ms",
    ],
    on_change: Some(crate::conflicts::on_review),
};

pub const IMAGE: TableSpec = TableSpec {
    name: "image",
    kind: TableKind::Mutable,
    fields: &[
        "patient_id",
        "blob_sha256",
        "format",
        "modality",
        "taken_on",
        "file_name",
        "width",
        "height",
        "frames",
        "spacing_row_mm",
        "spacing_col_mm",
        "spacing_source",
        "calibration_mm_per_px",
        "window_center",
        "window_width",
        "teeth",
        "thumbnail",
        "sop_instance_uid",
        "imported_by",
        "imported_at_ms",
        "deleted",
        "identity_removed",
    ],
    on_change: Some(crate::erasure::enforce_on_image),
};

pub const IMAGE_ANNOTATION: TableSpec = TableSpec {
    name: "image_annotation",
    kind: TableKind::Mutable,
    fields: &[
        "image_id",
        "kind",
        "points",
        "note",
        "created_by",
        "created_at_ms",
        "deleted",
    ],
    on_change: None,
};

pub const CHAIR: TableSpec = TableSpec {
    name: "chair",
    kind: TableKind::Mutable,
    fields: &["name", "active"],
    on_change: None,
};

pub const APPOINTMENT: TableSpec = TableSpec {
    name: "appointment",
    kind: TableKind::Mutable,
    fields: &[
        "patient_id",
        "chair_id",
        "practitioner_id",
        "starts_at",
        "duration_min",
        "reason",
        "status",
        "booked_by",
        "booked_at_ms",
    ],
    on_change: Some(crate::agenda::on_appointment),
};

pub const BOOKING_REVIEW: TableSpec = TableSpec {
    name: "booking_review",
    kind: TableKind::AppendOnly,
    fields: &[
        "appointment_a",
        "appointment_b",
        "decided_by",
        "decided_at_ms",
    ],
    on_change: Some(crate::agenda::on_review),
};

pub const CHART_ENTRY: TableSpec = TableSpec {
    name: "chart_entry",
    kind: TableKind::Mutable,
    fields: &[
        "patient_id",
        "tooth",
        "surfaces",
        "kind",
        "status",
        "material",
        "note",
        "done_on",
        "done_at_ms",
        "done_by",
        "recorded_by",
        "recorded_at_ms",
        "active",
        "settled_by",
    ],
    on_change: Some(crate::chart::on_entry),
};

pub const CHART_REVIEW: TableSpec = TableSpec {
    name: "chart_review",
    kind: TableKind::AppendOnly,
    fields: &["entry_a", "entry_b", "decided_by", "decided_at_ms"],
    on_change: Some(crate::chart::on_review),
};

/// Every synced table. A migration that adds a synced table adds its spec here.
pub const SYNCED_TABLES: &[TableSpec] = &[
    CLINIC,
    STAFF_USER,
    AUDIT_EVENT,
    PATIENT,
    MEDICAL_ITEM,
    CONSENT,
    PATIENT_DISTINCT,
    DEVICE,
    BLOB,
    CONFLICT_REVIEW,
    IMAGE,
    IMAGE_ANNOTATION,
    CHAIR,
    APPOINTMENT,
    BOOKING_REVIEW,
    CHART_ENTRY,
    CHART_REVIEW,
];

pub fn table(name: &str) -> Option<&'static TableSpec> {
    SYNCED_TABLES.iter().find(|t| t.name == name)
}
