//! The storage interface, run against SQLite and PostgreSQL (see `support/mod.rs`).
#![allow(clippy::unwrap_used)]

mod support;

use secfixes_tracker::ErrorKind;
use secfixes_tracker::db::{self, Backend, Db, Value};

/// A scratch table with one column of each type the schema uses.
fn scratch_table(db: &mut dyn Db) {
    db.execute_script(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT);",
    )
    .unwrap();
}

/// One row of the scratch table.
type ScratchRow = (i64, Option<i64>, Option<f64>, Option<String>);

/// Every row of the scratch table, in id order.
fn rows(db: &mut dyn Db) -> Vec<ScratchRow> {
    let mut out = Vec::new();
    db.query("SELECT id, i, r, s FROM t ORDER BY id", &[], &mut |row| {
        out.push((row.req_int(0)?, row.int(1)?, row.real(2)?, row.text(3)?));
        Ok(())
    })
    .unwrap();
    out
}

/// Text that `COPY`'s text format and SQL quoting both treat specially.
const AWKWARD: &[&str] = &[
    "",
    "tab\there",
    "new\nline",
    "carriage\rreturn\r\n",
    "back\\slash\\",
    "\\N",
    "\\.",
    "'quoted' \"double\"",
    "ünïcødé — 漢字 🦀",
    " leading and trailing ",
];

