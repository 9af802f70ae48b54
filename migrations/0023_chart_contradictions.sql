-- 0023: entries of one tooth that cannot both be true, charted apart at two PCs.
--
-- Each operatory checks what it charts against the chart it holds (no caries on a tooth charted
-- missing, no filling on an implant: `chairside-domain::chart`). Two operatories apart cannot see
-- each other's entries: once merged, a tooth can hold a caries and the other's "missing". The
-- chart entry's `on_change` hook (and a patient's, when files are merged or separated) finds
-- such pairs and keeps them here for a person to settle in the "needs attention" inbox: strike
-- one out (an ordinary edit, after which the pair no longer contradicts), or keep both
-- (`chart_review`, synced, so no PC flags the pair again). Like `booking_overlap`, the pairs
-- depend only on the data, so every PC derives the same ones; the table is local, never synced.
-- The store derives the pairs of the charts already held right after this migration.
CREATE TABLE chart_contradiction (
    entry_id       TEXT    NOT NULL,   -- the entry that does not fit the tooth
    because_of_id  TEXT    NOT NULL,   -- an entry that makes the tooth absent or replaced
    patient_id     TEXT    NOT NULL,   -- the file the chart is read in (the kept one, once merged)
    tooth          TEXT    NOT NULL,
    reason         TEXT    NOT NULL,   -- tooth_absent, on_implant or on_pontic
    found_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (entry_id, because_of_id)
) WITHOUT ROWID;
CREATE INDEX chart_contradiction_because_of ON chart_contradiction (because_of_id);
CREATE INDEX chart_contradiction_tooth ON chart_contradiction (patient_id, tooth);

-- A person's decision that two contradicting entries both stand as charted: synced and
-- append-only. The pair is stored in id order (`entry_a < entry_b`), whichever did not fit.
CREATE TABLE chart_review (
    id             TEXT PRIMARY KEY,
    entry_a        TEXT    NOT NULL,
    entry_b        TEXT    NOT NULL,
    decided_by     TEXT    NOT NULL,   -- staff user id
    decided_at_ms  INTEGER NOT NULL
);
CREATE INDEX chart_review_pair ON chart_review (entry_a, entry_b);

CREATE TRIGGER chart_review_no_update BEFORE UPDATE ON chart_review
BEGIN SELECT RAISE(ABORT, 'chart_review is append-only'); END;
CREATE TRIGGER chart_review_no_delete BEFORE DELETE ON chart_review
BEGIN SELECT RAISE(ABORT, 'chart_review is append-only'); END;
