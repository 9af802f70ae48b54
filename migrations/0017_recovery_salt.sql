-- 0017: the clinic's recovery key can be renewed (a revoked PC holds the clinic key, so it could
-- compute the recovery proof and join the relay again as a new device).
--
-- The recovery proof now also hashes a random salt kept in the clinic row (synced, so sealed at
-- the relay like every row, and received by each PC with the clinic). Renewing the key draws a
-- new salt, has the relay replace the proof's hash, and prints a longer recovery key holding
-- the salt. '' (every clinic until its first renewal) keeps the first proof and the 80-character
-- key.
ALTER TABLE clinic ADD COLUMN recovery_salt TEXT NOT NULL DEFAULT '';
