//! Shared helpers for the integration tests.
//!
//! The real-data suites read `../shared/fixtures` beside the workspace, or the directory
//! named by `SECFIXES_FIXTURES`. When it is missing they fail under CI (`CI` set) and
//! say loudly that they were skipped elsewhere, so a green run never hides a skip in CI.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;

/// The fixtures directory, or `None` (after a loud message) when it is not there
/// outside CI. Use as `let Some(dir) = support::fixtures() else { return };`.
/// Panics under CI when it is missing.
pub fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("SECFIXES_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/fixtures"
            ))
        });
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    skip_outside_ci(&format!(
        "real-data fixtures not found at {} (set SECFIXES_FIXTURES)",
        dir.display()
    ))
}

/// A gen-corpus output directory named by `SECFIXES_CORPUS` (`.ci/run` makes a small one),
/// with the same rule as [`fixtures`] when it is missing.
pub fn corpus() -> Option<PathBuf> {
    match std::env::var_os("SECFIXES_CORPUS").map(PathBuf::from) {
        Some(dir) if dir.join("MANIFEST.json").is_file() => Some(dir),
        _ => skip_outside_ci("no gen-corpus output (set SECFIXES_CORPUS to one)"),
    }
}

/// `crates/apk/tests/data`: the test keys and small files of the apk tests.
pub fn apk_test_data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../apk/tests/data"))
}

/// The RSA key the tests sign indexes with.
pub fn test_key() -> secfixes_apk::apkindex::SigningKey {
    secfixes_apk::apkindex::SigningKey::from_pem_file(&apk_test_data().join("test-signing.rsa"))
        .unwrap()
}

/// The public keys that trust [`test_key`].
pub fn test_keys() -> secfixes_apk::apkindex::Keys {
    secfixes_apk::apkindex::Keys::from_dir(&apk_test_data().join("keys")).unwrap()
}

/// Whether a program can be started, with the same rule as [`fixtures`] when it cannot.
pub fn have_command(program: &str) -> bool {
    if std::process::Command::new(program)
        .arg("version")
        .output()
        .is_ok()
    {
        return true;
    }
    skip_outside_ci(&format!("the `{program}` command is not installed")).is_some()
}

/// Checks the first signature of a signed index with `openssl dgst -sha1 -verify`, the
/// primitive apk-tools 2 uses, over exactly the bytes after the signature member: `Err`
/// with openssl's output when it does not print `Verified OK`.
pub fn openssl_verifies(index: &[u8], public_key: &std::path::Path) -> Result<(), String> {
    use secfixes_apk::apkindex::archive::{self, TarReader};
    let members = archive::gzip_members(index).unwrap();
    let signature = TarReader::new(&members[0].data)
        .next_entry()
        .unwrap()
        .unwrap()
        .data
        .to_vec();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sig"), &signature).unwrap();
    std::fs::write(dir.path().join("data"), &index[members[1].offset..]).unwrap();
    let output = std::process::Command::new("openssl")
        .args(["dgst", "-sha1", "-verify"])
        .arg(public_key)
        .arg("-signature")
        .arg(dir.path().join("sig"))
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.success() && stdout.contains("Verified OK") {
        Ok(())
    } else {
        Err(format!(
            "{stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Fails under CI (`CI` set), where nothing may be skipped; elsewhere says loudly that the
/// test is skipped. Always `None`.
fn skip_outside_ci(why: &str) -> Option<PathBuf> {
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI must run this test");
    }
    // Written to the stderr handle rather than with eprintln!, which the test harness
    // captures and hides for passing tests.
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
    None
}
