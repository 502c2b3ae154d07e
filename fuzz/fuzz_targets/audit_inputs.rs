#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use secfixes_audit::ignore::{Date, IgnoreFile};
use secfixes_audit::repositories;

// The audit client's own inputs: any text as an /etc/apk/repositories file and as an
// ignore file (TOML and YAML). Never a panic; an error names the file (and the line, for
// the repositories); a date that parses prints back as itself.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut vars = BTreeMap::new();
    let mut config = repositories::Config::default();
    let file = Path::new("etc/apk/repositories");
    if let Err(e) = repositories::parse(text, file, "x86_64", &mut vars, &mut config) {
        assert!(e.to_string().contains("etc/apk/repositories"), "{e}");
    }
    for repo in &config.repositories {
        let _ = repo.index.display();
    }

    let dir = tempfile::tempdir().expect("a temporary directory");
    for name in ["ignore.toml", "ignore.yaml", "ignore"] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("write the ignore file");
        match IgnoreFile::read(&path) {
            Ok(ignore) => {
                let today = Date::from_unix(1_800_000_000);
                for entry in &ignore.entries {
                    let _ = entry.expired(today);
                }
                let _ = ignore.verdict("CVE-2024-1", "zlib", "zlib", today);
            }
            Err(e) => assert!(e.to_string().contains(name), "{e}"),
        }
    }

    if let Some(date) = Date::parse(text) {
        assert_eq!(Date::parse(&date.to_string()), Some(date));
    }
});
