//! `secfixes sync`: every configured source, each in its own transaction, then an
//! incremental state update.

use secfixes_fetch::{Client, NvdApi, SystemClock};
use secfixes_tracker::config::NVD_API_KEY_ENV;
use secfixes_tracker::sync::{self, Inputs, Reporter};

use crate::exit::Status;
use crate::progress::Terminal;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = args.store.open(Need::Config)?;
    config.check_paths()?;
    let reporter = Terminal::new();
    let mut inputs = Inputs::new(Client::new(SystemClock::shared()));
    let api = config.nvd_api.as_ref().map(|api| {
        let env = api.api_key_env.as_deref().unwrap_or(NVD_API_KEY_ENV);
        let key = std::env::var(env).ok().filter(|k| !k.is_empty());
        NvdApi::new(Client::new(SystemClock::shared()), &api.url, key)
    });
    let started = std::time::Instant::now();
    let summary = sync::sync(db.as_mut(), &config, &mut inputs, api, &reporter)?;
    reporter.line(&format!(
        "update: {}; sync took {:.1} s",
        summary.update,
        started.elapsed().as_secs_f64()
    ));
    Ok(Status::Success)
}
