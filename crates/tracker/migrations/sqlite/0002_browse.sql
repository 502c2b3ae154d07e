-- What the web UI and API read: CVE descriptions for free-text search, and the indexes
-- that pages by package, fix and event need.

-- The English description of the record, in the clear (the document is deflated).
ALTER TABLE cve_record ADD COLUMN description TEXT;

CREATE INDEX state_origin ON state (origin);
CREATE INDEX fix_origin ON fix (origin);
CREATE INDEX rejection_origin ON rejection (origin);
CREATE INDEX state_event_repo ON state_event (repo_tag, seq);
CREATE INDEX state_event_origin ON state_event (origin, seq);
CREATE INDEX origin_version_maintainer ON origin_version (maintainer) WHERE published = 1;
