//! Shared by the benches: where the real-data fixtures are (`SECFIXES_FIXTURES`, default
//! `../shared/fixtures` beside the workspace).

use std::path::PathBuf;

pub fn fixtures() -> PathBuf {
    std::env::var_os("SECFIXES_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/fixtures"
            ))
        })
}
