-- `secfixes export secdb` gives an imported secdb back as it was. The `fix` rows say
-- which fixes a repository has; the document each source of fixes was imported from says
-- how they were written: the secdb header (apkurl, archs, reponame, urlprefix,
-- distroversion and any other key, in their order), the order of the packages, of their
-- versions and of the ids under each, every id as written (with its note and spacing),
-- repeated ids and empty lists. One row per (repository tag, source): `secdb` holds the
-- secdb document, `aports` the APKBUILDs' `# secfixes:` blocks as the packages of a
-- secdb document without a header. `doc` is the document as secdb JSON, deflated;
-- `digest` (of the JSON) lets an import skip an unchanged document.
CREATE TABLE fix_document (
    repo_tag TEXT NOT NULL,
    source   TEXT NOT NULL,
    digest   TEXT NOT NULL,
    doc      BYTEA NOT NULL,
    PRIMARY KEY (repo_tag, source)
);
