//! Bodies of `/api/orders/amazon` kept while the orders version holds: a
//! page asked for again, by any client, is answered without being built.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::OnceCell;

use crate::db::orders::{self, MARK_EVERY, OrderListQuery, OrdersVersion, PageMarks};
use crate::db::{Db, DbError};

use super::shared_read::SharedReads;

/// At most this many bytes of bodies are kept (a page of 50 orders is
/// about 80 kB). When a body would not fit, the cache starts afresh: the
/// pages asked for again soon are kept again at once.
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// At most this many listings (filters) have their page marks kept.
const MAX_MARKED: usize = 64;

/// The page marks of one listing, read once however many requests ask
/// at the same moment.
type MarksCell = Arc<OnceCell<Option<Arc<PageMarks>>>>;

/// Listing bodies and page marks of one orders version.
#[derive(Debug, Default)]
pub struct ListingCache {
    kept: Mutex<Kept>,
    /// Reads of the orders version, shared by requests asking at once.
    reads: Arc<SharedReads<OrdersVersion>>,
}

#[derive(Debug, Default)]
struct Kept {
    version: Option<OrdersVersion>,
    bodies: HashMap<OrderListQuery, Bytes>,
    bytes: usize,
    /// By filters (page and size zero).
    marks: HashMap<OrderListQuery, MarksCell>,
}

impl Kept {
    /// Forgets every body when the version moved on.
    fn at(&mut self, version: OrdersVersion) -> &mut Self {
        if self.version != Some(version) {
            *self = Kept {
                version: Some(version),
                ..Kept::default()
            };
        }
        self
    }
}

impl ListingCache {
    /// The orders version now, read after this call began: a listing read
    /// after it returns is at least as new as the version.
    pub async fn version(&self, db: &Db) -> Result<OrdersVersion, DbError> {
        let shared = db.clone();
        let read = async move { orders::orders_version(&shared).await.ok() };
        match self.reads.after_now(read).await {
            Some(version) => Ok(version),
            // A failed read is read again by each request that shared it,
            // so each answers with its own error.
            None => orders::orders_version(db).await,
        }
    }

    /// The body kept for `query` at `version`.
    pub fn get(&self, version: OrdersVersion, query: &OrderListQuery) -> Option<Bytes> {
        let mut kept = self.lock();
        kept.at(version).bodies.get(query).cloned()
    }

    /// Keeps `body` for `query` at `version`: it must have been built from
    /// a read that began after `version` was read.
    pub fn put(&self, version: OrdersVersion, query: OrderListQuery, body: Bytes) {
        let mut kept = self.lock();
        let kept = kept.at(version);
        if body.len() > MAX_BYTES {
            return;
        }
        if kept.bytes + body.len() > MAX_BYTES {
            kept.bodies.clear();
            kept.bytes = 0;
        }
        kept.bytes += body.len();
        if let Some(old) = kept.bodies.insert(query, body) {
            kept.bytes -= old.len();
        }
    }

    /// The page marks of `query`'s listing at `version` when its page lies
    /// deep enough to use them: kept, or read now.
    pub async fn marks(
        &self,
        db: &Db,
        version: OrdersVersion,
        query: &OrderListQuery,
    ) -> Result<Option<Arc<PageMarks>>, DbError> {
        if query.offset < MARK_EVERY {
            return Ok(None);
        }
        let filters = OrderListQuery {
            offset: 0,
            limit: 0,
            ..query.clone()
        };
        let cell = {
            let mut kept = self.lock();
            let kept = kept.at(version);
            if kept.marks.len() >= MAX_MARKED && !kept.marks.contains_key(&filters) {
                kept.marks.clear();
            }
            kept.marks.entry(filters.clone()).or_default().clone()
        };
        let marks = cell
            .get_or_try_init(|| async {
                Ok::<_, DbError>(orders::page_marks(db, &filters).await?.map(Arc::new))
            })
            .await?;
        Ok(marks.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding the lock leaves whole entries only.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
