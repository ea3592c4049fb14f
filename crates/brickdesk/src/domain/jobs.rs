//! Durable-job rules that depend on the time: when a live job's owner is
//! taken to be dead. `now` is passed in so the boundary can be tested.

use time::{Duration, OffsetDateTime};

/// Whether a live job's heartbeat is stale at `now`: there is none, or it
/// is more than `stale_after` old. One exactly `stale_after` old is still
/// fresh.
pub fn heartbeat_is_stale(
    heartbeat_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    stale_after: Duration,
) -> bool {
    heartbeat_at.is_none_or(|beat| now - beat > stale_after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_heartbeat_goes_stale_just_after_stale_after() {
        let now = datetime!(2026-07-31 23:30:00 UTC);
        let ten = Duration::seconds(10);
        let beat = |age: Duration| Some(now - age);
        assert!(!heartbeat_is_stale(beat(Duration::ZERO), now, ten));
        assert!(!heartbeat_is_stale(
            beat(Duration::milliseconds(9_999)),
            now,
            ten
        ));
        assert!(
            !heartbeat_is_stale(beat(ten), now, ten),
            "exactly 10 s: fresh"
        );
        assert!(
            heartbeat_is_stale(beat(ten + Duration::microseconds(1)), now, ten),
            "a microsecond more: stale"
        );
        assert!(heartbeat_is_stale(None, now, ten), "never beat");
        // A heartbeat from a clock slightly ahead is fresh, not stale.
        assert!(!heartbeat_is_stale(
            Some(now + Duration::seconds(2)),
            now,
            ten
        ));
    }
}
