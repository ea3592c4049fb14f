//! Durable jobs: long work (order sync, backfill, fee sync) whose state
//! lives in the `jobs` table, so progress survives a restart, a stop works
//! from any process, and two processes never run the same job twice.
//!
//! - A job has a kind; each kind is a type implementing [`Job`], with its
//!   typed parameters and progress details, registered once per process.
//!   Its runner gets the parameters and a [`JobContext`] (progress,
//!   cursor, cancellation). Stored parameters or details that do not
//!   read as the kind's types fail the job with a clear error.
//! - One live job per kind is enforced by the database's partial unique
//!   index; starting a second returns the live one.
//! - The process running a job is its owner; every write is fenced by
//!   owner, and a heartbeat shows the owner is alive. A job whose owner
//!   died (SIGKILL, power loss) is marked `interrupted` by the next
//!   supervisor pass of any process and resumed from its cursor,
//!   automatically.
//! - Stop sets `stopping`; the owner cancels the runner at once when the
//!   request reached it, else at its next heartbeat (within a second).

mod context;
mod job;
mod owner;

pub use context::{INTERNAL_FAILURE, JobContext, JobError, Progress};
pub use job::{Job, JobDataError};

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::db::jobs::{self as store, JobRow};
use crate::db::{Db, DbError};
use crate::domain::jobs::heartbeat_is_stale;
use crate::domain::{JobId, JobKind, JobState};

/// Timings of the job machinery.
#[derive(Debug, Clone, Copy)]
pub struct JobsConfig {
    /// How often a running job's owner writes its heartbeat and looks for
    /// a stop requested by another process.
    pub heartbeat: Duration,
    /// A live job whose heartbeat is older than this is taken to be dead.
    pub stale_after: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            heartbeat: Duration::from_millis(750),
            stale_after: Duration::from_secs(10),
        }
    }
}

/// What [`Jobs::start`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    /// A new job was created and runs in this process.
    New(JobRow),
    /// A job of the kind was live already; this is it.
    AlreadyRunning(JobRow),
}

impl Started {
    /// The job, new or existing.
    pub fn job(&self) -> &JobRow {
        match self {
            Started::New(j) | Started::AlreadyRunning(j) => j,
        }
    }
}

/// Why a job could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The kind's job type is not registered with this process.
    #[error("no {0} job is registered")]
    NotRegistered(JobKind),
    /// The parameters could not be stored.
    #[error("the job's parameters could not be stored: {0}")]
    Params(#[from] serde_json::Error),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A registered kind: its job type and its type-erased runner.
struct Registered {
    type_id: TypeId,
    runner: job::Runner,
}

pub(crate) struct Inner {
    pub(crate) db: Db,
    pub(crate) owner: String,
    config: JobsConfig,
    runners: Mutex<HashMap<JobKind, Registered>>,
    local: Mutex<HashMap<JobId, (JobKind, CancellationToken)>>,
    shutting_down: CancellationToken,
    pub(crate) changed: watch::Sender<u64>,
}

impl Inner {
    pub(crate) fn notify(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }
}

/// The job machinery of one process. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("owner", &self.inner.owner)
            .finish_non_exhaustive()
    }
}

impl Jobs {
    /// Job machinery on `db` with default timings.
    pub fn new(db: Db) -> Jobs {
        Self::with_config(db, JobsConfig::default())
    }

    /// Job machinery on `db` with the given timings.
    pub fn with_config(db: Db, config: JobsConfig) -> Jobs {
        Jobs {
            inner: Arc::new(Inner {
                db,
                owner: owner::this_process(),
                config,
                runners: Mutex::default(),
                local: Mutex::default(),
                shutting_down: CancellationToken::new(),
                changed: watch::channel(0).0,
            }),
        }
    }

    /// This process's owner id (`host:pid:nonce`).
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// The database the jobs live in.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Registers `job` as the runner of its kind (replacing an earlier
    /// one): this process runs and resumes the kind's jobs from now on.
    pub fn register<J: Job>(&self, job: J) {
        let registered = Registered {
            type_id: TypeId::of::<J>(),
            runner: job::runner(job),
        };
        lock(&self.inner.runners).insert(J::KIND, registered);
    }

