//! JSON bodies and template views of the sync and backfill jobs.

use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::amazon::backfill::{BackfillJob, BackfillMode};
use crate::amazon::sync::{SyncCounts, SyncJob};
use crate::db::Db;
use crate::db::jobs::{self as store, JobRow};
use crate::db::schedules;
use crate::domain::schedule::{ago_text, until_text};
use crate::domain::{JobId, JobState};
use crate::jobs::{Job, JobDataError};
use crate::web::AppError;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn unreadable(e: JobDataError) -> AppError {
    AppError::Internal(e.into())
}

/// A job's state as the API writes it: `idle` when there is no job.
fn state_or_idle<S: Serializer>(state: &Option<JobState>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(state.map_or("idle", JobState::as_str))
}

/// The schema of [`state_or_idle`]: `idle` or a job state.
fn state_or_idle_schema() -> utoipa::openapi::Object {
    let states = std::iter::once("idle").chain(JobState::ALL.map(JobState::as_str));
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(states))
        .build()
}

fn seconds_until(t: OffsetDateTime, now: OffsetDateTime) -> i64 {
    ((t - now).as_seconds_f64().ceil() as i64).max(0)
}

/// The backfill progress object (DESIGN.md section 4) plus the job's
/// state, mode and the orders still missing their lines.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackfillProgress {
    /// The job, when there has been one.
    pub job_id: Option<JobId>,
    /// The job's state (`idle` when no backfill ever ran).
    #[serde(serialize_with = "state_or_idle")]
    #[schema(schema_with = state_or_idle_schema)]
    pub state: Option<JobState>,
    /// Orders to fetch in this run.
    pub total: i64,
    /// Orders done.
    pub processed: i64,
    /// Orders whose lines were stored.
    pub success: i64,
    /// Orders that failed (they stay missing and are tried next time).
    pub failed: i64,
    /// Whether the backfill is live (running, rate limited or stopping).
    pub is_running: bool,
    /// When it started.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Seconds left, from the remaining orders and the rate limiter's pace.
    pub estimated_seconds_remaining: Option<i64>,
    /// The order being fetched.
    pub current_order_id: Option<String>,
    /// Recent errors, oldest first.
    pub errors: Vec<String>,
    /// While waiting on Amazon's rate limit: when fetching resumes.
    pub rate_limited_until: Option<String>,
    /// `per_order` or `report`.
    pub mode: Option<BackfillMode>,
    /// Amazon orders whose lines were never fetched, now.
    pub orders_needing_backfill: i64,
}

impl BackfillProgress {
    /// The progress of `job` (the latest backfill) with `missing` orders
    /// still needing one.
    pub fn new(job: Option<&JobRow>, missing: i64) -> Result<BackfillProgress, AppError> {
        let now = OffsetDateTime::now_utc();
        let Some(job) = job else {
            return Ok(BackfillProgress {
                job_id: None,
                state: None,
                total: 0,
                processed: 0,
                success: 0,
                failed: 0,
                is_running: false,
                started_at: None,
                finished_at: None,
                estimated_seconds_remaining: None,
                current_order_id: None,
                errors: Vec::new(),
                rate_limited_until: None,
                mode: None,
                orders_needing_backfill: missing,
            });
        };
        let is_running = job.is_live();
        let detail = job.detail::<BackfillJob>().map_err(unreadable)?;
        let eta = detail
            .finish_at
            .map(|t| seconds_until(t, now))
            .filter(|_| is_running && job.progress.processed > 0);
        Ok(BackfillProgress {
            job_id: Some(job.id),
            state: Some(job.state),
            total: job.progress.total,
            processed: job.progress.processed,
            success: job.progress.success,
            failed: job.progress.failed,
            is_running,
            started_at: job.started_at.map(rfc3339),
            finished_at: job.finished_at.map(rfc3339),
            estimated_seconds_remaining: eta,
            current_order_id: job.progress.current_order_id.clone().filter(|_| is_running),
            errors: job.errors().map_err(unreadable)?,
            rate_limited_until: job
                .rate_limited_until
                .filter(|_| job.state == JobState::RateLimited)
                .map(rfc3339),
            mode: detail.mode,
            orders_needing_backfill: missing,
        })
    }
}

/// "~2m remaining", "~40s remaining".
pub fn eta_text(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("~{s}s remaining"),
        s if s < 3600 => format!("~{}m remaining", (s + 30) / 60),
        s => format!("~{}h {}m remaining", s / 3600, (s % 3600) / 60),
    }
}

