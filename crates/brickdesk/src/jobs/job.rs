//! A job kind as a type: its parameters and progress details are typed,
//! and stored as the JSON of `params_json` and `detail_json`. The
//! machinery runs a registered kind through a type-erased runner, which
//! reads both back and fails the job when they do not read as the kind's
//! types (rather than running it with defaults).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use super::Inner;
use super::context::{INTERNAL_FAILURE, JobContext, JobError};
use crate::db::jobs::{self as store, JobProgress, JobRow};
use crate::domain::{JobId, JobKind, JobState};

/// A kind of durable job. The value registered with
/// [`super::Jobs::register`] holds what the runs need (e.g. the Amazon
/// access); one value serves every job of the kind.
pub trait Job: Sized + Send + Sync + 'static {
    /// The kind, stored in the job's row.
    const KIND: JobKind;
    /// What a job is started with (stored as `params_json`).
    type Params: Serialize + DeserializeOwned + Send + 'static;
    /// The kind's own progress, shown with the counters (stored as
    /// `detail_json`; a new job starts from the default).
    type Detail: Serialize + DeserializeOwned + Default + Clone + Send + 'static;

    /// Does the work of one job: a new one, or a resumed one (then
    /// [`JobContext::cursor`] says where to continue).
    fn run(
        &self,
        ctx: JobContext<Self>,
        params: Self::Params,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// A stored job that does not read as its kind's types.
#[derive(Debug, thiserror::Error)]
pub enum JobDataError {
    /// The job is of another kind.
    #[error("job {id} is a {actual} job, not a {expected} job")]
    WrongKind {
        /// The job.
        id: JobId,
        /// The kind the reader expected.
        expected: JobKind,
        /// The job's kind.
        actual: JobKind,
    },
    /// A stored JSON column does not read as its type.
    #[error("the stored {what} of job {id} cannot be read: {source}")]
    Unreadable {
        /// The job.
        id: JobId,
        /// `parameters`, `progress details` or `errors`.
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

// The typed reads of a row live with the trait they depend on.
impl JobRow {
    /// The progress details of this job, a `J` job.
    pub fn detail<J: Job>(&self) -> Result<J::Detail, JobDataError> {
        self.json_of::<J, _>("progress details", &self.progress.detail_json)
    }

    /// The parameters this job, a `J` job, was started with.
    pub fn params<J: Job>(&self) -> Result<J::Params, JobDataError> {
        self.json_of::<J, _>("parameters", &self.params_json)
    }

    /// The recorded error messages, oldest first.
    pub fn errors(&self) -> Result<Vec<String>, JobDataError> {
        serde_json::from_str(&self.progress.errors_json).map_err(|source| {
            JobDataError::Unreadable {
                id: self.id,
                what: "errors",
                source,
            }
        })
    }

    /// Whether the job is live (running, rate limited, stopping).
    pub fn is_live(&self) -> bool {
        self.state.is_live()
    }

    fn json_of<J: Job, T: DeserializeOwned>(
        &self,
        what: &'static str,
        json: &str,
    ) -> Result<T, JobDataError> {
        if self.kind != J::KIND {
            return Err(JobDataError::WrongKind {
                id: self.id,
                expected: J::KIND,
                actual: self.kind,
            });
        }
        serde_json::from_str(json).map_err(|source| JobDataError::Unreadable {
            id: self.id,
            what,
            source,
        })
    }
}

/// A registered kind's work, type-erased: runs one job to its end and
/// records how it ended.
pub(super) type Runner = Arc<
    dyn Fn(Arc<Inner>, JobRow, CancellationToken) -> Pin<Box<dyn Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// The runner of `job`'s kind.
pub(super) fn runner<J: Job>(job: J) -> Runner {
    let job = Arc::new(job);
    Arc::new(move |inner, row, cancel| Box::pin(run_one(Arc::clone(&job), inner, row, cancel)))
}

async fn run_one<J: Job>(job: Arc<J>, inner: Arc<Inner>, row: JobRow, cancel: CancellationToken) {
    let id = row.id;
    let read = JobContext::<J>::new(Arc::clone(&inner), &row, cancel.clone())
        .and_then(|ctx| Ok((ctx, row.params::<J>()?)));
    let (ctx, params) = match read {
        Ok(read) => read,
        Err(e) => {
            tracing::error!(job = %id, error = %e, "job cannot be run");
            if let Err(e) = fail_unreadable(&inner, &row, &e).await {
                tracing::error!(job = %id, error = %e, "could not record the end of a job");
            }
            return;
        }
    };
    let heartbeat = tokio::spawn(heartbeat_loop(Arc::clone(&inner), id, cancel.clone()));
    // A panicking runner must still end its job, so it runs as its own
    // task and its panic arrives as a JoinError.
    let run_ctx = ctx.clone();
    let outcome = match tokio::spawn(async move { job.run(run_ctx, params).await }).await {
        Ok(result) => result,
        Err(e) => {
            // The panic text is for the log, not for the seller.
            tracing::error!(job = %id, error = %e, "job runner panicked");
            Err(JobError::Failed(INTERNAL_FAILURE.into()))
        }
    };
    heartbeat.abort();
    let shutting_down = inner.shutting_down.is_cancelled();
    if let Err(e) = ctx.finish(outcome, shutting_down).await {
        tracing::error!(job = %id, error = %e, "could not record the end of a job");
    }
}

/// Ends a job whose stored parameters or details do not read: failed,
/// with why, and with what was stored left as it was.
async fn fail_unreadable(
    inner: &Inner,
    row: &JobRow,
    why: &JobDataError,
) -> Result<(), crate::db::DbError> {
    // Errors that do not read either give way to the reason it ends.
    let mut errors = row.errors().unwrap_or_default();
    errors.push(why.to_string());
    let write = JobProgress {
        current_order_id: None,
        errors_json: serde_json::Value::from(errors).to_string(),
        ..row.progress.clone()
    };
    store::finish(&inner.db, row.id, &inner.owner, JobState::Failed, &write).await?;
    Ok(())
}

async fn heartbeat_loop(inner: Arc<Inner>, id: JobId, cancel: CancellationToken) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(inner.config.heartbeat) => {}
        }
        match store::heartbeat(&inner.db, id, &inner.owner).await {
            Ok(Some(JobState::Stopping)) => cancel.cancel(),
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::warn!(job = %id, "job taken over by another process; stopping here");
                cancel.cancel();
            }
            Err(e) => tracing::warn!(job = %id, error = %e, "heartbeat failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use time::OffsetDateTime;

    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Count {
        n: i64,
    }

    struct Probe;

    impl Job for Probe {
        const KIND: JobKind = JobKind::Sync;
        type Params = Count;
        type Detail = Count;

        async fn run(&self, _ctx: JobContext<Self>, _params: Count) -> Result<(), JobError> {
            Ok(())
        }
    }

    fn row(kind: JobKind, params_json: &str, errors_json: &str) -> JobRow {
        JobRow {
            id: JobId::new(7).expect("id"),
            kind,
            state: JobState::Running,
            progress: JobProgress {
                errors_json: errors_json.into(),
                detail_json: "{}".into(),
                ..JobProgress::default()
            },
            params_json: params_json.into(),
            owner: None,
            rate_limited_until: None,
            started_at: None,
            finished_at: None,
            heartbeat_at: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_row_reads_as_its_kinds_types_or_says_why_not() {
        let good = row(JobKind::Sync, r#"{"n":2}"#, r#"["late"]"#);
        assert_eq!(good.params::<Probe>().expect("params"), Count { n: 2 });
        assert_eq!(good.detail::<Probe>().expect("detail"), Count::default());
        assert_eq!(good.errors().expect("errors"), ["late"]);

        let bad = row(JobKind::Sync, r#"{"n":"two"}"#, "oops");
        let why = bad.params::<Probe>().expect_err("bad params").to_string();
        assert!(
            why.starts_with("the stored parameters of job 7 cannot be read: invalid type"),
            "{why}"
        );
        assert!(bad.errors().is_err());

        let other = row(JobKind::Fees, "{}", "[]");
        let why = other.detail::<Probe>().expect_err("another kind");
        assert_eq!(why.to_string(), "job 7 is a fees job, not a sync job");
    }
}
