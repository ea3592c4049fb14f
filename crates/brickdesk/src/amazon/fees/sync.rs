//! Fetching financial events by posted-date windows from a stored
//! watermark, storing each event line once: the first phase of the fees
//! job. Each page is stored in one transaction with the job's progress
//! and its position (window and page token), so an interrupted job
//! resumes at the page it was on; the watermark moves with the last page
//! of each window.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::FeesJob;
use super::event::rows_for_page;
use crate::amazon::pacing;
use crate::db::{self, Db, DbError};
use crate::jobs::{JobContext, JobError};

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

/// Progress of a fetch, updated after every page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SyncProgress {
    /// Windows of the fetch.
    pub windows_total: usize,
    /// Windows fetched completely.
    pub windows_done: usize,
    /// Pages fetched.
    pub pages: usize,
    /// Event lines seen.
    pub events_seen: u64,
    /// Event lines stored for the first time.
    pub events_new: u64,
    /// Events that could not be read, stored for the first time.
    pub unreadable_new: u64,
}

/// Where the fetch is: the window starting at `from` (ending at most
/// [`MAX_WINDOW`] later), the page `next` of it, up to `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchAt {
    /// Start of the current window.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// End of the whole fetch (fixed when the job starts).
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    /// The page token within the window (`None`: its first page).
    pub next: Option<String>,
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

/// The stored watermark, when there is a readable one.
pub async fn watermark(db: &Db) -> Result<Option<OffsetDateTime>, DbError> {
    Ok(db::cursors::get(db, CURSOR)
        .await?
        .and_then(|mark| OffsetDateTime::parse(&mark, &Rfc3339).ok()))
}

/// Where a new fetch starts and ends: from the watermark less the
/// overlap, or (first fetch) a day before the oldest Amazon order, or 180
/// days ago; up to a little more than two minutes ago.
pub async fn fresh(db: &Db, now: OffsetDateTime) -> Result<FetchAt, DbError> {
    let start = match watermark(db).await? {
        Some(t) => t - OVERLAP,
        None => match db::fees::oldest_amazon_order(db).await? {
            Some(t) => t - Duration::days(1),
            None => now - FIRST_SYNC,
        },
    };
    Ok(FetchAt {
        from: db::stored_time(start),
        end: db::stored_time(now - BEFORE_MARGIN),
        next: None,
    })
}

/// What a fetch ended with: `Ok` when every window was fetched, else
/// Amazon's error in plain words (what was stored so far is kept).
pub type FetchResult = Result<(), String>;

/// Fetches every window from `at`, storing each page with the job's
/// progress. `save` puts the position into the job's cursor. A stop
/// comes back as `Err(JobError::Cancelled)`.
pub async fn fetch(
    ctx: &JobContext<FeesJob>,
    client: &spapi::Client,
    mut at: FetchAt,
    save: impl Fn(&FetchAt) -> Option<String>,
) -> Result<FetchResult, JobError> {
    while at.from < at.end {
        let to = (at.from + MAX_WINDOW).min(at.end);
        let query = spapi::finances::ListFinancialEvents {
            posted_after: at.from,
            posted_before: Some(to),
            max_results_per_page: Some(100),
        };
        ctx.update(|p| {
            p.current = Some(format!("posted {} to {}", at.from.date(), to.date()));
        });
        ctx.check()?;
        let token = at.next.clone();
        let page = pacing::call(ctx, client, spapi::Operation::ListFinancialEvents, || {
            client.list_financial_events_raw_page(&query, token.clone())
        })
        .await?;
        let page = match page {
            Ok(page) => page,
            // A page token Amazon no longer knows: ask the window again
            // (storing is idempotent).
            Err(spapi::Error::InvalidInput(_)) if at.next.is_some() => {
                at.next = None;
                continue;
            }
            Err(e) => return Ok(Err(crate::amazon::connection::explain(&e))),
        };
        let (unreadable, readable): (Vec<_>, Vec<_>) = rows_for_page(&page)
            .into_iter()
            .partition(|r| r.line.parse_error.is_some());
        let seen = (readable.len() + unreadable.len()) as u64;
        at.next = page.next_token.filter(|t| !t.is_empty());
        let window_done = at.next.is_none();
        let mut tx = ctx.db().begin().await?;
        let new = db::fees::insert_events_in(&mut tx, &readable).await?;
        let unreadable_new = db::fees::insert_events_in(&mut tx, &unreadable).await?;
        if window_done {
            let mark = to
                .format(&Rfc3339)
                .map_err(|e| JobError::Failed(e.to_string()))?;
            db::cursors::set(&mut tx, CURSOR, &mark).await?;
            at.from = to;
        }
        let cursor = save(&at);
        ctx.update(|p| {
            let s = &mut p.detail.fetch;
            s.pages += 1;
            s.events_seen += seen;
            s.events_new += new + unreadable_new;
            s.unreadable_new += unreadable_new;
            if window_done {
                s.windows_done += 1;
                p.processed += 1;
            }
            p.success = i64::try_from(s.events_new).unwrap_or(i64::MAX);
            if window_done {
                p.detail.fetched_up_to = Some(to);
            }
            p.cursor = cursor;
        });
        ctx.save_in(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(Ok(()))
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
