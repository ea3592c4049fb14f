//! Order sync rules: what counts as a new, updated or unchanged order,
//! the window a sync asks Amazon for, and a backfill's estimate.

use time::{Duration, OffsetDateTime};

/// How a synced order compares with what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncChange {
    /// Not stored yet.
    New,
    /// Stored, and Amazon reports something different.
    Updated,
    /// Stored exactly as Amazon reports it; nothing is written.
    Unchanged,
}

/// An order as stored or as Amazon reports it, for [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFacts<'a> {
    /// Platform status (stored spelling).
    pub status: &'a str,
    /// Amazon's last-update time, whole seconds UTC.
    pub last_updated: Option<OffsetDateTime>,
    /// Total in minor units (Amazon leaves it out while Pending).
    pub total_minor: Option<i64>,
    /// Stored: lines fetched. Incoming: lines included.
    pub has_lines: bool,
}

/// Compares an incoming order with the stored one. A total Amazon leaves
/// out is no change (it is kept); lines arriving for an order that had
/// none are.
pub fn classify(stored: Option<OrderFacts<'_>>, incoming: OrderFacts<'_>) -> SyncChange {
    let Some(s) = stored else {
        return SyncChange::New;
    };
    let same = s.status == incoming.status
        && s.last_updated == incoming.last_updated
        && (incoming.total_minor.is_none() || incoming.total_minor == s.total_minor)
        && (s.has_lines || !incoming.has_lines);
    if same {
        SyncChange::Unchanged
    } else {
        SyncChange::Updated
    }
}

/// Overlap of consecutive syncs: orders updated just before the last
/// watermark are asked for again, so clock skew loses none.
pub const SYNC_OVERLAP: Duration = Duration::minutes(5);

/// Amazon refuses "before" times less than two minutes ago.
pub const BEFORE_MARGIN: Duration = Duration::minutes(2);

/// The `LastUpdatedAfter`/`LastUpdatedBefore` window of a sync: from the
/// stored watermark less the overlap, or `window_days` back on the first
/// sync, to two minutes ago.
pub fn sync_window(
    watermark: Option<OffsetDateTime>,
    window_days: i64,
    now: OffsetDateTime,
) -> (OffsetDateTime, OffsetDateTime) {
    let before = now - BEFORE_MARGIN;
    let after = match watermark {
        Some(w) => w - SYNC_OVERLAP,
        None => now - Duration::days(window_days.max(1)),
    };
    (after.min(before), before)
}

/// Prefix of the line id a backfill gives a line it read from the
/// all-orders report, which carries no OrderItemId. Amazon's ids are
/// digits, so the two never collide.
const PROVISIONAL_PREFIX: &str = "report:";

/// The provisional line id of the report line with `sku`: unique within
/// its order because a report fill requires each SKU to appear once.
pub fn provisional_item_id(sku: &str) -> String {
    format!("{PROVISIONAL_PREFIX}{sku}")
}

/// The SKU of a provisional line id; `None` for an Amazon OrderItemId.
pub fn provisional_sku(item_id: &str) -> Option<&str> {
    item_id.strip_prefix(PROVISIONAL_PREFIX)
}

/// The shortest date range one all-orders report is asked for.
pub const REPORT_WINDOW: Duration = Duration::days(30);

/// At most this many reports per backfill: the createReport burst, so
/// every request goes out at once instead of one a minute.
pub const MAX_REPORTS: i64 = 15;

/// The `dataStartTime`..`dataEndTime` windows (inclusive) that cover every
/// order placed from `first` to `last`: [`REPORT_WINDOW`] each, or longer
/// when that would take more than [`MAX_REPORTS`] reports. Empty when
/// `last` is before `first`.
pub fn report_windows(
    first: OffsetDateTime,
    last: OffsetDateTime,
) -> Vec<(OffsetDateTime, OffsetDateTime)> {
    let span = last - first;
    let window = REPORT_WINDOW.max(Duration::seconds(
        span.whole_seconds().div_euclid(MAX_REPORTS) + 1,
    ));
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        // Bounds are inclusive, so the next window starts a second later.
        let end = (start + window - Duration::SECOND).min(last);
        out.push((start, end));
        start = end + Duration::SECOND;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn facts(status: &str, total: Option<i64>, has_lines: bool) -> OrderFacts<'_> {
        OrderFacts {
            status,
            last_updated: Some(datetime!(2026-01-10 10:00 UTC)),
            total_minor: total,
            has_lines,
        }
    }

    #[test]
    fn new_updated_unchanged() {
        let stored = facts("Shipped", Some(1000), true);
        assert_eq!(
            classify(None, facts("Shipped", None, true)),
            SyncChange::New
        );
        assert_eq!(
            classify(Some(stored), facts("Shipped", Some(1000), true)),
            SyncChange::Unchanged
        );
        assert_eq!(
            classify(Some(stored), facts("Shipped", None, false)),
            SyncChange::Unchanged,
            "a missing total or missing lines change nothing"
        );
        assert_eq!(
            classify(Some(stored), facts("Canceled", Some(1000), true)),
            SyncChange::Updated
        );
        let mut later = facts("Shipped", Some(1000), true);
        later.last_updated = Some(datetime!(2026-01-11 10:00 UTC));
        assert_eq!(classify(Some(stored), later), SyncChange::Updated);
        let headers_only = facts("Shipped", Some(1000), false);
        assert_eq!(
            classify(Some(headers_only), facts("Shipped", Some(1000), true)),
            SyncChange::Updated,
            "lines arriving for an order without them"
        );
    }

    #[test]
    fn window_starts_at_watermark_less_overlap_or_the_first_window() {
        let now = datetime!(2026-03-01 12:00 UTC);
        let (after, before) = sync_window(None, 90, now);
        assert_eq!(after, now - Duration::days(90));
        assert_eq!(before, datetime!(2026-03-01 11:58 UTC));
        let (after, _) = sync_window(Some(datetime!(2026-03-01 09:00 UTC)), 90, now);
        assert_eq!(after, datetime!(2026-03-01 08:55 UTC));
        let (after, before) = sync_window(Some(now), 90, now);
        assert!(after <= before);
    }

    #[test]
    fn provisional_ids_round_trip_and_never_match_amazon_ids() {
        let id = provisional_item_id("75192-N-01");
        assert_eq!(provisional_sku(&id), Some("75192-N-01"));
        assert_eq!(provisional_sku("12345678901234"), None);
    }

    #[test]
    fn report_windows_cover_the_range_without_gaps_or_overlap() {
        let first = datetime!(2026-01-01 10:00 UTC);
        assert_eq!(report_windows(first, first), vec![(first, first)]);
        assert!(report_windows(first, first - Duration::SECOND).is_empty());
        let check = |last: OffsetDateTime| {
            let windows = report_windows(first, last);
            assert_eq!(windows[0].0, first);
            assert_eq!(windows[windows.len() - 1].1, last);
            for pair in windows.windows(2) {
                assert_eq!(pair[0].1 + Duration::SECOND, pair[1].0);
            }
            assert!(windows.len() as i64 <= MAX_REPORTS, "{}", windows.len());
            windows
        };
        // 89 days: three windows of 30 days.
        let windows = check(datetime!(2026-03-31 09:00 UTC));
        assert_eq!(windows.len(), 3);
        assert!(windows.iter().all(|(s, e)| *e - *s < REPORT_WINDOW));
        // Five years: no more than the createReport burst.
        check(datetime!(2031-01-01 10:00 UTC));
        check(datetime!(2031-01-01 10:00:14 UTC));
    }
}
