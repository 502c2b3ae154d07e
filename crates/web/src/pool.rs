//! Database connections for the blocking thread pool: the store's [`Db`] is synchronous,
//! so every read runs on tokio's blocking threads with a connection of its own, and at
//! most `size` run at once.

use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use secfixes_tracker::db::{self, Db};

use crate::error::WebError;

/// Up to `size` open connections to one database, reused between requests.
pub struct Pool {
    url: String,
    idle: Mutex<Vec<Box<dyn Db>>>,
    permits: Semaphore,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// Opens the first connection (which brings the schema up to date, and fails early
    /// on a bad URL) and allows `size` at once.
    pub fn open(url: &str, size: usize) -> secfixes_tracker::Result<Pool> {
        let first = db::open(url)?;
        Ok(Pool {
            url: url.to_owned(),
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(size.max(1)),
        })
    }

    /// Runs `work` with a connection on a blocking thread.
    pub async fn run<T, F>(self: &Arc<Self>, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Db) -> secfixes_tracker::Result<T> + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| WebError::internal("the database pool is closed"))?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let idle = pool.idle.lock().ok().and_then(|mut idle| idle.pop());
            let mut conn = match idle {
                Some(conn) => conn,
                None => db::open(&pool.url)?,
            };
            let out = work(conn.as_mut());
            if let Ok(mut idle) = pool.idle.lock() {
                idle.push(conn);
            }
            out
        })
        .await
        .map_err(|e| WebError::internal(format!("a database task failed: {e}")))?
        .map_err(WebError::from)
    }
}
