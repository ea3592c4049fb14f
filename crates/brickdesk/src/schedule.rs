//! Scheduled runs of the durable jobs: order sync every `--sync-every`
//! (then a backfill of the orders that came without lines) and the fees
//! job every `--fees-every`, while Amazon is connected or in demo mode.
//!
//! Each process looks at the schedule often; a run starts only in the
//! process whose claim (in `schedules`) lands, so processes sharing a
//! database run it once per interval. A run joins a job of its kind
//! already live (a manual sync), as a manual start joins a scheduled one.
//! A failed run is tried again sooner, backing off to the interval.

use std::time::Duration;

use time::OffsetDateTime;

use crate::amazon::backfill::{BackfillJob, BackfillParams};
use crate::amazon::credentials;
use crate::amazon::fees::{FeesJob, FeesParams};
use crate::amazon::sync::{SyncJob, SyncParams};
use crate::db::jobs::JobRow;
use crate::db::orders::count_missing_items;
use crate::db::schedules::{self, Outcome};
use crate::db::{Db, DbError};
use crate::domain::schedule::retry_delay;
use crate::domain::{JobKind, JobState, Platform};
use crate::jobs::{Job, Jobs, StartError};

/// A job kind that runs on a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduled {
    /// Order sync, then a backfill when orders lack their lines.
    Sync,
    /// Fetch and reconcile Amazon's fees.
    Fees,
}

impl Scheduled {
    /// The job kind it starts.
    pub fn kind(self) -> JobKind {
        match self {
            Scheduled::Sync => SyncJob::KIND,
            Scheduled::Fees => FeesJob::KIND,
        }
    }
}

/// Why a look at the schedule failed (the next look tries again).
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The job could not be started.
    #[error(transparent)]
    Start(#[from] StartError),
}

/// The scheduled runs of one process.
#[derive(Debug, Clone)]
pub struct Scheduler {
    jobs: Jobs,
    demo: bool,
}

impl Scheduler {
    /// Runs through `jobs`; `demo` runs against the built-in simulator
    /// (no stored credentials needed).
    pub fn new(jobs: Jobs, demo: bool) -> Scheduler {
        Scheduler { jobs, demo }
    }

    fn db(&self) -> &Db {
        self.jobs.db()
    }

    /// Looks at the schedule of `which` every little while, forever:
    /// spawn it, abort it at shutdown.
    pub fn spawn(&self, which: Scheduled, every: Duration) -> tokio::task::JoinHandle<()> {
        let scheduler = self.clone();
        // Often enough that a run starts close to its time, seldom enough
        // to cost nothing.
        let look_every = (every / 4).clamp(Duration::from_millis(250), Duration::from_secs(15));
        tokio::spawn(async move {
            loop {
                let now = OffsetDateTime::now_utc();
                if let Err(e) = scheduler.run_due(which, every, now).await {
                    tracing::warn!(kind = %which.kind(), error = %e, "scheduled run failed to start");
                }
                tokio::time::sleep(look_every).await;
            }
        })
    }

    /// Runs `which` if its run is due at `now` and this process claims
    /// it: starts (or joins) the job and waits for it to end. Returns the
    /// ended job, or `None` when nothing was due here.
    pub async fn run_due(
        &self,
        which: Scheduled,
        every: Duration,
        now: OffsetDateTime,
    ) -> Result<Option<JobRow>, ScheduleError> {
        if !self.demo && !credentials::configured(self.db()).await? {
            return Ok(None);
        }
        let kind = which.kind();
        let first_at = match self.jobs.latest(kind).await?.and_then(|j| j.started_at) {
            Some(last) => last + every,
            None => now,
        };
        schedules::ensure(self.db(), kind, first_at).await?;
        let owner = self.jobs.owner();
        if !schedules::claim(self.db(), kind, now, now + every, owner).await? {
            return Ok(None);
        }
        let started = match which {
            Scheduled::Sync => self.jobs.start::<SyncJob>(SyncParams::default()).await,
            Scheduled::Fees => self.jobs.start::<FeesJob>(FeesParams::default()).await,
        }?;
        let id = started.job().id;
        tracing::info!(kind = %kind, job = %id, "scheduled run");
        let ended = self.jobs.wait(id).await?;
        let outcome = match ended.state {
            JobState::Done => Outcome::Succeeded,
            JobState::Failed => {
                let failures = schedules::get(self.db(), kind)
                    .await?
                    .map_or(0, |s| s.failures);
                let delay = retry_delay(every, u32::try_from(failures + 1).unwrap_or(u32::MAX));
                // Counted from the failed run's start, like its interval.
                Outcome::Failed {
                    retry_at: now + delay,
                }
            }
            _ => Outcome::Neither,
        };
        schedules::record(self.db(), kind, owner, id, outcome).await?;
        // Packages a failed or stopped sender left behind get another go.
        crate::amazon::ship::spawn_send_pending(&self.jobs);
        if which == Scheduled::Sync
            && ended.state == JobState::Done
            && count_missing_items(self.db(), Platform::Amazon).await? > 0
        {
            let backfill = self
                .jobs
                .start::<BackfillJob>(BackfillParams::default())
                .await?;
            tracing::info!(job = %backfill.job().id, "backfill after a scheduled sync");
        }
        Ok(Some(ended))
    }
}