/// The progress card of `/orders`, as first rendered (the page's script
/// keeps it current from the event stream).
#[derive(Debug, Clone, PartialEq)]
pub struct BackfillView {
    /// Shown at all (a backfill ran or runs).
    pub visible: bool,
    /// Live.
    pub running: bool,
    /// Orders done / total.
    pub processed: i64,
    /// Orders in this run.
    pub total: i64,
    /// Percent done, 0–100.
    pub percent: i64,
    /// Successes.
    pub success: i64,
    /// Failures.
    pub failed: i64,
    /// "~2m remaining", or empty.
    pub eta: String,
    /// Seconds until a rate-limit wait ends, while rate limited.
    pub resume_seconds: Option<i64>,
    /// "Stopped", "Finished", … for a backfill that is not running.
    pub state_text: String,
}

impl From<&BackfillProgress> for BackfillView {
    fn from(p: &BackfillProgress) -> Self {
        let now = OffsetDateTime::now_utc();
        BackfillView {
            visible: p.job_id.is_some(),
            running: p.is_running,
            processed: p.processed,
            total: p.total,
            percent: (p.processed * 100)
                .checked_div(p.total)
                .unwrap_or(0)
                .clamp(0, 100),
            success: p.success,
            failed: p.failed,
            eta: if p.is_running && p.mode == Some(BackfillMode::Report) && p.processed == 0 {
                // No pace to estimate from until the report is ready.
                "reading Amazon's order report…".to_owned()
            } else {
                p.estimated_seconds_remaining
                    .map(eta_text)
                    .unwrap_or_default()
            },
            resume_seconds: p
                .rate_limited_until
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .map(|t| seconds_until(t, now)),
            state_text: state_text(p.state).to_owned(),
        }
    }
}

/// What the card says about a job's state (nothing without a job).
pub fn state_text(state: Option<JobState>) -> &'static str {
    let Some(state) = state else {
        return "";
    };
    match state {
        JobState::Running | JobState::Queued => "Running",
        JobState::RateLimited => "Waiting for Amazon's rate limit",
        JobState::Stopping => "Stopping…",
        JobState::Stopped => "Stopped",
        JobState::Done => "Finished",
        JobState::Failed => "Failed",
        JobState::Interrupted => "Interrupted — resuming",
    }
}

/// The result of a sync, as `POST /api/integrations/amazon/sync` answers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    /// The sync job.
    pub job_id: Option<JobId>,
    /// The job's state (`idle` when no sync ever ran).
    #[serde(serialize_with = "state_or_idle")]
    #[schema(schema_with = state_or_idle_schema)]
    pub state: Option<JobState>,
    /// Still running (the request stopped waiting).
    pub is_running: bool,
    /// Orders new to Brickdesk.
    pub new: i64,
    /// Orders Amazon changed.
    pub updated: i64,
    /// Orders already stored as Amazon has them.
    pub unchanged: i64,
    /// Orders that could not be stored.
    pub failed: i64,
    /// When it started.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// When the last sync that finished successfully ended.
    pub last_successful_sync_at: Option<String>,
    /// When the next scheduled sync is due (absent while sync is not
    /// scheduled, or before Amazon is connected).
    pub next_sync_at: Option<String>,
    /// Errors.
    pub errors: Vec<String>,
}

impl SyncResult {
    /// The result of `job` (a sync), the time of the last good sync and,
    /// when sync is `scheduled`, of the next.
    pub async fn load(
        db: &Db,
        job: Option<JobRow>,
        scheduled: bool,
    ) -> Result<SyncResult, AppError> {
        let last_ok = store::latest_in(db, SyncJob::KIND, &[JobState::Done]).await?;
        let last_successful_sync_at = last_ok.and_then(|j| j.finished_at).map(rfc3339);
        let next_sync_at = match scheduled {
            true => schedules::get(db, SyncJob::KIND)
                .await?
                .map(|s| rfc3339(s.next_at)),
            false => None,
        };
        let counts = match &job {
            Some(j) => j.detail::<SyncJob>().map_err(unreadable)?.counts,
            None => SyncCounts::default(),
        };
        let errors = match &job {
            Some(j) => j.errors().map_err(unreadable)?,
            None => Vec::new(),
        };
        Ok(SyncResult {
            job_id: job.as_ref().map(|j| j.id),
            state: job.as_ref().map(|j| j.state),
            is_running: job.as_ref().is_some_and(JobRow::is_live),
            new: counts.new,
            updated: counts.updated,
            unchanged: counts.unchanged,
            failed: counts.failed,
            started_at: job.as_ref().and_then(|j| j.started_at).map(rfc3339),
            finished_at: job.as_ref().and_then(|j| j.finished_at).map(rfc3339),
            last_successful_sync_at,
            next_sync_at,
            errors,
        })
    }
}

