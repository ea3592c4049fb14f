//! Slowing down repeated failed sign-ins, per account and per address.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waits begin.
const FREE_FAILURES: u32 = 5;
/// Longest wait imposed.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

/// In-memory failure counts. After [`FREE_FAILURES`] failures a key must
/// wait 1 s, then 2 s, 4 s … up to five minutes before the next try.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

impl LoginThrottle {
    /// `Err(wait)` when any of `keys` must still wait.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(k))
            .filter_map(|e| wait_for(e).checked_sub(now.saturating_duration_since(e.last)))
            .filter(|d| !d.is_zero())
            .max();
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failure against every key.
    pub fn failed(&self, keys: &[String], now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, e| now.saturating_duration_since(e.last) < FORGET_AFTER);
        for k in keys {
            let e = entries.entry(k.clone()).or_insert(Entry {
                failures: 0,
                last: now,
            });
            e.failures = e.failures.saturating_add(1);
            e.last = now;
        }
    }

    /// Clears the account's count after a successful sign-in.
    pub fn succeeded(&self, key: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

fn wait_for(e: &Entry) -> Duration {
    match e.failures.checked_sub(FREE_FAILURES) {
        None => Duration::ZERO,
        Some(over) => Duration::from_secs(1u64 << over.min(9)).min(MAX_WAIT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_free_failures() {
        let t = LoginThrottle::default();
        let keys = vec!["user:anna".to_owned(), "ip:127.0.0.1".to_owned()];
        let start = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            t.failed(&keys, start);
        }
        assert_eq!(t.check(&keys, start), Ok(()));
        t.failed(&keys, start);
        assert_eq!(t.check(&keys, start), Err(Duration::from_secs(1)));
        assert_eq!(t.check(&keys, start + Duration::from_secs(1)), Ok(()));
        t.failed(&keys, start);
        assert_eq!(t.check(&keys, start), Err(Duration::from_secs(2)));
        t.succeeded("user:anna");
        // The address still waits; another account from elsewhere does not.
        assert!(t.check(&["ip:127.0.0.1".to_owned()], start).is_err());
        assert_eq!(
            t.check(&["user:bob".to_owned(), "ip:10.0.0.9".to_owned()], start),
            Ok(())
        );
        for _ in 0..40 {
            t.failed(&keys, start);
        }
        assert_eq!(t.check(&keys, start), Err(MAX_WAIT));
    }
}
