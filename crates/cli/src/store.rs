//! The options every command that touches the store takes, and opening it.
//!
//! The database is the first of `--database`, `SECFIXES_DATABASE`, the configuration's
//! `[database] url`, and `sqlite:secfixes.db`.

use std::path::PathBuf;

use secfixes_tracker::config::{self, Config};
use secfixes_tracker::db::{self, Db};
use secfixes_tracker::{Error, ErrorKind};

/// `--config`, `--data-dir` and `--database`.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// The configuration file.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "secfixes.toml",
        global = true
    )]
    pub config: PathBuf,
    /// The directory relative source paths in the configuration are read from (default:
    /// the configuration file's directory).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// The database: `sqlite:PATH` or `postgres://USER@HOST/DB`.
    #[arg(long, value_name = "URL", env = "SECFIXES_DATABASE", global = true)]
    pub database: Option<String>,
}

/// Whether a command can run without a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Imports: the configuration names the sources.
    Config,
    /// Reports: the database is enough; a missing default `secfixes.toml` is fine.
    DatabaseOnly,
}

impl StoreArgs {
    /// Loads the configuration (checked: file, line and reason on error).
    pub fn config(&self, need: Need) -> Result<Config, Error> {
        let default = self.config.as_os_str() == "secfixes.toml";
        if need == Need::DatabaseOnly && default && !self.config.exists() {
            return Ok(Config::empty());
        }
        if !self.config.exists() {
            return Err(Error::new(
                ErrorKind::Config,
                "no configuration file (give one with --config FILE; examples/ has some)",
            )
            .in_file(&self.config));
        }
        Config::load(&self.config, self.data_dir.as_deref())
    }

    /// The database URL to use with `config`.
    pub fn database_url(&self, config: &Config) -> Result<String, Error> {
        let url = self
            .database
            .clone()
            .or_else(|| config.database.clone())
            .unwrap_or_else(|| "sqlite:secfixes.db".to_owned());
        config::check_database_url(&url)
            .map_err(|reason| Error::new(ErrorKind::Config, reason).in_field("--database"))?;
        Ok(url)
    }

    /// Loads the configuration and opens (creating or migrating) the database.
    pub fn open(&self, need: Need) -> Result<(Config, Box<dyn Db>), Error> {
        let config = self.config(need)?;
        let db = db::open(&self.database_url(&config)?)?;
        Ok((config, db))
    }
}
