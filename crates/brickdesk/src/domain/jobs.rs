//! Durable jobs as values: their kinds and states (stored as text), and
//! the rule that depends on the time: when a live job's owner is taken to
//! be dead (`now` is passed in so the boundary can be tested).

use std::fmt;

use time::{Duration, OffsetDateTime};

/// What a job does. One job of a kind is live at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Order sync: orders Amazon updated since the last sync.
    Sync,
    /// Backfill: the lines of orders whose lines were never fetched.
    Backfill,
    /// Fees: fetch financial events, then reconcile them onto sold units.
    Fees,
    /// Ship: send the queued shipment confirmations to Amazon.
    Ship,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 4] = [
        JobKind::Sync,
        JobKind::Backfill,
        JobKind::Fees,
        JobKind::Ship,
    ];

    /// The stored text: `sync`, `backfill` or `fees`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Sync => "sync",
            JobKind::Backfill => "backfill",
            JobKind::Fees => "fees",
            JobKind::Ship => "ship",
        }
    }

    /// The kind a stored text stands for.
    pub fn parse(text: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a job is in its life (the `jobs.state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Created, not yet running (kept for the schema; jobs start running).
    Queued,
    /// Its owner works on it.
    Running,
    /// Its owner waits on Amazon's rate limit.
    RateLimited,
    /// A stop was asked for; its owner has not let go yet.
    Stopping,
    /// Stopped on request.
    Stopped,
    /// Finished.
    Done,
    /// Ended on an error.
    Failed,
    /// Its owner died or shut down; it resumes from its cursor.
    Interrupted,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 8] = [
        JobState::Queued,
        JobState::Running,
        JobState::RateLimited,
        JobState::Stopping,
        JobState::Stopped,
        JobState::Done,
        JobState::Failed,
        JobState::Interrupted,
    ];

    /// The states in which a job counts as live (at most one per kind,
    /// by the `jobs_one_live_per_kind` index).
    pub const LIVE: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::RateLimited,
        JobState::Stopping,
    ];

    /// The stored text, e.g. `rate_limited`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::RateLimited => "rate_limited",
            JobState::Stopping => "stopping",
            JobState::Stopped => "stopped",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }

    /// The state a stored text stands for.
    pub fn parse(text: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a job in this state is live (held by a process, or about
    /// to be).
    pub fn is_live(self) -> bool {
        JobState::LIVE.contains(&self)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl utoipa::PartialSchema for JobState {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(JobState::ALL.map(JobState::as_str)))
            .into()
    }
}

impl utoipa::ToSchema for JobState {}

impl serde::Serialize for JobState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

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
    fn kinds_and_states_round_trip_through_their_text() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
        }
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobKind::parse("probe"), None);
        assert_eq!(JobState::parse("Done"), None);
        assert!(JobState::Stopping.is_live() && !JobState::Interrupted.is_live());
    }

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
