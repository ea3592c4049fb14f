//! Amazon fees onto sold units (DESIGN.md section 3 "Fees"): the fees
//! job ([`job`], kind `fees`) fetches financial events into the database
//! and reconciles them; [`plan`] previews what a reconciliation would
//! change (reading only stored events) and [`run`] applies it.

mod event;
pub mod job;
mod reconcile;
mod sync;

pub use event::{
    EVENT_LISTS, EventError, rows_for_event, rows_for_page, stored_rows, unreadable_event,
};
pub use job::{FeesDetail, FeesJob, FeesParams, FeesPhase, FeesStatus};
pub use reconcile::{Figures, Plan, RunReport, Skipped, UnitChange, apply, message, plan, run};
pub use sync::{CURSOR, MAX_WINDOW, OVERLAP, SyncProgress, watermark, windows};

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::Conn;
use crate::db::{Db, DbError};

/// Why a preview or a reconciliation failed.
#[derive(Debug, thiserror::Error)]
pub enum FeeError {
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

/// When the stored fee events were fetched up to, in words: what
/// the preview is based on (it reads only stored events).
pub fn fetched_up_to_text(mark: Option<OffsetDateTime>) -> String {
    match mark {
        Some(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "Based on fee events fetched up to {} {:02}:{:02} UTC",
                t.date(),
                t.hour(),
                t.minute()
            )
        }
        None => "No fee events fetched from Amazon yet".to_owned(),
    }
}

/// What a fees job did: the fetch, then the run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
