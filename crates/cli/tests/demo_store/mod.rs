//! A temporary directory with the tracker's bundled demo (`crates/tracker/demo`) synced
//! into `store.db`, for the command-line tests of the exports.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::outcome::expect;

/// The bundled demo's directory.
pub fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tracker/demo")
}

/// The store, and an empty `work/` that commands run in (no `secfixes.toml` there).
pub struct DemoStore {
    dir: tempfile::TempDir,
    /// Whether every command is also given the demo's configuration and data directory.
    configured: bool,
}

impl DemoStore {
    /// The synced demo; commands get only `--database`.
    pub fn new() -> DemoStore {
        Self::synced(false)
    }

    /// The synced demo; commands also get `--config demo.toml --data-dir demo`, whose
    /// configuration names the tracker's URL and the distribution.
    pub fn configured() -> DemoStore {
        Self::synced(true)
    }

    fn synced(configured: bool) -> DemoStore {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        let store = DemoStore {
            dir,
            configured: true,
        };
        expect(&store.run(&["sync"]), 0);
        DemoStore {
            configured,
            ..store
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `sqlite:<dir>/store.db`.
    pub fn database(&self) -> String {
        format!("sqlite:{}", self.path("store.db").display())
    }

    /// `secfixes ARGS… --database …`, run in `work/`.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_secfixes"));
        command.args(args);
        if self.configured {
            let demo = demo_dir();
            command
                .args(["--config", demo.join("demo.toml").to_str().unwrap()])
                .args(["--data-dir", demo.to_str().unwrap()]);
        }
        command
            .args(["--database", &self.database()])
            .current_dir(self.path("work"))
            .env_remove("SECFIXES_DATABASE")
            .output()
            .unwrap()
    }
}
