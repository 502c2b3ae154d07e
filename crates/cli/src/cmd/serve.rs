//! `secfixes serve`: the web UI and JSON-LD API on the configured database.

use std::net::SocketAddr;
use std::sync::Arc;

use secfixes_tracker::federation::{self, Signal};
use secfixes_web::auth::AuthSettings;
use secfixes_web::inbox::{Peers, PublishedKey};
use secfixes_web::{App, Settings};

use crate::exit::Status;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    server: ServerArgs,
}

/// The options of every command that serves the web UI.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The public URL that JSON-LD ids start with (default: the configuration's
    /// `[distribution] url`, else the scheme and host of each request).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Database connections at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub connections: usize,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let config = args.store.config(Need::DatabaseOnly)?;
    let mut settings = Settings::new(args.store.database_url(&config)?);
    settings.site_name = config.distribution.name.clone();
    settings.public_url = args
        .server
        .public_url
        .clone()
        .or(config.distribution.url.clone());
    settings.connections = args.server.connections;
    if let Some(auth) = &config.auth {
        settings.auth = Some(AuthSettings::from_config(
            auth,
            settings.public_url.as_deref(),
        )?);
    }
    let mut sender = None;
    if let Some(federation) = &config.federation {
        settings.peers = Peers::from_config(federation)?;
        let signer = federation::key::load(federation)?;
        settings.federation_key = Some(PublishedKey {
            key_id: signer.key_id().to_owned(),
            public_key: signer.public_key().to_bytes(),
        });
        federation::outbox::tracker_url(&config)?;
        let signal = Arc::new(Signal::default());
        settings.sender = Some(Arc::clone(&signal));
        sender = Some((
            federation::delivery::Sender::new(federation, signer),
            signal,
        ));
    }
    let database = settings.database.clone();
    settings.tracker_config = Some(config.clone());
    let Some((sender, signal)) = sender else {
        return serve(&settings, args.server.listen);
    };
    // The sender delivers on its own thread and store connection while the server runs.
    let mut db = secfixes_tracker::db::open(&database)?;
    let worker = {
        let signal = Arc::clone(&signal);
        std::thread::spawn(move || federation::run(db.as_mut(), &config, &sender, &signal))
    };
    let served = serve(&settings, args.server.listen);
    signal.stop();
    let _ = worker.join();
    served
}

/// Serves `settings`' database on `listen` until Ctrl-C or SIGTERM.
pub fn serve(
    settings: &Settings,
    listen: SocketAddr,
) -> Result<Status, Box<dyn std::error::Error>> {
    let app = Arc::new(App::new(settings)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        eprintln!("secfixes: serving on http://{}/", listener.local_addr()?);
        secfixes_web::serve(listener, app).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    Ok(Status::Success)
}
