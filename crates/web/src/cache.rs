//! What is costly to read and asked for often: the overview counts and the states of a
//! whole branch (tens of thousands of rows, filtered, sorted and paged in memory for
//! every branch page). Kept until the store's generation changes; the generation is read
//! at most once per `ttl`, so a page is at most that much older than the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use secfixes_tracker::browse::overview::{self, TagSummary};
use secfixes_tracker::browse::states::{self, Filter, StateRow};
use secfixes_tracker::db;

use crate::error::WebError;
use crate::pool::Pool;

type Slot<T> = Arc<OnceCell<Arc<T>>>;

#[derive(Default)]
struct Entries {
    overview: Slot<Vec<TagSummary>>,
    branches: HashMap<String, Slot<Vec<StateRow>>>,
}

struct Inner {
    generation: Option<i64>,
    checked: Option<Instant>,
    entries: Entries,
}

/// The cache of one server.
pub struct Cache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Cache {
    pub fn new(ttl: Duration) -> Cache {
        Cache {
            ttl,
            inner: Mutex::new(Inner {
                generation: None,
                checked: None,
                entries: Entries::default(),
            }),
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, WebError> {
        self.inner
            .lock()
            .map_err(|_| WebError::internal("the page cache is poisoned"))
    }

    /// Forgets everything now: this server has just changed the store.
    pub fn invalidate(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.generation = None;
            inner.checked = None;
            inner.entries = Entries::default();
        }
    }

    /// Forgets everything once the store has changed (checked at most once per `ttl`).
    async fn refresh(&self, pool: &Arc<Pool>) -> Result<(), WebError> {
        let due = self
            .lock()?
            .checked
            .is_none_or(|at| at.elapsed() >= self.ttl);
        if !due {
            return Ok(());
        }
        let generation = pool.run(|db| db::generation(db)).await?;
        let mut inner = self.lock()?;
        inner.checked = Some(Instant::now());
        if inner.generation != Some(generation) {
            inner.generation = Some(generation);
            inner.entries = Entries::default();
        }
        Ok(())
    }

    /// Every repository tag with its counts.
    pub async fn overview(&self, pool: &Arc<Pool>) -> Result<Arc<Vec<TagSummary>>, WebError> {
        self.refresh(pool).await?;
        let slot = Arc::clone(&self.lock()?.entries.overview);
        let value = slot
            .get_or_try_init(|| async { pool.run(|db| overview::tags(db)).await.map(Arc::new) })
            .await?;
        Ok(Arc::clone(value))
    }

    /// The states of the published packages of `tag`, or `None` for an unknown tag.
    pub async fn branch(
        &self,
        pool: &Arc<Pool>,
        tag: &str,
    ) -> Result<Option<(TagSummary, Arc<Vec<StateRow>>)>, WebError> {
        let Some(summary) = self
            .overview(pool)
            .await?
            .iter()
            .find(|t| t.tag == tag)
            .cloned()
        else {
            return Ok(None);
        };
        let slot = Arc::clone(
            self.lock()?
                .entries
                .branches
                .entry(tag.to_owned())
                .or_default(),
        );
        let value = slot
            .get_or_try_init(|| async {
                let tag = tag.to_owned();
                pool.run(move |db| states::list(db, Filter::Branch(&tag), false))
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok(Some((summary, Arc::clone(value))))
    }
}
