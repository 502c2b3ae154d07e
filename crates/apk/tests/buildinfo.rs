//! The real Arch Linux BUILDINFO files in ../shared/fixtures/arch-buildinfo (format 2,
//! format 1 and pacman 5.0's file without a format line) read cleanly and are written
//! back byte for byte.
#![allow(clippy::unwrap_used)]

mod support;

use secfixes_apk::buildinfo::BuildInfo;

#[test]
fn real_arch_files_round_trip_byte_for_byte() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = fixtures.join("arch-buildinfo");
    let mut formats = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "BUILDINFO"))
        .collect();
    names.sort();
    for path in &names {
        let bytes = std::fs::read(path).unwrap();
        let parsed = BuildInfo::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            parsed.is_clean(),
            "{}: {:?}",
            path.display(),
            parsed.diagnostics
        );
        assert_eq!(
            parsed.value.to_text().as_bytes(),
            bytes,
            "{}",
            path.display()
        );
        formats.push(parsed.value.format());
    }
    assert_eq!(formats, [2, 0, 1], "{names:?}");
    let v2 = BuildInfo::parse(&std::fs::read(&names[0]).unwrap())
        .unwrap()
        .value;
    assert_eq!(v2.get("buildtool"), Some("makepkg"));
    assert_eq!(
        v2.get("packager"),
        Some("Sébastien Luttringer <seblu@seblu.net>")
    );
    assert_eq!(
        v2.all("installed").len(),
        134 - 12 - v2.all("buildenv").len() - v2.all("options").len()
    );
}