/// The sync lines of `/orders/amazon`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncView {
    /// A sentence about the latest sync, e.g. "Sync finished: 3 new, …"
    /// (`None` before the first sync).
    pub message: Option<String>,
    /// Whether it failed (shown as an error).
    pub failed: bool,
    /// "Last synced 4 min ago · next in 11 min", while sync is scheduled.
    pub schedule: Option<String>,
}

impl SyncView {
    /// The view of a result at `now`.
    pub fn new(r: &SyncResult, now: OffsetDateTime) -> SyncView {
        let parse = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        };
        let last_ok = parse(&r.last_successful_sync_at);
        let schedule = parse(&r.next_sync_at).map(|next| {
            let last = match last_ok {
                Some(t) => format!("Last synced {}", ago_text((now - t).whole_seconds())),
                None => "Not synced yet".to_owned(),
            };
            format!("{last} · next {}", until_text(seconds_until(next, now)))
        });
        let Some(job) = r.job_id else {
            return SyncView {
                message: None,
                failed: false,
                schedule,
            };
        };
        let last = r
            .last_successful_sync_at
            .as_deref()
            .filter(|_| schedule.is_none())
            .map(|t| {
                format!(
                    " Last successful sync: {}.",
                    t.replace('T', " ").trim_end_matches('Z')
                )
            })
            .unwrap_or_default();
        let counts = format!(
            "{} new, {} updated, {} unchanged, {} failed",
            r.new, r.updated, r.unchanged, r.failed
        );
        let (message, failed) = match r.state {
            Some(JobState::Done) => (format!("Sync finished: {counts}.{last}"), r.failed > 0),
            Some(JobState::Failed) => (
                format!(
                    "Sync {job} failed: {}. So far {counts}.{last}",
                    r.errors.last().map_or("unknown error", String::as_str)
                ),
                true,
            ),
            Some(state @ (JobState::Stopped | JobState::Interrupted)) => {
                (format!("Sync {state}: {counts}.{last}"), false)
            }
            _ => (format!("Sync running: {counts} so far.{last}"), false),
        };
        SyncView {
            message: Some(message),
            failed,
            schedule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(state: JobState) -> SyncResult {
        SyncResult {
            job_id: Some(JobId::new(7).expect("id")),
            state: Some(state),
            is_running: false,
            new: 3,
            updated: 1,
            unchanged: 0,
            failed: 0,
            started_at: None,
            finished_at: None,
            last_successful_sync_at: Some("2026-12-06T11:56:00Z".into()),
            next_sync_at: Some("2026-12-06T12:11:00Z".into()),
            errors: vec!["Amazon refused the credentials".into()],
        }
    }

    #[test]
    fn a_scheduled_sync_says_when_it_ran_and_runs_next() {
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        let done = SyncView::new(&result(JobState::Done), now);
        assert_eq!(
            done.schedule.as_deref(),
            Some("Last synced 4 min ago · next in 11 min")
        );
        assert_eq!(
            done.message.as_deref(),
            Some("Sync finished: 3 new, 1 updated, 0 unchanged, 0 failed.")
        );
        let failed = SyncView::new(&result(JobState::Failed), now);
        assert!(failed.failed);
        assert_eq!(
            failed.message.as_deref(),
            Some(
                "Sync 7 failed: Amazon refused the credentials. So far 3 new, 1 updated, 0 unchanged, 0 failed."
            )
        );
        // Not scheduled: no schedule line, the last good sync in the message.
        let manual = SyncResult {
            next_sync_at: None,
            ..result(JobState::Done)
        };
        let view = SyncView::new(&manual, now);
        assert_eq!(view.schedule, None);
        assert!(
            view.message
                .as_deref()
                .is_some_and(|m| m.ends_with("Last successful sync: 2026-12-06 11:56:00.")),
            "{view:?}"
        );
        // Scheduled, never synced yet.
        let first = SyncResult {
            job_id: None,
            state: None,
            last_successful_sync_at: None,
            ..result(JobState::Done)
        };
        let view = SyncView::new(&first, now);
        assert_eq!(view.message, None);
        assert_eq!(
            view.schedule.as_deref(),
            Some("Not synced yet · next in 11 min")
        );
    }

    #[test]
    fn eta_reads_like_the_journey() {
        assert_eq!(eta_text(120), "~2m remaining");
        assert_eq!(eta_text(42), "~42s remaining");
        assert_eq!(eta_text(3_700), "~1h 1m remaining");
    }
}
