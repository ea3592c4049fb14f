//! The fees job (kind `fees`): fetch new financial events by posted-date
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
use time::format_description::well_known::Rfc3339;

use super::reconcile::{self, RunReport};
use super::sync::{self, FetchAt, SyncProgress};
use super::{FeeError, ReconcileOutcome};
use crate::amazon::AmazonAccess;
use crate::db::jobs::JobRow;
use crate::domain::UserId;
use crate::jobs::{JobContext, JobError};

/// The job kind.
pub const KIND: &str = "fees";

/// What a fees job is started with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FeesParams {
    /// Who asked: named in the audit entries of the reconciliation.
    pub user_id: Option<UserId>,
    /// Fetch only; leave the reconciliation to a later run.
    pub fetch_only: bool,
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

/// The runner of the `fees` kind.
pub async fn run(ctx: JobContext, access: AmazonAccess) -> Result<(), JobError> {
    let params: FeesParams = serde_json::from_value(ctx.params().clone()).unwrap_or_default();
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
                p.set_detail("phase", "fetching");
                let progress = SyncProgress {
                    windows_total: windows,
                    ..SyncProgress::default()
                };
                p.set_detail("fetch", serde_json::to_value(progress).unwrap_or_default());
                if let Some(mark) = mark.and_then(|m| m.format(&Rfc3339).ok()) {
                    p.set_detail("fetchedUpTo", mark);
                }
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
                p.set_detail("fetchError", why.clone());
            }
            p.current = None;
            p.set_detail("phase", "reconciling");
            p.cursor = text(&Cursor::Reconcile);
        });
        ctx.save().await?;
    }
    ctx.check()?;
    if params.fetch_only {
        ctx.update(|p| {
            p.set_detail("phase", "done");
            p.cursor = text(&Cursor::Done);
        });
        return ctx.save().await;
    }
    let mut tx = ctx.db().begin().await?;
    let report = reconcile::apply(&mut tx, params.user_id)
        .await
        .map_err(job_error)?;
    ctx.update(|p| {
        p.set_detail("result", serde_json::to_value(&report).unwrap_or_default());
        p.set_detail("phase", "done");
        p.cursor = text(&Cursor::Done);
    });
    ctx.save_in(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A fees job read back from its row: what the API and the page show.
#[derive(Debug, Clone, PartialEq)]
pub struct FeesJob {
    /// The job's id.
    pub id: i64,
    /// The job's state (`running`, `done`, `stopped`, …).
    pub state: String,
    /// Whether it is live (running, rate limited or stopping).
    pub is_running: bool,
    /// `fetching`, `reconciling` or `done`.
    pub phase: String,
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
    /// When it started and ended.
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    pub finished_at: Option<OffsetDateTime>,
}

impl FeesJob {
    /// Reads a job row (`None` when it is not a fees job).
    pub fn from_row(row: &JobRow) -> Option<FeesJob> {
        if row.kind != KIND {
            return None;
        }
        let detail: serde_json::Value = serde_json::from_str(&row.detail_json).unwrap_or_default();
        let text = |key: &str| detail.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        Some(FeesJob {
            id: row.id,
            state: row.state.clone(),
            is_running: crate::db::jobs::LIVE_STATES.contains(&row.state.as_str()),
            phase: text("phase").unwrap_or_else(|| "fetching".into()),
            fetch: sync::progress_of(&detail),
            fetched_up_to: text("fetchedUpTo")
                .and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok()),
            fetch_error: text("fetchError"),
            report: detail
                .get("result")
                .and_then(|v| serde_json::from_value(v.clone()).ok()),
            errors: serde_json::from_str(&row.errors_json).unwrap_or_default(),
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
