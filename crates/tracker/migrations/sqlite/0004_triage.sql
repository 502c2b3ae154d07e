-- Triage in the web UI: maintainers and the security team reject a CVE for a package
-- (with a reason code and a rationale) and withdraw rejections; logins through OpenID
-- Connect with server-side sessions.

-- Who made a rejection and when: set for `triage` rejections, NULL for imported ones
-- (the YAML and secdb say neither).
ALTER TABLE rejection ADD COLUMN actor TEXT;
ALTER TABLE rejection ADD COLUMN actor_role TEXT;
ALTER TABLE rejection ADD COLUMN created_at BIGINT;

-- Every triage action, append-only: the history of who rejected or withdrew what, when
-- and why. `repo_tags` is the space-separated list of repository tags it applied to.
CREATE TABLE triage_event (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    actor_name TEXT,
    actor_role TEXT NOT NULL,
    action     TEXT NOT NULL,
    vuln_id    TEXT NOT NULL,
    origin     TEXT NOT NULL,
    repo_tags  TEXT NOT NULL,
    reason     TEXT,
    rationale  TEXT
);
CREATE INDEX triage_event_vuln ON triage_event (vuln_id, seq);
CREATE INDEX triage_event_origin ON triage_event (origin, seq);

-- A login in progress: the OpenID Connect state (hashed), bound to the browser by a
-- cookie (hashed), with the nonce and the PKCE verifier; consumed by the callback.
CREATE TABLE login_attempt (
    state_hash   TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    return_to    TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);

-- A logged-in browser: the cookie's token is stored only as its SHA-256, so a copy of
-- the database does not log anyone in. `identity` is the user's claims as JSON.
CREATE TABLE web_session (
    token_hash TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    identity   TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_session_expiry ON web_session (expires_at);
