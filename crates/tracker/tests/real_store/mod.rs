//! The real v3.16 data of the fixtures (`examples/fixtures-3.16.toml`: real indexes,
//! secdb and NVD records) synced into a new SQLite store, for the export tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use secfixes_tracker::config::Config;
use secfixes_tracker::db::{self, Db};
use secfixes_tracker::sync;

/// The store (in `dir`) and the configuration it was synced with.
pub fn synced(fixtures: &Path, dir: &Path) -> (Box<dyn Db>, Config) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fixtures-3.16.toml");
    let config = Config::load(&example, Some(fixtures)).unwrap();
    let mut db = db::open(&format!("sqlite:{}", dir.join("real.db").display())).unwrap();
    let mut inputs = sync::Inputs::new(secfixes_fetch::Client::new(
        secfixes_fetch::SystemClock::shared(),
    ));
    sync::sync(db.as_mut(), &config, &mut inputs, None, &sync::Quiet).unwrap();
    (db, config)
}
