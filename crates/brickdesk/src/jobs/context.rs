//! What a runner gets besides its parameters: its cursor, the typed
//! progress it updates in memory and saves (alone, or inside the
//! transaction of the work it describes), the rate-limit state, and
//! cancellation.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::job::{Job, JobDataError};
use super::{Inner, lock};
use crate::db::jobs::{self as store, JobProgress, JobRow};
use crate::db::{Db, DbError, Tx};
use crate::domain::{JobId, JobKind, JobState};

/// How many error messages a job keeps (the newest).
pub const MAX_ERRORS: usize = 50;

/// How a runner ended, when not successfully.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Cancelled: stop requested, or the process is shutting down.
    #[error("cancelled")]
    Cancelled,
    /// Another process took the job over; nothing more may be written.
    #[error("the job was taken over by another process")]
    Lost,
    /// The work failed; the message says why, for the seller.
    #[error("{0}")]
    Failed(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What the seller is told when a job ends on an internal fault (the
/// details go to the log only).
pub const INTERNAL_FAILURE: &str = "The job stopped on an internal error; the details are in the server log. Start it again to resume.";

impl JobError {
    /// The message shown to users: a storage error's text can name
    /// tables and constraints, so it is replaced by a fixed one.
    pub fn public_message(&self) -> String {
        match self {
            JobError::Db(_) => INTERNAL_FAILURE.to_owned(),
            other => other.to_string(),
        }
    }
}

/// A job's counters and position, as the runner keeps them, with its
/// kind's own details `D`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress<D> {
    /// Units of work in total.
    pub total: i64,
    /// Units done.
    pub processed: i64,
    /// Units that succeeded.
    pub success: i64,
    /// Units that failed.
    pub failed: i64,
    /// The unit being worked on.
    pub current: Option<String>,
    /// Where to resume.
    pub cursor: Option<String>,
    /// The kind's own details, shown with the counters.
    pub detail: D,
    errors: VecDeque<String>,
}

impl<D> Progress<D> {
    /// Records an error message (the oldest go beyond [`MAX_ERRORS`]).
    pub fn push_error(&mut self, message: impl Into<String>) {
        if self.errors.len() == MAX_ERRORS {
            self.errors.pop_front();
        }
        self.errors.push_back(message.into());
    }

    /// The recorded error messages, oldest first.
    pub fn errors(&self) -> impl Iterator<Item = &str> {
        self.errors.iter().map(String::as_str)
    }
}

impl<D: Serialize> Progress<D> {
    fn to_write(&self) -> Result<JobProgress, JobError> {
        let json = |e: serde_json::Error| {
            tracing::error!(error = %e, "job progress does not serialise");
            JobError::Failed(INTERNAL_FAILURE.into())
        };
        Ok(JobProgress {
            total: self.total,
            processed: self.processed,
            success: self.success,
            failed: self.failed,
            current_order_id: self.current.clone(),
            errors_json: serde_json::to_string(&self.errors).map_err(json)?,
            cursor: self.cursor.clone(),
            detail_json: serde_json::to_string(&self.detail).map_err(json)?,
        })
    }

    fn from_row<J: Job<Detail = D>>(row: &JobRow) -> Result<Progress<D>, JobDataError> {
        Ok(Progress {
            total: row.progress.total,
            processed: row.progress.processed,
            success: row.progress.success,
            failed: row.progress.failed,
            current: row.progress.current_order_id.clone(),
            cursor: row.progress.cursor.clone(),
            detail: row.detail::<J>()?,
            errors: row.errors()?.into(),
        })
    }
}

/// Handle a runner of kind `J` uses to report and to notice a stop.
/// Cheap to clone.
pub struct JobContext<J: Job> {
    jobs: Arc<Inner>,
    id: JobId,
    resumed: bool,
    cancel: CancellationToken,
    progress: Arc<Mutex<Progress<J::Detail>>>,
}

impl<J: Job> Clone for JobContext<J> {
    fn clone(&self) -> Self {
        JobContext {
            jobs: Arc::clone(&self.jobs),
            id: self.id,
            resumed: self.resumed,
            cancel: self.cancel.clone(),
            progress: Arc::clone(&self.progress),
        }
    }
}

impl<J: Job> std::fmt::Debug for JobContext<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext")
            .field("id", &self.id)
            .field("kind", &J::KIND)
            .finish_non_exhaustive()
    }
}

