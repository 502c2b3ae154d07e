-- The tracker's schema, SQLite flavour. Times are Unix seconds; flags are 0/1.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A repository tag such as `3.16-main`: one repo of one branch.
CREATE TABLE repo (
    tag    TEXT PRIMARY KEY,
    branch TEXT NOT NULL,
    repo   TEXT NOT NULL
);

-- Every binary package version ever seen in an index, with when it was first seen and
-- when it left (NULL while the index still lists it).
CREATE TABLE package (
    repo_tag   TEXT NOT NULL,
    arch       TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    origin     TEXT NOT NULL,
    maintainer TEXT,
    build_time BIGINT,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT,
    PRIMARY KEY (repo_tag, arch, name, version)
);
CREATE INDEX package_origin ON package (repo_tag, origin);
-- The binary packages listed now whose name is not their origin's: what the mapping's
-- binary-name rule reads on every update (a tenth of the table's width to scan).
CREATE INDEX package_binary ON package (name, origin) WHERE last_seen IS NULL AND name <> origin;

-- Origin (source package) versions per repo tag, derived from `package`: the unit that
-- states are computed for. `published` is 1 while some arch's index lists it.
CREATE TABLE origin_version (
    repo_tag   TEXT NOT NULL,
    origin     TEXT NOT NULL,
    version    TEXT NOT NULL,
    maintainer TEXT,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT,
    published  INTEGER NOT NULL,
    PRIMARY KEY (repo_tag, origin, version)
);
CREATE INDEX origin_version_origin ON origin_version (origin);

-- Fixes recorded by the distribution: secdb `secfixes` or APKBUILD `# secfixes:`.
-- Version `0` says the package was never affected.
CREATE TABLE fix (
    repo_tag TEXT NOT NULL,
    origin   TEXT NOT NULL,
    vuln_id  TEXT NOT NULL,
    version  TEXT NOT NULL,
    source   TEXT NOT NULL,
    note     TEXT,
    PRIMARY KEY (repo_tag, origin, vuln_id, version, source)
);
CREATE INDEX fix_vuln ON fix (vuln_id);

-- Rejections: "this CVE does not apply to this package", with their source.
CREATE TABLE rejection (
    repo_tag  TEXT NOT NULL,
    origin    TEXT NOT NULL,
    vuln_id   TEXT NOT NULL,
    source    TEXT NOT NULL,
    reason    TEXT,
    rationale TEXT,
    PRIMARY KEY (repo_tag, origin, vuln_id, source)
);
CREATE INDEX rejection_vuln ON rejection (vuln_id);

-- What one source (nvd, cve5) says about one CVE: the normalised record as JSON,
-- deflated (a fifth of the size; the corpus's records are 600 MB as text).
CREATE TABLE cve_record (
    cve_id   TEXT NOT NULL,
    source   TEXT NOT NULL,
    modified TEXT,
    digest   TEXT NOT NULL,
    doc      BLOB NOT NULL,
    PRIMARY KEY (cve_id, source)
);

-- The distinct upstream product identities named by affected-product rules; mapping
-- runs over these, not over every rule.
CREATE TABLE product_key (
    id             INTEGER PRIMARY KEY,
    vendor         TEXT NOT NULL,
    product        TEXT NOT NULL,
    target_sw      TEXT NOT NULL,
    package_name   TEXT NOT NULL,
    collection_url TEXT NOT NULL,
    UNIQUE (vendor, product, target_sw, package_name, collection_url)
);

CREATE TABLE cve_product (
    cve_id TEXT NOT NULL,
    source TEXT NOT NULL,
    key_id BIGINT NOT NULL,
    PRIMARY KEY (cve_id, source, key_id)
);
CREATE INDEX cve_product_key ON cve_product (key_id);

-- The verdict per (vulnerability, repo tag, origin, published version).
CREATE TABLE state (
    vuln_id       TEXT NOT NULL,
    repo_tag      TEXT NOT NULL,
    origin        TEXT NOT NULL,
    version       TEXT NOT NULL,
    state         TEXT NOT NULL,
    fixed_version TEXT,
    fix_source    TEXT,
    severity      TEXT,
    score         REAL,
    -- The explanation as deflated JSON; `digest` covers it and the columns above, so
    -- an update compares digests instead of reading every explanation back.
    explanation   BLOB NOT NULL,
    digest        TEXT NOT NULL,
    changed_at    BIGINT NOT NULL,
    PRIMARY KEY (vuln_id, repo_tag, origin, version)
);
CREATE INDEX state_package ON state (repo_tag, origin);

-- Every change of a verdict, for "recent changes" and feeds.
CREATE TABLE state_event (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        BIGINT NOT NULL,
    vuln_id   TEXT NOT NULL,
    repo_tag  TEXT NOT NULL,
    origin    TEXT NOT NULL,
    version   TEXT NOT NULL,
    old_state TEXT,
    new_state TEXT
);

-- What changed since the last state update: `cve` (a CVE id) or `package`
-- (`repo_tag` + `origin`). An update consumes them.
CREATE TABLE dirty (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    sub  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, key, sub)
);

-- One row per import run, for the importer health page.
CREATE TABLE import_run (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    source   TEXT NOT NULL,
    started  BIGINT NOT NULL,
    finished BIGINT,
    ok       INTEGER,
    records  BIGINT,
    message  TEXT
);
