//! The fees job ([`FeesJob`], kind `fees`): fetch new financial events by posted-date
//! windows, then reconcile them onto sold units, as one durable job.
//!
//! - Fetching stores each page with the job's progress and its position
//!   (see [`super::sync`]); a crash resumes at that page.
//! - A failed fetch (Amazon unreachable, not configured) does not stop
//!   the reconciliation of what is stored: the job's details say why.
//! - The reconciliation runs in one transaction that also stores its
//!   report in the job's details and moves the cursor past it, so a job
//!   resumed after a crash never reconciles twice.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::reconcile::{self, RunReport};
use super::sync::{self, FetchAt, SyncProgress};
use super::{FeeError, ReconcileOutcome};
use crate::amazon::AmazonAccess;
use crate::db::jobs::JobRow;
use crate::domain::{JobId, JobKind, JobState, UserId};
use crate::jobs::{Job, JobContext, JobDataError, JobError};

/// The fees job as a job kind.
#[derive(Clone)]
pub struct FeesJob {
    access: AmazonAccess,
}

impl FeesJob {
    /// The fees job of the Amazon account `access` reaches.
    pub fn new(access: AmazonAccess) -> FeesJob {
        FeesJob { access }
    }
}

impl Job for FeesJob {
    const KIND: JobKind = JobKind::Fees;
    type Params = FeesParams;
    type Detail = FeesDetail;

    async fn run(&self, ctx: JobContext<Self>, params: FeesParams) -> Result<(), JobError> {
        run(ctx, self.access.clone(), params).await
    }
}

/// What a fees job is started with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FeesParams {
    /// Who asked: named in the audit entries of the reconciliation.
    pub user_id: Option<UserId>,
    /// Fetch only; leave the reconciliation to a later run.
    pub fetch_only: bool,
}

/// What a fees job is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeesPhase {
    /// Fetching financial events.
    #[default]
    Fetching,
    /// Reconciling them onto sold units.
    Reconciling,
    /// Finished its work.
    Done,
}

/// A fees job's progress details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FeesDetail {
    /// What it is doing.
    pub phase: FeesPhase,
    /// The fetch so far.
    pub fetch: SyncProgress,
    /// The watermark: events posted before it have been fetched.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub fetched_up_to: Option<OffsetDateTime>,
    /// Why the fetch failed, in plain words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
    /// The reconciliation's report, once done.
    #[serde(rename = "result", skip_serializing_if = "Option::is_none")]
    pub report: Option<RunReport>,
}

/// Where an interrupted job continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase")]
enum Cursor {
    /// Fetching: the window and page.
    Fetch(FetchAt),
    /// Fetched (or the fetch failed); the reconciliation is next.
    Reconcile,
    /// Reconciled; the report is in the details.
    Done,
}

fn text(cursor: &Cursor) -> Option<String> {
    serde_json::to_string(cursor).ok()
}

fn job_error(e: FeeError) -> JobError {
    match e {
        FeeError::Db(e) => JobError::Db(e),
        FeeError::Internal(e) => JobError::Failed(e.to_string()),
    }
}