    /// Starts a job of kind `J` with `params`, or returns the live one.
    pub async fn start<J: Job>(&self, params: J::Params) -> Result<Started, StartError> {
        let kind = J::KIND;
        let registered = lock(&self.inner.runners)
            .get(&kind)
            .is_some_and(|r| r.type_id == TypeId::of::<J>());
        if !registered {
            return Err(StartError::NotRegistered(kind));
        }
        let params_json = serde_json::to_string(&params)?;
        // A job of this kind left live by a dead process would block it.
        self.recover_kinds(Some(kind)).await?;
        for _ in 0..3 {
            match store::insert_running(&self.inner.db, kind, &params_json, self.owner()).await {
                Ok(row) => {
                    self.spawn(row.clone());
                    return Ok(Started::New(row));
                }
                Err(DbError::Conflict { .. }) => {
                    if let Some(live) = store::live_job(&self.inner.db, kind).await? {
                        return Ok(Started::AlreadyRunning(live));
                    }
                    // It ended between the insert and the read: try again.
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DbError::Conflict(crate::db::Clash::LiveJob).into())
    }

    /// [`Jobs::start`], then waits up to `at_most` for the job (new or
    /// joined) to end. Returns it as stored: ended, or still live when
    /// the time ran out.
    pub async fn start_and_wait<J: Job>(
        &self,
        params: J::Params,
        at_most: Duration,
    ) -> Result<JobRow, StartError> {
        let id = self.start::<J>(params).await?.job().id;
        match tokio::time::timeout(at_most, self.wait(id)).await {
            Ok(ended) => Ok(ended?),
            Err(_) => Ok(self.get(id).await?),
        }
    }

    /// Asks the live job of `kind` to stop; returns the job as stored.
    pub async fn stop(&self, kind: JobKind) -> Result<Option<JobRow>, DbError> {
        let job = store::request_stop(&self.inner.db, kind).await?;
        for (job_kind, token) in lock(&self.inner.local).values() {
            if *job_kind == kind {
                token.cancel();
            }
        }
        self.inner.notify();
        Ok(job)
    }

    /// [`Jobs::stop`], then waits up to `at_most` for the job to let go
    /// (its owner sees the stop within a heartbeat). Returns the job as
    /// stored: settled, or still stopping when the time ran out.
    pub async fn stop_and_settle(
        &self,
        kind: JobKind,
        at_most: Duration,
    ) -> Result<Option<JobRow>, DbError> {
        let Some(job) = self.stop(kind).await? else {
            return Ok(None);
        };
        match tokio::time::timeout(at_most, self.wait(job.id)).await {
            Ok(settled) => settled.map(Some),
            Err(_) => self.get(job.id).await.map(Some),
        }
    }

    /// The newest job of `kind`.
    pub async fn latest(&self, kind: JobKind) -> Result<Option<JobRow>, DbError> {
        store::latest(&self.inner.db, kind).await
    }

    /// Job `id` as stored.
    pub async fn get(&self, id: JobId) -> Result<JobRow, DbError> {
        store::get(&self.inner.db, id)
            .await?
            .ok_or(DbError::NotFound("job"))
    }

    /// Changes whenever a job of this process writes progress or ends.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.changed.subscribe()
    }

    /// Marks jobs of dead owners interrupted and resumes every interrupted
    /// job whose kind this process can run. Returns the jobs resumed.
    pub async fn recover(&self) -> Result<Vec<JobRow>, DbError> {
        self.recover_kinds(None).await
    }

    /// [`Jobs::recover`] for one kind, or every kind with `None`.
    async fn recover_kinds(&self, only: Option<JobKind>) -> Result<Vec<JobRow>, DbError> {
        let db = &self.inner.db;
        let now = crate::db::now();
        let stale_after = time::Duration::try_from(self.inner.config.stale_after)
            .unwrap_or(time::Duration::seconds(10));
        let mut resumed = Vec::new();
        for job in store::unfinished(db).await? {
            if only.is_some_and(|k| k != job.kind) {
                continue;
            }
            let mut state = job.state;
            if state.is_live() {
                let mine = job.owner.as_deref() == Some(self.owner());
                // This process's own jobs are alive by definition (a slow
                // heartbeat must not make it run one twice).
                let dead = job.owner.as_deref().is_none_or(owner::is_dead);
                let stale = heartbeat_is_stale(job.heartbeat_at, now, stale_after);
                if !mine
                    && (dead || stale)
                    && store::mark_interrupted(db, job.id, job.owner.as_deref()).await?
                {
                    tracing::warn!(job = %job.id, kind = %job.kind, owner = ?job.owner, "job of a dead process marked interrupted");
                    state = JobState::Interrupted;
                }
            }
            if state == JobState::Interrupted && !self.inner.shutting_down.is_cancelled() {
                let can_run = lock(&self.inner.runners).contains_key(&job.kind);
                if can_run && let Some(row) = store::claim(db, job.id, self.owner()).await? {
                    tracing::info!(job = %row.id, kind = %row.kind, cursor = ?row.progress.cursor, "resuming interrupted job");
                    self.spawn(row.clone());
                    resumed.push(row);
                }
            }
        }
        if !resumed.is_empty() {
            self.inner.notify();
        }
        Ok(resumed)
    }

    /// Runs [`Jobs::recover`] now and then every half `stale_after` until
    /// [`Jobs::shutdown`].
    pub fn supervise(&self) -> tokio::task::JoinHandle<()> {
        let jobs = self.clone();
        tokio::spawn(async move {
            let every = jobs.inner.config.stale_after / 2;
            loop {
                if let Err(e) = jobs.recover().await {
                    tracing::warn!(error = %e, "job supervisor pass failed");
                }
                tokio::select! {
                    () = jobs.inner.shutting_down.cancelled() => return,
                    () = tokio::time::sleep(every) => {}
                }
            }
        })
    }

    /// Stops this process's jobs as `interrupted` (they resume on the next
    /// start) and waits up to `grace` for them to let go.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.shutting_down.cancel();
        for (_, token) in lock(&self.inner.local).values() {
            token.cancel();
        }
        let deadline = tokio::time::Instant::now() + grace;
        while !lock(&self.inner.local).is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until job `id` is no longer live; returns it as stored.
    pub async fn wait(&self, id: JobId) -> Result<JobRow, DbError> {
        let mut changes = self.subscribe();
        loop {
            let job = self.get(id).await?;
            if !job.state.is_live() {
                return Ok(job);
            }
            // Another process may hold the job: poll as well as listen.
            let _ = tokio::time::timeout(Duration::from_millis(250), changes.changed()).await;
        }
    }

    fn spawn(&self, row: JobRow) {
        let Some(runner) = lock(&self.inner.runners)
            .get(&row.kind)
            .map(|r| Arc::clone(&r.runner))
        else {
            return;
        };
        let cancel = CancellationToken::new();
        lock(&self.inner.local).insert(row.id, (row.kind, cancel.clone()));
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let id = row.id;
            runner(Arc::clone(&inner), row, cancel).await;
            lock(&inner.local).remove(&id);
            inner.notify();
        });
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