impl<J: Job> JobContext<J> {
    /// The context of `row`, whose progress must read as `J`'s.
    pub(super) fn new(
        jobs: Arc<Inner>,
        row: &JobRow,
        cancel: CancellationToken,
    ) -> Result<JobContext<J>, JobDataError> {
        Ok(JobContext {
            jobs,
            id: row.id,
            resumed: row.progress.processed > 0 || row.progress.cursor.is_some(),
            cancel,
            progress: Arc::new(Mutex::new(Progress::from_row::<J>(row)?)),
        })
    }

    /// The job's id.
    pub fn id(&self) -> JobId {
        self.id
    }

    /// The job's kind.
    pub fn kind(&self) -> JobKind {
        J::KIND
    }

    /// Whether this run continues an interrupted one.
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }

    /// Where to continue: the cursor last saved (`None` for a fresh job).
    pub fn cursor(&self) -> Option<String> {
        lock(&self.progress).cursor.clone()
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.jobs.db
    }

    /// Fires when the job must stop; hand it to every wait
    /// (`spapi::Client::with_cancellation`).
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// `Err(Cancelled)` once a stop was requested.
    pub fn check(&self) -> Result<(), JobError> {
        if self.cancel.is_cancelled() {
            Err(JobError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// A copy of the progress.
    pub fn progress(&self) -> Progress<J::Detail> {
        lock(&self.progress).clone()
    }

    /// Changes the progress in memory; [`JobContext::save`] stores it.
    pub fn update<R>(&self, change: impl FnOnce(&mut Progress<J::Detail>) -> R) -> R {
        change(&mut lock(&self.progress))
    }

    /// Stores the progress.
    pub async fn save(&self) -> Result<(), JobError> {
        let write = lock(&self.progress).to_write()?;
        let state = store::write_progress(&self.jobs.db, self.id, &self.jobs.owner, &write).await?;
        self.after_write(state)
    }

    /// Stores the progress inside `tx`, the transaction of the work it
    /// describes: after a crash the two agree.
    pub async fn save_in(&self, tx: &mut Tx) -> Result<(), JobError> {
        let write = lock(&self.progress).to_write()?;
        let state = store::write_progress_in(tx, self.id, &self.jobs.owner, &write).await?;
        self.after_write(state)
    }

    fn after_write(&self, state: Option<JobState>) -> Result<(), JobError> {
        self.jobs.notify();
        match state {
            None => {
                self.cancel.cancel();
                Err(JobError::Lost)
            }
            Some(JobState::Stopping) => {
                self.cancel.cancel();
                Ok(())
            }
            Some(_) => Ok(()),
        }
    }

    /// Shows the job waiting on Amazon's rate limit until `until`, or
    /// working again with `None`.
    pub async fn set_rate_limited(&self, until: Option<OffsetDateTime>) -> Result<(), JobError> {
        let state =
            store::set_rate_limited(&self.jobs.db, self.id, &self.jobs.owner, until).await?;
        self.jobs.notify();
        match state {
            // `stopping` is not matched by the update: the stop wins.
            None if self.cancel.is_cancelled() => Err(JobError::Cancelled),
            None => {
                let job = store::get(&self.jobs.db, self.id).await?;
                if job.is_some_and(|j| j.state == JobState::Stopping) {
                    self.cancel.cancel();
                    Err(JobError::Cancelled)
                } else {
                    Err(JobError::Lost)
                }
            }
            Some(_) => Ok(()),
        }
    }

    /// Records how the runner ended.
    pub(super) async fn finish(
        &self,
        outcome: Result<(), JobError>,
        shutting_down: bool,
    ) -> Result<(), JobError> {
        let db = &self.jobs.db;
        let owner = &self.jobs.owner;
        let state = match outcome {
            Ok(()) => JobState::Done,
            Err(JobError::Lost) => return Ok(()),
            Err(JobError::Cancelled) if shutting_down => {
                // Keep the cursor; the next start resumes from it.
                let write = lock(&self.progress).to_write()?;
                store::write_progress(db, self.id, owner, &write).await?;
                store::mark_interrupted(db, self.id, Some(owner)).await?;
                return Ok(());
            }
            Err(JobError::Cancelled) => JobState::Stopped,
            Err(e) => {
                tracing::warn!(job = %self.id, kind = %J::KIND, error = %e, "job failed");
                lock(&self.progress).push_error(e.public_message());
                JobState::Failed
            }
        };
        let write = lock(&self.progress).to_write()?;
        store::finish(db, self.id, owner, state, &write).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_are_not_shown_to_users() {
        let db = JobError::Db(DbError::NotFound("jobs_one_live_per_kind"));
        assert_eq!(db.public_message(), INTERNAL_FAILURE);
        let seller = JobError::Failed("Amazon is not configured".into());
        assert_eq!(seller.public_message(), "Amazon is not configured");
    }
}