async fn run(
    ctx: JobContext<FeesJob>,
    access: AmazonAccess,
    params: FeesParams,
) -> Result<(), JobError> {
    let cursor = ctx
        .cursor()
        .and_then(|c| serde_json::from_str::<Cursor>(&c).ok());
    let at = match cursor {
        Some(Cursor::Done) => return Ok(()),
        Some(Cursor::Reconcile) => None,
        Some(Cursor::Fetch(at)) => Some(at),
        None => {
            let at = sync::fresh(ctx.db(), OffsetDateTime::now_utc()).await?;
            let mark = sync::watermark(ctx.db()).await?;
            let windows = sync::windows(at.from, at.end).len();
            ctx.update(|p| {
                p.total = windows as i64;
                p.detail.phase = FeesPhase::Fetching;
                p.detail.fetch = SyncProgress {
                    windows_total: windows,
                    ..SyncProgress::default()
                };
                p.detail.fetched_up_to = mark;
                p.cursor = text(&Cursor::Fetch(at.clone()));
            });
            ctx.save().await?;
            Some(at)
        }
    };
    if let Some(at) = at {
        let fetched = match access.client().await {
            Ok(client) => {
                let client = client.with_cancellation(ctx.cancel_token().clone());
                sync::fetch(&ctx, &client, at, |at| text(&Cursor::Fetch(at.clone()))).await?
            }
            Err(JobError::Failed(why)) => Err(why),
            Err(other) => return Err(other),
        };
        ctx.update(|p| {
            if let Err(why) = &fetched {
                p.push_error(why.clone());
                p.detail.fetch_error = Some(why.clone());
            }
            p.current = None;
            p.detail.phase = FeesPhase::Reconciling;
            p.cursor = text(&Cursor::Reconcile);
        });
        ctx.save().await?;
    }
    ctx.check()?;
    if params.fetch_only {
        ctx.update(|p| {
            p.detail.phase = FeesPhase::Done;
            p.cursor = text(&Cursor::Done);
        });
        return ctx.save().await;
    }
    let mut tx = ctx.db().begin().await?;
    let report = reconcile::apply(&mut tx, params.user_id)
        .await
        .map_err(job_error)?;
    ctx.update(|p| {
        p.detail.report = Some(report);
        p.detail.phase = FeesPhase::Done;
        p.cursor = text(&Cursor::Done);
    });
    ctx.save_in(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A fees job read back from its row: what the API and the page show.
#[derive(Debug, Clone, PartialEq)]
pub struct FeesStatus {
    /// The job's id.
    pub id: JobId,
    /// The job's state.
    pub state: JobState,
    /// Whether it is live (running, rate limited or stopping).
    pub is_running: bool,
    /// What it is doing.
    pub phase: FeesPhase,
    /// The fetch so far.
    pub fetch: SyncProgress,
    /// The watermark: events posted before it have been fetched.
    pub fetched_up_to: Option<OffsetDateTime>,
    /// Why the fetch failed, in plain words.
    pub fetch_error: Option<String>,
    /// The reconciliation's report, once done.
    pub report: Option<RunReport>,
    /// Recent errors, oldest first.
    pub errors: Vec<String>,
    /// When it started.
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    pub finished_at: Option<OffsetDateTime>,
}

impl FeesStatus {
    /// Reads a fees job's row (an error for another kind of job, or for
    /// details that do not read).
    pub fn from_row(row: &JobRow) -> Result<FeesStatus, JobDataError> {
        let detail = row.detail::<FeesJob>()?;
        Ok(FeesStatus {
            id: row.id,
            state: row.state,
            is_running: row.is_live(),
            phase: detail.phase,
            fetch: detail.fetch,
            fetched_up_to: detail.fetched_up_to,
            fetch_error: detail.fetch_error,
            report: detail.report,
            errors: row.errors()?,
            started_at: row.started_at,
            finished_at: row.finished_at,
        })
    }

    /// The outcome of a finished reconciliation (`None` before, or for a
    /// job that stopped or only fetched).
    pub fn outcome(&self) -> Option<ReconcileOutcome> {
        let report = self.report.clone()?;
        Some(ReconcileOutcome {
            fetched: self.fetch_error.is_none().then(|| self.fetch.clone()),
            fetch_error: self.fetch_error.clone(),
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_through_their_stored_text() {
        let at = FetchAt {
            from: time::macros::datetime!(2026-01-01 00:00 UTC),
            end: time::macros::datetime!(2026-09-01 00:00 UTC),
            next: Some("tok".into()),
        };
        for c in [Cursor::Fetch(at), Cursor::Reconcile, Cursor::Done] {
            let stored = text(&c).expect("serialises");
            assert_eq!(serde_json::from_str::<Cursor>(&stored).ok(), Some(c));
        }
    }
}
