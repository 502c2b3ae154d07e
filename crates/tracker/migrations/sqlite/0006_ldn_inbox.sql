-- The Linked Data Notifications inbox: what other trackers sent, as they sent it.
-- `dedup` makes receipt idempotent: for a verdict notification the sender's key id and
-- the notification's own id, for any other the SHA-256 of the body; the same
-- notification posted twice is stored once.
CREATE TABLE ldn_notification (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup        TEXT NOT NULL UNIQUE,
    sender       TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    body         BLOB NOT NULL
);
CREATE INDEX ldn_notification_sender ON ldn_notification (sender, seq);
