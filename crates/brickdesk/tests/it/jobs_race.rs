//! Two app processes on one database (each `Jobs` is a process: its own
//! owner id) never run the same job twice: not when both start a kind at
//! once, not when both find a dead process's job to resume.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use brickdesk::db::Db;
use brickdesk::db::jobs as store;
use brickdesk::domain::{JobKind, JobState};
use brickdesk::jobs::{Job, JobContext, JobError, Jobs, Started};
use serde_json::{Value, json};

use crate::helpers::on_both_backends;

/// A job that counts its runs and stays live until the test lets one run
/// end (a permit of `release`), so both starts of a round meet it however
/// slowly they come (a sleep would race them).
struct Probe {
    runs: Arc<AtomicUsize>,
    release: Arc<Semaphore>,
}

impl Job for Probe {
    // Any kind will do: these processes run no other job.
    const KIND: JobKind = JobKind::Sync;
    type Params = Value;
    type Detail = Value;

    async fn run(&self, _ctx: JobContext<Self>, _params: Value) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.release.acquire().await.expect("gate open").forget();
        Ok(())
    }
}

/// A process whose probe jobs count into `runs` and end on `release`.
fn process(db: &Db, runs: &Arc<AtomicUsize>, release: &Arc<Semaphore>) -> Jobs {
    let jobs = Jobs::new(db.clone());
    jobs.register(Probe {
        runs: Arc::clone(runs),
        release: Arc::clone(release),
    });
    jobs
}

async fn two_processes_never_run_one_job_twice(db: &Db) {
    let runs = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Semaphore::new(0));
    let a = process(db, &runs, &release);
    let b = process(db, &runs, &release);
    assert_ne!(a.owner(), b.owner());
    for round in 0..5 {
        let (x, y) = tokio::join!(a.start::<Probe>(json!({})), b.start::<Probe>(json!({})));
        let (x, y) = (x.expect("start a"), y.expect("start b"));
        let new = [&x, &y]
            .iter()
            .filter(|s| matches!(s, Started::New(_)))
            .count();
        assert_eq!(new, 1, "round {round}: {x:?} {y:?}");
        assert_eq!(x.job().id, y.job().id, "both see the one job");
        release.add_permits(1);
        let done = a.wait(x.job().id).await.expect("wait");
        assert_eq!(done.state, JobState::Done);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 5);

    // A job left by a process that died: both look for work at once.
    let dead_owner = "gone-host:1:00000000";
    let orphan = store::insert_running(db, Probe::KIND, "{}", dead_owner)
        .await
        .expect("orphan");
    assert!(
        store::mark_interrupted(db, orphan.id, Some(dead_owner))
            .await
            .expect("interrupt")
    );
    let (ra, rb) = tokio::join!(a.recover(), b.recover());
    let resumed = ra.expect("recover a").len() + rb.expect("recover b").len();
    assert_eq!(resumed, 1, "exactly one process resumes the job");
    release.add_permits(1);
    let done = b.wait(orphan.id).await.expect("wait");
    assert_eq!(done.state, JobState::Done);
    assert_eq!(runs.load(Ordering::SeqCst), 6);
}

on_both_backends! {
    two_processes_one_job => two_processes_never_run_one_job_twice;
}
