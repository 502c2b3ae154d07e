#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::apkbuild;

// Any bytes as an APKBUILD: never a panic, every diagnostic points at a line of the
// text, and the secfixes come out in the same shape as a secdb entry.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = apkbuild::parse(&text);
    let lines = text.lines().count();
    for d in &parsed.diagnostics {
        let line = d.line.expect("APKBUILD diagnostics have a line");
        assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        let _ = d.to_string();
    }
    let apk = &parsed.value;
    if let Some(line) = apk.secfixes_line {
        assert!(line >= 1 && line <= lines);
    }
    for var in [&apk.pkgname, &apk.pkgver, &apk.pkgrel].into_iter().flatten() {
        assert!(var.line >= 1 && var.line <= lines);
    }
    let _ = apk.version();
    if let Some(pkg) = apk.to_package() {
        assert_eq!(pkg.secfixes.len(), apk.secfixes.len());
    }
});
