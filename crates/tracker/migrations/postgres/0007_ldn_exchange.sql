-- Sending: each verdict change for the peers is one notification in `ldn_outbox` (its
-- body as posted, its id `<tracker>/outbox/<seq>`) and one `ldn_delivery` per peer
-- that follows the package. A delivery is `pending` until a peer's inbox answers 201 or
-- 200 (`delivered`), or until it fails for good (`dead`: refused, or too many
-- attempts); `next_attempt_at` (Unix milliseconds) grows with each failure.
CREATE TABLE ldn_outbox (
    seq         BIGSERIAL PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    vuln_id     TEXT NOT NULL,
    origin      TEXT NOT NULL,
    branch      TEXT NOT NULL,
    -- A digest of the verdict without its times: a state change that leaves the verdict
    -- as it was sends nothing.
    digest      TEXT NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX ldn_outbox_verdict ON ldn_outbox (vuln_id, origin, branch);

CREATE TABLE ldn_delivery (
    outbox_seq       BIGINT NOT NULL,
    peer             TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    delivered_at     BIGINT,
    location         TEXT,
    PRIMARY KEY (outbox_seq, peer)
);
CREATE INDEX ldn_delivery_due ON ldn_delivery (state, next_attempt_at);

-- Receiving: the latest verdict of each peer about (vulnerability, its package, its
-- branch), from the inbox's notifications; `origin` is the local package it is about,
-- when one matches. Evidence never changes a state; the pages show it and offer
-- suggestions.
CREATE TABLE ldn_evidence (
    sender            TEXT NOT NULL,
    vuln_id           TEXT NOT NULL,
    package           TEXT NOT NULL,
    branch            TEXT NOT NULL,
    origin            TEXT,
    product           TEXT NOT NULL,
    upstream          TEXT,
    distribution      TEXT NOT NULL,
    status            TEXT NOT NULL,
    fixed_version     TEXT,
    justification     TEXT,
    rationale         TEXT,
    changed           TEXT NOT NULL,
    changed_at        BIGINT NOT NULL,
    notification_seq  BIGINT NOT NULL,
    notification_id   TEXT NOT NULL,
    PRIMARY KEY (sender, vuln_id, package, branch)
);
CREATE INDEX ldn_evidence_vuln ON ldn_evidence (vuln_id);
CREATE INDEX ldn_evidence_origin ON ldn_evidence (origin);

-- A triage action taken on a peer's suggestion names the notification it came from.
ALTER TABLE triage_event ADD COLUMN evidence TEXT;
