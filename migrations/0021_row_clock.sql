-- 0021: a row's field clocks kept as one record per row (`row_clock`) instead of one per field.
--
-- The merge compares each incoming field write with the write that holds the field's value: its
-- (hlc, device) and the change set that wrote it. Those clocks were a `field_clock` record per
-- field, each repeating the table, the row id and the device id: for a day of new patient files
-- they took 30% of the database and a merge inserted one record per field. The merge already
-- reads a row's clocks together and writes them together (`changes::RowMerge`), so one record
-- per row holds them: fifteen times fewer records for a new patient, a third of the bytes, the
-- same per-field rule (see `changes::RowClock` for the JSON).
CREATE TABLE row_clock (
    tbl     TEXT NOT NULL,
    row_id  TEXT NOT NULL,
    -- {"d": [device ids, sorted], "f": {field: [hlc, index into d, set_idx], ...}}
    clocks  TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
) WITHOUT ROWID;

WITH devices AS (
    SELECT tbl, row_id, json_group_array(device_id ORDER BY device_id) AS list
    FROM (SELECT DISTINCT tbl, row_id, device_id FROM field_clock)
    GROUP BY tbl, row_id
),
ranked AS (
    SELECT tbl, row_id, field, hlc, set_idx,
           dense_rank() OVER (PARTITION BY tbl, row_id ORDER BY device_id) - 1 AS device
    FROM field_clock
)
INSERT INTO row_clock (tbl, row_id, clocks)
SELECT ranked.tbl, ranked.row_id,
       json_object('d', json(devices.list),
                   'f', json_group_object(ranked.field,
                                          json_array(ranked.hlc, ranked.device, ranked.set_idx)))
FROM ranked JOIN devices USING (tbl, row_id)
GROUP BY ranked.tbl, ranked.row_id;

DROP TABLE field_clock;