support::backend_tests! {
    /// The schema is there after opening, recorded once.
    fn open_migrates(db: &mut dyn Db) {
        assert_eq!(db::count(db, "schema_version").unwrap(), 7, "one row per migration");
        assert_eq!(db::count(db, "package").unwrap(), 0);
    }

    /// Each value type binds in its own position, and NULL binds in any of them.
    fn parameters_of_each_type(db: &mut dyn Db) {
        scratch_table(db);
        let sql = "INSERT INTO t (id, i, r, s) VALUES ($1, $2, $3, $4)";
        db.execute(sql, &[1.into(), Value::Int(i64::MAX), Value::Real(-0.25), "x".into()])
            .unwrap();
        db.execute(sql, &[2.into(), Value::Int(i64::MIN), Value::Real(1e300), Value::Null])
            .unwrap();
        db.execute(sql, &[3.into(), Value::Null, Value::Null, "ünï".into()]).unwrap();
        db.execute(sql, &[4.into(), Value::Null, Value::Null, Value::Null]).unwrap();
        assert_eq!(
            rows(db),
            vec![
                (1, Some(i64::MAX), Some(-0.25), Some("x".into())),
                (2, Some(i64::MIN), Some(1e300), None),
                (3, None, None, Some("ünï".into())),
                (4, None, None, None),
            ]
        );
        // NULL as a filter value and in comparisons; an integer for a float column.
        assert_eq!(
            db.execute("UPDATE t SET r = $1 WHERE s IS NULL AND i IS NULL", &[Value::Int(2)])
                .unwrap(),
            1
        );
        assert_eq!(rows(db)[3].2, Some(2.0));
        let n = db::query_int(db, "SELECT COUNT(*) FROM t WHERE i = $1", &[Value::Null]).unwrap();
        assert_eq!(n, Some(0), "NULL compares unknown, as SQL says");
        let n = db::query_int(
            db,
            "SELECT COUNT(*) FROM t WHERE (s = $1 OR $1 IS NULL)",
            &[Value::Null],
        )
        .unwrap();
        assert_eq!(n, Some(4));
        let n = db::query_int(db, "SELECT COUNT(*) FROM t WHERE (s = $1 OR $1 IS NULL)", &["x".into()])
            .unwrap();
        assert_eq!(n, Some(1));
        // The same statement again comes from the statement cache.
        db.execute(sql, &[5.into(), 5.into(), 5.5.into(), "y".into()]).unwrap();
        assert_eq!(db::count(db, "t").unwrap(), 5);
    }

    /// `SUM` over a BIGINT column (NUMERIC in PostgreSQL) and a text column read as text.
    fn aggregates_read_as_numbers(db: &mut dyn Db) {
        scratch_table(db);
        for id in 1..=4 {
            db.execute("INSERT INTO t (id, i) VALUES ($1, $2)", &[id.into(), (id * 1_000_000_000_000).into()])
                .unwrap();
        }
        assert_eq!(
            db::query_int(db, "SELECT SUM(i) FROM t", &[]).unwrap(),
            Some(10_000_000_000_000)
        );
        assert_eq!(db::query_int(db, "SELECT MAX(i) FROM t WHERE id > $1", &[9.into()]).unwrap(), None);
        let mut seen = None;
        db.query("SELECT SUM(i), COUNT(*) FROM t", &[], &mut |row| {
            seen = Some((row.real(0)?, row.text(1)?));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, Some((Some(1e13), Some("4".to_owned()))));
    }

    /// Rows arrive in the query's order; an error from the callback stops the query and
    /// comes back unchanged, and the connection goes on working.
    fn query_callback_order(db: &mut dyn Db) {
        scratch_table(db);
        for id in [5_i64, 3, 9, 1, 7] {
            db.execute("INSERT INTO t (id, s) VALUES ($1, $2)", &[id.into(), format!("n{id}").into()])
                .unwrap();
        }
        let mut seen = Vec::new();
        db.query("SELECT id, s FROM t ORDER BY id DESC", &[], &mut |row| {
            seen.push((row.req_int(0)?, row.req_text(1)?));
            Ok(())
        })
        .unwrap();
        let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [9, 7, 5, 3, 1]);
        assert_eq!(seen[0].1, "n9");

        let mut calls = 0;
        let err = db
            .query("SELECT id FROM t ORDER BY id", &[], &mut |_| {
                calls += 1;
                if calls == 2 {
                    Err(secfixes_tracker::Error::new(ErrorKind::Syntax, "stop here"))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert_eq!((calls, err.kind(), err.message()), (2, ErrorKind::Syntax, "stop here"));
        assert_eq!(db::count(db, "t").unwrap(), 5);
    }

    /// Reading a column as the wrong type, or a column that is not there, is an error.
    fn row_type_errors(db: &mut dyn Db) {
        scratch_table(db);
        db.execute("INSERT INTO t (id, r, s) VALUES (1, 1.5, 'x')", &[]).unwrap();
        db.query("SELECT r, s FROM t", &[], &mut |row| {
            assert_eq!(row.int(0).unwrap_err().kind(), ErrorKind::Database);
            assert_eq!(row.int(1).unwrap_err().kind(), ErrorKind::Database);
            assert_eq!(row.real(1).unwrap_err().kind(), ErrorKind::Database);
            assert_eq!(row.text(2).unwrap_err().kind(), ErrorKind::Database);
            assert_eq!(row.req_text(1)?, "x");
            Ok(())
        })
        .unwrap();
    }

    /// A failing statement is a database error naming the statement.
    fn statement_errors_name_the_statement(db: &mut dyn Db) {
        let err = db.execute("SELECT * FROM no_such_table WHERE x = $1", &[1.into()]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database);
        let text = err.to_string();
        assert!(text.contains("SELECT * FROM no_such_table"), "{text}");
        assert!(text.contains("no_such_table"), "{text}");
        let err = db.execute_script("CREATE TABLE meta (x TEXT);").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database);
        // PostgreSQL binds by the parameter's type, so text for a BIGINT is refused
        // (SQLite would compare it and find nothing): bind values of the column's type.
        if db.backend() == Backend::Postgres {
            let err = db
                .execute("DELETE FROM import_run WHERE started = $1", &["x".into()])
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Database);
            assert!(err.to_string().contains("parameter $1"), "{err}");
        }
        // Still usable.
        db::set_meta(db, "after", "error").unwrap();
    }

    /// `transaction` commits on `Ok` and rolls back on `Err`, keeping what was there.
    fn transaction_commits_and_rolls_back(db: &mut dyn Db) {
        db::set_meta(db, "before", "1").unwrap();
        let out = db::transaction(db, |db| {
            db::set_meta(db, "committed", "yes")?;
            Ok(42)
        })
        .unwrap();
        assert_eq!(out, 42);
        assert_eq!(db::get_meta(db, "committed").unwrap().as_deref(), Some("yes"));

        let err = db::transaction(db, |db| {
            db::set_meta(db, "before", "changed")?;
            db::set_meta(db, "lost", "x")?;
            db.execute("DELETE FROM meta WHERE key = $1", &["committed".into()])?;
            Err::<(), _>(secfixes_tracker::Error::new(ErrorKind::Io, "interrupted"))
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(db::get_meta(db, "before").unwrap().as_deref(), Some("1"));
        assert_eq!(db::get_meta(db, "lost").unwrap(), None);
        assert_eq!(db::get_meta(db, "committed").unwrap().as_deref(), Some("yes"));

        // A statement that fails inside the transaction rolls it all back too, and the
        // connection works afterwards (PostgreSQL refuses everything in a failed
        // transaction until it ends).
        let err = db::transaction(db, |db| {
            db::set_meta(db, "lost", "again")?;
            db.execute("INSERT INTO meta (key, value) VALUES ($1, NULL)", &["bad".into()])?;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database);
        assert_eq!(db::get_meta(db, "lost").unwrap(), None);
        assert_eq!(db::count(db, "meta").unwrap(), 2);
    }

    /// Bulk inserts keep every value exactly, awkward text included, and an empty
    /// string stays distinct from NULL.
    fn insert_rows_round_trip(db: &mut dyn Db) {
        scratch_table(db);
        let mut expected = Vec::new();
        for (n, s) in AWKWARD.iter().enumerate() {
            let id = i64::try_from(n).unwrap();
            expected.push((id, Some(-id * 1_000_000_007), Some(id as f64 / 3.0), Some((*s).to_owned())));
        }
        expected.push((100, None, None, None));
        expected.push((101, Some(i64::MAX), Some(f64::MIN_POSITIVE), Some(String::new())));
        expected.push((102, Some(i64::MIN), Some(-1e-300), Some("\\N".into())));
        let mut input = expected.clone().into_iter().map(|(id, i, r, s)| {
            vec![id.into(), Value::from(i), Value::from(r), Value::from(s)]
        });
        let n = db.insert_rows("t", &["id", "i", "r", "s"], &mut input).unwrap();
        assert_eq!(n, u64::try_from(expected.len()).unwrap());
        assert_eq!(rows(db), expected);
        let empty = db::query_int(db, "SELECT COUNT(*) FROM t WHERE s = $1", &["".into()]).unwrap();
        assert_eq!(empty, Some(2));
        let null = db::query_int(db, "SELECT COUNT(*) FROM t WHERE s IS NULL", &[]).unwrap();
        assert_eq!(null, Some(1));
    }

    /// Many rows in one bulk insert (several `COPY` chunks), in a transaction.
    fn insert_rows_in_bulk(db: &mut dyn Db) {
        scratch_table(db);
        let text = "x".repeat(100);
        let n = db::transaction(db, |db| {
            db.insert_rows(
                "t",
                &["id", "s"],
                &mut (0..20_000_i64).map(|id| vec![id.into(), format!("{id}\t{text}").into()]),
            )
        })
        .unwrap();
        assert_eq!(n, 20_000);
        assert_eq!(db::count(db, "t").unwrap(), 20_000);
        let mut last = None;
        db.query("SELECT s FROM t WHERE id = $1", &[19_999.into()], &mut |row| {
            last = row.text(0)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(last, Some(format!("19999\t{text}")));
    }

    /// A failed bulk insert in a transaction leaves nothing behind.
    fn insert_rows_failure_rolls_back(db: &mut dyn Db) {
        scratch_table(db);
        db.execute("INSERT INTO t (id) VALUES (5)", &[]).unwrap();
        let err = db::transaction(db, |db| {
            db.insert_rows("t", &["id"], &mut (0..10_i64).map(|id| vec![id.into()]))
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database, "{err}");
        assert_eq!(db::count(db, "t").unwrap(), 1);
        let err = db.insert_rows("no_such_table", &["id"], &mut std::iter::once(vec![1.into()])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database);
        assert!(err.to_string().contains("no_such_table"), "{err}");
        assert_eq!(db::count(db, "t").unwrap(), 1);
        // Every row must have one value per column.
        let err = db
            .insert_rows("t", &["id", "s"], &mut [vec![7.into(), "x".into()], vec![8.into()]].into_iter())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database, "{err}");
        db.execute("DELETE FROM t WHERE id <> 5", &[]).unwrap();
        // A bulk insert after a failed statement in the same transaction (which
        // PostgreSQL refuses) leaves the connection usable.
        let err = db::transaction(db, |db| {
            let _ = db.execute("INSERT INTO t (id) VALUES (5)", &[]);
            db.insert_rows("t", &["id"], &mut std::iter::once(vec![6.into()]))?;
            db.execute("INSERT INTO t (id) VALUES (5)", &[])
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database, "{err}");
        assert_eq!(db::count(db, "t").unwrap(), 1);
    }

    /// `INSERT … ON CONFLICT … DO UPDATE SET x = excluded.x` and `DO NOTHING`.
    fn upsert(db: &mut dyn Db) {
        db::set_meta(db, "k", "one").unwrap();
        db::set_meta(db, "k", "two").unwrap();
        assert_eq!(db::get_meta(db, "k").unwrap().as_deref(), Some("two"));
        assert_eq!(db::count(db, "meta").unwrap(), 1);

        let sql = "INSERT INTO repo (tag, branch, repo) VALUES ($1, $2, $3) \
                   ON CONFLICT (tag) DO UPDATE SET branch = excluded.branch, repo = excluded.repo";
        db.execute(sql, &["3.16-main".into(), "3.16".into(), "main".into()]).unwrap();
        db.execute(sql, &["3.16-main".into(), "v3.16".into(), "main".into()]).unwrap();
        let n = db
            .execute(
                "INSERT INTO repo (tag, branch, repo) VALUES ($1, $2, $3) ON CONFLICT (tag) DO NOTHING",
                &["3.16-main".into(), "ignored".into(), "ignored".into()],
            )
            .unwrap();
        assert_eq!(n, 0);
        let mut got = Vec::new();
        db.query("SELECT tag, branch, repo FROM repo", &[], &mut |row| {
            got.push((row.req_text(0)?, row.req_text(1)?, row.req_text(2)?));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, [("3.16-main".to_owned(), "v3.16".to_owned(), "main".to_owned())]);
    }

    /// Generated keys (`product_key.id`, `state_event.seq`) count up on both backends.
    fn generated_keys(db: &mut dyn Db) {
        for product in ["a", "b"] {
            db.execute(
                "INSERT INTO product_key (vendor, product, target_sw, package_name, collection_url) \
                 VALUES ($1, $2, '', '', '')",
                &["v".into(), product.into()],
            )
            .unwrap();
        }
        let mut ids = Vec::new();
        db.query("SELECT id FROM product_key ORDER BY product", &[], &mut |row| {
            ids.push(row.req_int(0)?);
            Ok(())
        })
        .unwrap();
        assert_eq!(ids.len(), 2);
        assert!(ids[0] < ids[1], "{ids:?}");
    }

    /// Reopening keeps the data and runs no migration twice.
    fn reopen_runs_no_migration_twice(url: &str) {
        {
            let mut db = db::open(url).unwrap();
            db::set_meta(db.as_mut(), "kept", "yes").unwrap();
        }
        for _ in 0..2 {
            let mut db = db::open(url).unwrap();
            let db = db.as_mut();
            assert_eq!(db::count(db, "schema_version").unwrap(), 7);
            assert_eq!(db::get_meta(db, "kept").unwrap().as_deref(), Some("yes"));
        }
    }

    /// A snapshot sees the store as it was at its first read, whatever another
    /// connection commits meanwhile (what keeps `export all`'s formats in agreement), and
    /// ends without holding anything.
    fn snapshot_reads_one_view(url: &str) {
        let mut reader = db::open(url).unwrap();
        let mut writer = db::open(url).unwrap();
        db::set_meta(writer.as_mut(), "probe", "before").unwrap();
        let seen = db::snapshot(reader.as_mut(), |db| {
            let first = db::get_meta(db, "probe")?;
            db::set_meta(writer.as_mut(), "probe", "after")?;
            let second = db::get_meta(db, "probe")?;
            Ok((first, second))
        })
        .unwrap();
        let before = Some("before".to_owned());
        assert_eq!(seen, (before.clone(), before));
        // After it, the reader sees the write, and the writer can write again.
        assert_eq!(
            db::get_meta(reader.as_mut(), "probe").unwrap().as_deref(),
            Some("after")
        );
        db::set_meta(writer.as_mut(), "probe", "later").unwrap();
        // An error inside ends the snapshot too, and is the one returned.
        let err = db::snapshot(reader.as_mut(), |db| {
            db::get_meta(db, "probe")?;
            Err::<(), _>(secfixes_tracker::Error::new(ErrorKind::Config, "stop"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("stop"), "{err}");
        assert_eq!(
            db::get_meta(reader.as_mut(), "probe").unwrap().as_deref(),
            Some("later")
        );
    }

    /// A schema newer than this code is refused with a clear message, not used.
    fn newer_schema_is_refused(url: &str) {
        {
            let mut db = db::open(url).unwrap();
            db.execute("INSERT INTO schema_version (version) VALUES ($1)", &[999.into()])
                .unwrap();
        }
        let err = db::open(url).map(|_| ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database);
        let text = err.to_string();
        assert!(text.contains("999") && text.contains("newer"), "{text}");
    }

    /// The backend says which one it is.
    fn backend_matches_url(url: &str) {
        let db = db::open(url).unwrap();
        let expected = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        assert_eq!(db.backend(), expected);
    }
}

#[test]
fn unknown_url_schemes_are_configuration_errors() {
    for url in ["mysql://localhost/db", "tracker.db", "", "sqlite"] {
        let err = db::open(url).map(|_| ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{url:?}: {err}");
    }
}

#[test]
fn malformed_postgres_urls_are_configuration_errors() {
    for url in [
        "postgres://user:hunter2@host:notaport/db",
        "postgresql://user:hunter2@127.0.0.1/db?sslmode=bogus",
    ] {
        let err = db::open(url).map(|_| ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{url:?}: {err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}

#[test]
fn unreachable_servers_are_database_errors_without_the_password() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let err = db::open("postgres://user:hunter2@127.0.0.1:1/tracker")
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Database, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("postgres://user@127.0.0.1:1/tracker"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn unwritable_sqlite_paths_are_database_errors() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite:{}",
        dir.path().join("missing/dir/tracker.db").display()
    );
    let err = db::open(&url).map(|_| ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Database, "{err}");
}

#[test]
fn test_database_names_replace_the_path() {
    assert_eq!(
        support::with_dbname("postgres://u@127.0.0.1:5/secfixes", "x"),
        "postgres://u@127.0.0.1:5/x"
    );
    assert_eq!(
        support::with_dbname("postgres://u@h", "x"),
        "postgres://u@h/x"
    );
    assert_eq!(
        support::with_dbname("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}
