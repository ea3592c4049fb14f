//! Bodies of `/api/orders/amazon` kept while the orders version holds: a
//! page asked for again, by any client, is answered without being built.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

use crate::db::orders::{OrderListQuery, OrdersVersion};

/// At most this many bytes of bodies are kept (a page of 50 orders is
/// about 80 kB). When a body would not fit, the cache starts afresh: the
/// pages asked for again soon are kept again at once.
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Listing bodies of one orders version.
#[derive(Debug, Default)]
pub struct ListingCache {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    version: Option<OrdersVersion>,
    bodies: HashMap<OrderListQuery, Bytes>,
    bytes: usize,
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding the lock leaves whole entries only.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
