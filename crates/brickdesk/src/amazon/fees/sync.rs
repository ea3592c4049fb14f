//! Fetching financial events by posted-date windows from a stored
//! watermark, storing each event line once.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use super::FeeError;
use super::event::{EVENT_LISTS, rows_for_event};
use crate::db::{self, Db};

/// Name of the watermark in `sync_cursors`: events posted before it have
/// been fetched.
pub const CURSOR: &str = "finances_v0.posted_before";

/// Amazon refuses wider windows.
pub const MAX_WINDOW: Duration = Duration::days(180);

/// Amazon may show an event a day or two after its posted date, so every
/// sync fetches again from this long before the watermark (storing is
/// idempotent, so nothing is counted twice).
pub const OVERLAP: Duration = Duration::days(2);

/// "Before" must be at least two minutes ago; a little more for the
/// request's flight.
const BEFORE_MARGIN: Duration = Duration::seconds(125);

/// How far back the first sync goes when there are no Amazon orders.
const FIRST_SYNC: Duration = Duration::days(180);

/// Progress of a sync, reported after every page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncProgress {
    /// Windows of the sync.
    pub windows_total: usize,
    /// Windows fetched completely.
    pub windows_done: usize,
    /// Pages fetched.
    pub pages: usize,
    /// Event lines seen.
    pub events_seen: u64,
    /// Event lines stored for the first time.
    pub events_new: u64,
}

/// The posted-date windows from `start` to `end`, each at most
/// [`MAX_WINDOW`] long, in order.
pub fn windows(
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Vec<(OffsetDateTime, OffsetDateTime)> {
    let mut out = Vec::new();
    let mut from = start;
    while from < end {
        let to = (from + MAX_WINDOW).min(end);
        out.push((from, to));
        from = to;
    }
    out
}

/// Where this sync starts: the watermark less the overlap, or (first sync)
/// a day before the oldest Amazon order, or 180 days ago.
async fn start_at(db: &Db, now: OffsetDateTime) -> Result<OffsetDateTime, FeeError> {
    if let Some(mark) = db::cursors::get(db, CURSOR).await? {
        if let Ok(t) = OffsetDateTime::parse(&mark, &Rfc3339) {
            return Ok(t - OVERLAP);
        }
        tracing::warn!(%mark, "unreadable finances watermark; starting again");
    }
    Ok(match db::fees::oldest_amazon_order(db).await? {
        Some(t) => t - Duration::days(1),
        None => now - FIRST_SYNC,
    })
}

/// Fetches every financial event posted since the watermark and stores
/// each event line once (keyed by Amazon's ids, raw JSON kept). The
/// watermark moves after each complete window, so a cancelled or failed
/// sync resumes where it stopped. `progress` is called after each page.
pub async fn sync(
    db: &Db,
    client: &spapi::Client,
    cancel: &CancellationToken,
    progress: &(dyn Fn(&SyncProgress) + Send + Sync),
) -> Result<SyncProgress, FeeError> {
    let client = client.with_cancellation(cancel.clone());
    let now = OffsetDateTime::now_utc();
    let end = db::stored_time(now - BEFORE_MARGIN);
    let start = db::stored_time(start_at(db, now).await?);
    let plan = windows(start, end);
    let mut state = SyncProgress {
        windows_total: plan.len(),
        ..SyncProgress::default()
    };
    progress(&state);
    for (from, to) in plan {
        let query = spapi::finances::ListFinancialEvents {
            posted_after: from,
            posted_before: Some(to),
            max_results_per_page: Some(100),
        };
        let mut token: Option<String> = None;
        loop {
            if cancel.is_cancelled() {
                return Err(FeeError::Cancelled(state));
            }
            let page = client
                .list_financial_events_raw_page(&query, token.take())
                .await
                .map_err(|e| match e {
                    spapi::Error::Cancelled => FeeError::Cancelled(state.clone()),
                    other => FeeError::Amazon(other),
                })?;
            let mut rows = Vec::new();
            for (list, event_type, _) in EVENT_LISTS {
                for raw in page.events(list) {
                    match rows_for_event(event_type, raw.get()) {
                        Ok(r) => rows.extend(r),
                        // Kept out rather than failing the sync: the rest
                        // of the page is good, and the log says which.
                        Err(e) => tracing::warn!(error = %e, list, "financial event skipped"),
                    }
                }
            }
            state.pages += 1;
            state.events_seen += rows.len() as u64;
            state.events_new += db::fees::insert_events(db, &rows).await?;
            progress(&state);
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let mark = to
            .format(&Rfc3339)
            .map_err(|e| FeeError::Internal(e.into()))?;
        let mut tx = db.begin().await?;
        db::cursors::set(&mut tx, CURSOR, &mark).await?;
        tx.commit().await?;
        state.windows_done += 1;
        progress(&state);
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_are_at_most_180_days_and_cover_the_range() {
        let start = datetime!(2025-01-01 00:00 UTC);
        let end = datetime!(2026-01-10 12:00 UTC);
        let w = windows(start, end);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].0, start);
        assert_eq!(w[2].1, end);
        assert!(w.windows(2).all(|p| p[0].1 == p[1].0));
        assert!(w.iter().all(|(a, b)| *b - *a <= MAX_WINDOW && a < b));
        assert!(windows(end, end).is_empty());
        assert!(windows(end, start).is_empty());
    }
}
