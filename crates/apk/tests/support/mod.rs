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
    if std::env::var_os("CI").is_some() {
        panic!(
            "real-data fixtures not found at {} (set SECFIXES_FIXTURES); CI must run them",
            dir.display()
        );
    }
    // Written to the stderr handle rather than with eprintln!, which the test harness
    // captures and hides for passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: real-data fixtures not found at {} (set SECFIXES_FIXTURES) ***\n",
        dir.display()
    );
    None
}
