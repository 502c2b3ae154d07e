//! `secfixes demo`: the bundled example distribution imported into an embedded SQLite
//! database and served, with no configuration and no network.

use secfixes_tracker::db;
use secfixes_web::Settings;

use super::serve::{self, ServerArgs};
use crate::exit::Status;
use crate::progress::Terminal;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// Keep the demo database in this SQLite file (default: a temporary one, removed when
    /// the server stops).
    #[arg(long, value_name = "PATH")]
    keep: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = args
        .keep
        .clone()
        .unwrap_or_else(|| dir.path().join("demo.db"));
    let url = format!("sqlite:{}", path.display());
    let mut store = db::open(&url)?;
    let summary = secfixes_tracker::demo::load(store.as_mut(), &Terminal::new())?;
    drop(store);
    eprintln!("secfixes: demo loaded into {}: {summary}", path.display());
    let mut settings = Settings::new(url);
    settings.site_name = secfixes_tracker::demo::NAME.to_owned();
    settings.public_url = args.server.public_url.clone();
    settings.connections = args.server.connections;
    settings.tracker_config = Some(secfixes_tracker::demo::embedded_config()?);
    serve::serve(&settings, args.server.listen)
}
