#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::installed;

// Any bytes as an installed database: nothing may panic, and a database that reads
// must write back to text that reads to the same records and writes the same again.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut warnings = Vec::new();
    if let Ok(db) = installed::parse_with_warnings(text, &mut warnings) {
        let written = db.write();
        let again = installed::parse(&written).expect("written database must parse");
        assert_eq!(again.packages.len(), db.packages.len());
        for (a, b) in again.packages.iter().zip(&db.packages) {
            assert_eq!(a.dirs, b.dirs);
            assert_eq!(a.replaces, b.replaces);
            assert_eq!(a.package.depends, b.package.depends);
            assert_eq!(a.package.unknown, b.package.unknown);
        }
        assert_eq!(again.write(), written);
        for package in &db.packages {
            let _ = serde_json::to_string(package);
            let _ = package.file_paths().count();
        }
    }
});
