//! Amazon fees onto sold units (DESIGN.md section 3 "Fees"): [`sync`]
//! fetches financial events into the database, [`plan`] previews what a
//! reconciliation would change and [`run`] applies it. They are plain
//! async functions: `brickdesk fees sync`, the Reconcile Fees action and
//! tests call them directly, and a job runner can wrap them.

mod event;
mod reconcile;
mod sync;

pub use event::{EVENT_LISTS, EventError, rows_for_event};
pub use reconcile::{Figures, Plan, RunReport, Skipped, UnitChange, plan, run};
pub use sync::{CURSOR, MAX_WINDOW, OVERLAP, SyncProgress, sync, windows};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::db::fees::Conn;
use crate::db::{Db, DbError};
use crate::domain::UserId;

/// Why fetching or reconciling stopped.
#[derive(Debug, thiserror::Error)]
pub enum FeeError {
    /// Amazon answered with an error (or could not be reached).
    #[error("Amazon: {0}")]
    Amazon(#[from] spapi::Error),
    /// The caller cancelled; the progress so far is kept.
    #[error("cancelled")]
    Cancelled(SyncProgress),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The preview: what a run would change, reading only stored events.
pub async fn preview(db: &Db) -> Result<Plan, FeeError> {
    plan(&mut Conn::Db(db)).await
}

/// What the Reconcile Fees action did: the fetch, then the run.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileOutcome {
    /// The fetch (absent when it failed).
    pub fetched: Option<SyncProgress>,
    /// Why the fetch failed, in plain words; the run then used the events
    /// already stored.
    pub fetch_error: Option<String>,
    /// The run.
    #[serde(flatten)]
    pub report: RunReport,
}

/// Fetches new events (when a client is given), then reconciles. A failed
/// fetch does not stop the reconciliation of what is stored; the outcome
/// says what went wrong.
pub async fn fetch_and_reconcile(
    db: &Db,
    client: Option<&spapi::Client>,
    user: Option<UserId>,
) -> Result<ReconcileOutcome, FeeError> {
    let (fetched, fetch_error) = match client {
        Some(client) => match sync(db, client, &CancellationToken::new(), &|_| {}).await {
            Ok(progress) => (Some(progress), None),
            Err(FeeError::Amazon(e)) => (None, Some(super::connection::explain(&e))),
            Err(other) => return Err(other),
        },
        None => (
            None,
            Some(
                "Amazon not configured: connect your Amazon account in Settings to fetch fees."
                    .to_owned(),
            ),
        ),
    };
    let report = run(db, user).await?;
    Ok(ReconcileOutcome {
        fetched,
        fetch_error,
        report,
    })
}
