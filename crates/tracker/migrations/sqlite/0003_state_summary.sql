-- The index page counts states by repository tag and state over every published
-- version. A state row carries its deflated explanation, so a scan of the table reads
-- all of it (about 1 GB at full scale); with the version and the state in the index the
-- counts come from the index alone (a quarter of the time). The index still serves every
-- lookup by (repo_tag, origin) that the old one did.
DROP INDEX state_package;
CREATE INDEX state_package ON state (repo_tag, origin, version, state);
